// Shared helpers of the algorithm tests: run call traces through a pure step function,
// measure the admitted units per window / interval, and fast-check arbitraries for traces.
// Test-only (not exported from the package entry points).
import fc from 'fast-check';
import { expect } from 'vitest';
import type { AlgorithmResult } from './types.js';

/** A pure algorithm step, as exported by every algorithm file. */
export type StepFn<S, P> = (state: S | undefined, now: number, params: P, cost?: number) => AlgorithmResult<S>;

/** A window algorithm step that also takes `at` (when refunded units were charged). */
export type RefundStepFn<S, P> = (state: S | undefined, now: number, params: P, cost?: number, at?: number) => AlgorithmResult<S>;

/** One call of a trace: `cost` units at time `t`. */
export interface Call {
  t: number;
  cost: number;
}

/** A call together with the state it saw and what the algorithm answered. */
export interface Outcome<S> extends Call {
  before: S | undefined;
  result: AlgorithmResult<S>;
}

/** Runs `calls` in order, threading the state, and records every answer. */
export function runTrace<S, P>(step: StepFn<S, P>, params: P, calls: readonly Call[], initial?: S): { outcomes: Outcome<S>[]; state: S | undefined } {
  let state = initial;
  const outcomes: Outcome<S>[] = [];
  for (const c of calls) {
    const result = step(state, c.t, params, c.cost);
    outcomes.push({ t: c.t, cost: c.cost, before: state, result });
    state = result.state;
  }
  return { outcomes, state };
}

/**
 * Applies calls `[t, cost]` in order, each of which must be admitted, threading the state
 * from `state`; returns the state after the last one.
 */
export function admitEach<S, P>(step: StepFn<S, P>, calls: readonly (readonly [number, number])[], params: P, state?: S): S | undefined {
  let s = state;
  for (const [i, [t, cost]] of calls.entries()) {
    const r = step(s, t, params, cost);
    expect(r.allowed, `call #${i} at ${t}`).toBe(true);
    s = r.state;
  }
  return s;
}

/** `n` single-unit calls at `t`, all admitted (see `admitEach`). */
export function admitMany<S, P>(step: StepFn<S, P>, n: number, t: number, params: P, state?: S): S | undefined {
  return admitEach(step, Array.from({ length: n }, () => [t, 1] as const), params, state);
}

/** The admitted calls that consumed something (probes and refunds are left out). */
export function admittedUnits<S>(outcomes: readonly Outcome<S>[]): Call[] {
  return outcomes.filter((o) => o.result.allowed && o.cost > 0).map((o) => ({ t: o.t, cost: o.cost }));
}

/**
 * The admitted charges, each at the time the algorithm recorded it: `timeOf` reads that
 * time from the state the call left (e.g. a bucket's last refill time).
 */
export function chargesRecordedAt<S>(outcomes: readonly Outcome<S>[], timeOf: (state: S) => number): Call[] {
  return outcomes.filter((o) => o.result.allowed && o.cost > 0).map((o) => ({ t: timeOf(o.result.state!), cost: o.cost }));
}

/**
 * The admitted units of a trace whose clock may go backwards, each placed at the latest time
 * the algorithm had recorded when admitting it: the running maximum over the calls that
 * write a state (admitted calls; with `chargesOnly`, admitted calls with cost > 0, for an
 * algorithm whose probes and refunds record no time). A refused call leaves the state as it
 * was, so it does not move that time.
 */
export function admittedAtEffectiveTime<S>(outcomes: readonly Outcome<S>[], opts: { chargesOnly?: boolean } = {}): Call[] {
  let max = -Infinity;
  const calls: Call[] = [];
  for (const o of outcomes) {
    if (!o.result.allowed) continue;
    if (o.cost > 0 || opts.chargesOnly !== true) max = Math.max(max, o.t);
    if (o.cost > 0) calls.push({ t: max, cost: o.cost });
  }
  return calls;
}

/** Most units in any half-open window `[a, a + windowMs)`. */
export function maxUnitsInAnyWindow(calls: readonly Call[], windowMs: number): number {
  const sorted = [...calls].sort((x, y) => x.t - y.t);
  let best = 0;
  for (let i = 0; i < sorted.length; i++) {
    let sum = 0;
    for (let j = i; j < sorted.length && sorted[j]!.t < sorted[i]!.t + windowMs; j++) sum += sorted[j]!.cost;
    best = Math.max(best, sum);
  }
  return best;
}

/** Units per epoch-aligned window, keyed by the window index `floor(t / windowMs)`. */
export function unitsPerAlignedWindow(calls: readonly Call[], windowMs: number): Map<number, number> {
  const m = new Map<number, number>();
  for (const c of calls) {
    const k = Math.floor(c.t / windowMs);
    m.set(k, (m.get(k) ?? 0) + c.cost);
  }
  return m;
}

/** Largest value of `units admitted in [a, b] - ratePerMs * (b - a)` over all closed intervals. */
export function maxExcessOverRate(calls: readonly Call[], ratePerMs: number): number {
  const sorted = [...calls].sort((x, y) => x.t - y.t);
  let best = 0;
  for (let i = 0; i < sorted.length; i++) {
    // Start the interval at the first call of this instant so it holds all of them.
    if (i > 0 && sorted[i - 1]!.t === sorted[i]!.t) continue;
    let sum = 0;
    for (let j = i; j < sorted.length; j++) {
      sum += sorted[j]!.cost;
      const last = j + 1 >= sorted.length || sorted[j + 1]!.t !== sorted[j]!.t;
      if (last) best = Math.max(best, sum - ratePerMs * (sorted[j]!.t - sorted[i]!.t));
    }
  }
  return best;
}

/** Cheap assertion for hot property loops (vitest's `expect` costs microseconds per call). */
export function check(cond: boolean, message: () => string): asserts cond {
  if (!cond) throw new Error(message());
}

/**
 * Fields every result must satisfy, whatever the algorithm. `overLimitUsed` tolerates a
 * `used` above the limit (with `remaining` 0): the code reports the real usage there (see
 * `wholeUsed`), which the contract `used = limit - remaining` does not foresee; the tests
 * that pass it have a dedicated test of that case.
 */
export function expectConsistentResult<S>(r: AlgorithmResult<S>, cost: number, limit: number, opts: { overLimitUsed?: boolean } = {}): void {
  const what = (): string => `cost=${cost} result=${JSON.stringify(r)}`;
  check(r.limit === limit, () => `limit: ${what()}`);
  check(Number.isInteger(r.remaining) && r.remaining >= 0 && r.remaining <= limit, () => `remaining: ${what()}`);
  const overLimit = opts.overLimitUsed === true && r.remaining === 0 && r.used > r.limit;
  check(r.used === r.limit - r.remaining || overLimit, () => `used != limit - remaining: ${what()}`);
  check(r.resetMs >= 0, () => `resetMs: ${what()}`);
  if (cost < 0) check(r.allowed, () => `refund refused: ${what()}`);
  if (r.allowed) check(r.retryAfterMs === 0, () => `allowed with retryAfterMs: ${what()}`);
  else if (Math.max(cost, 1) > limit) check(r.retryAfterMs === -1, () => `cost over the limit without -1: ${what()}`);
  else check(r.retryAfterMs > 0, () => `refused without a wait: ${what()}`);
}

/**
 * Re-runs the trace without its refused calls: every call kept must get exactly the same
 * answer (a refused call consumes nothing and so cannot change what follows).
 *
 * `firstContactStartsClock`: a refused FIRST call may create the state (a token bucket that
 * starts below capacity starts refilling at first contact, by design); such a call is kept in
 * the re-run, and its state must be what a zero-cost call would have created.
 */
export function expectRefusalsInvisible<S, P>(step: StepFn<S, P>, params: P, calls: readonly Call[], opts: { firstContactStartsClock?: boolean } = {}): void {
  const full = runTrace(step, params, calls).outcomes;
  const startsClock = (o: Outcome<S>): boolean => opts.firstContactStartsClock === true && o.before === undefined && o.result.state !== undefined;
  const kept = full.filter((o) => o.result.allowed || startsClock(o));
  const again = runTrace(step, params, kept).outcomes;
  expect(again.map((o) => [o.t, o.cost, o.result.allowed, o.result.remaining])).toEqual(
    kept.map((o) => [o.t, o.cost, o.result.allowed, o.result.remaining]),
  );
  // And each refused call hands back a state equivalent to the previous one: whatever comes
  // next at the same instant gets the same answer from both.
  for (const o of full) {
    if (o.result.allowed) continue;
    if (startsClock(o)) {
      expect(o.result.state).toEqual(step(undefined, o.t, params, 0).state); // a fresh state at t, nothing taken
      continue;
    }
    for (const cost of [0, 1, o.cost]) expect(step(o.result.state, o.t, params, cost)).toEqual(step(o.before, o.t, params, cost));
  }
}

/**
 * "Retry works": for each refused call with `retryAfterMs > 0`, the same cost at
 * `t + retryAfterMs` (no traffic in between) is admitted; with `exact`, it is still refused
 * 1 ms earlier. With `slackMs`, it must be refused `1 + slackMs` ms earlier (the wait is
 * overestimated by at most `slackMs`).
 */
export function expectRetryWorks<S, P>(step: StepFn<S, P>, params: P, outcomes: readonly Outcome<S>[], opts: { exact: boolean; slackMs?: number }): number {
  let checked = 0;
  for (const o of outcomes) {
    const r = o.result;
    if (r.allowed || r.retryAfterMs <= 0) continue;
    checked++;
    const what = (): string => `t=${o.t} cost=${o.cost} retryAfterMs=${r.retryAfterMs} state=${JSON.stringify(r.state)} params=${JSON.stringify(params)}`;
    check(step(r.state, o.t + r.retryAfterMs, params, o.cost).allowed, () => `refused at t + retryAfterMs: ${what()}`);
    const early = opts.exact ? 1 : 1 + (opts.slackMs ?? 0);
    if (r.retryAfterMs >= early && (opts.exact || opts.slackMs !== undefined)) {
      check(!step(r.state, o.t + r.retryAfterMs - early, params, o.cost).allowed, () => `admitted ${early} ms before t + retryAfterMs: ${what()}`);
    }
  }
  return checked;
}

/** Integer costs for a limit: mostly 1, sometimes 0 (probe) up to limit + 1 (never admitted). */
export function costArb(limit: number): fc.Arbitrary<number> {
  const top = Math.floor(limit) + 1;
  return fc.oneof({ weight: 5, arbitrary: fc.constant(1) }, { weight: 3, arbitrary: fc.integer({ min: 0, max: top }) });
}

/** Gaps between calls: often 0 (same instant), often small, sometimes up to `maxGap`. */
export function gapArb(maxGap: number): fc.Arbitrary<number> {
  const small = Math.max(1, Math.min(Math.ceil(maxGap), 5));
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant(0) },
    { weight: 2, arbitrary: fc.integer({ min: 0, max: small }) },
    { weight: 5, arbitrary: fc.integer({ min: 0, max: Math.max(0, Math.ceil(maxGap)) }) },
  );
}

/** A trace with non-decreasing integer times starting somewhere in `[0, maxStart]`. */
export function monotoneTraceArb(opts: { maxGap: number; cost: fc.Arbitrary<number>; maxStart?: number; maxLength?: number }): fc.Arbitrary<Call[]> {
  return fc
    .tuple(
      fc.integer({ min: 0, max: opts.maxStart ?? 10 * Math.ceil(opts.maxGap) }),
      fc.array(fc.tuple(gapArb(opts.maxGap), opts.cost), { minLength: 1, maxLength: opts.maxLength ?? 40 }),
    )
    .map(([start, steps]) => {
      let t = start;
      return steps.map(([gap, cost]) => ({ t: (t += gap), cost }));
    });
}

/** A trace whose integer clock sometimes jumps backwards (by up to `maxBack`). */
export function wobblyTraceArb(opts: { maxGap: number; maxBack: number; cost: fc.Arbitrary<number>; maxLength?: number }): fc.Arbitrary<Call[]> {
  const maxBack = Math.max(1, Math.ceil(opts.maxBack));
  const delta = fc.oneof({ weight: 3, arbitrary: gapArb(opts.maxGap) }, { weight: 1, arbitrary: fc.integer({ min: -maxBack, max: -1 }) });
  return fc
    .tuple(fc.integer({ min: maxBack, max: maxBack + 10 * Math.ceil(opts.maxGap) }), fc.array(fc.tuple(delta, opts.cost), { minLength: 1, maxLength: opts.maxLength ?? 40 }))
    .map(([start, steps]) => {
      let t = start;
      return steps.map(([d, cost]) => ({ t: (t += d), cost }));
    });
}

/** A trace with non-decreasing, non-integer times (gaps are doubles in `[0, maxGap]`). */
export function fractionalTraceArb(opts: { maxGap: number; cost: fc.Arbitrary<number>; maxLength?: number }): fc.Arbitrary<Call[]> {
  return fc
    .tuple(
      fc.double({ min: 0, max: 10 * opts.maxGap, noNaN: true, noDefaultInfinity: true }),
      fc.array(fc.tuple(fc.double({ min: 0, max: opts.maxGap, noNaN: true, noDefaultInfinity: true }), opts.cost), { minLength: 1, maxLength: opts.maxLength ?? 40 }),
    )
    .map(([start, steps]) => {
      let t = start;
      return steps.map(([gap, cost]) => ({ t: (t += gap), cost }));
    });
}

/** The kinds of traces: times non-decreasing integers, a clock that jumps back, non-integer times. */
export type TraceKind = 'monotone' | 'wobbly' | 'fractional';

/** A trace of `kind` (`maxBack` is for wobbly traces, `maxLength` defaults to 40). */
export function traceArb(kind: TraceKind, opts: { maxGap: number; maxBack: number; cost: fc.Arbitrary<number>; maxLength?: number }): fc.Arbitrary<Call[]> {
  const { maxGap, maxBack, cost, maxLength } = opts;
  if (kind === 'monotone') return monotoneTraceArb({ maxGap, cost, maxLength });
  if (kind === 'wobbly') return wobblyTraceArb({ maxGap, maxBack, cost, maxLength });
  return fractionalTraceArb({ maxGap, cost, maxLength });
}

/** Operations of a trace with refunds: a call, or a refund of (part of) an earlier admitted call. */
export type Op = { kind: 'call'; gap: number; cost: number } | { kind: 'refund'; gap: number; pick: number; part: number };

export function opsArb(maxGap: number, cost: fc.Arbitrary<number>): fc.Arbitrary<Op[]> {
  const call = fc.record({ kind: fc.constant('call' as const), gap: gapArb(maxGap), cost });
  const refund = fc.record({ kind: fc.constant('refund' as const), gap: gapArb(maxGap), pick: fc.nat(), part: fc.integer({ min: 1, max: 4 }) });
  return fc.array(fc.oneof({ weight: 3, arbitrary: call }, { weight: 1, arbitrary: refund }), { minLength: 1, maxLength: 40 });
}

/**
 * Runs calls and refunds of a window algorithm: each refund gives back `part` units (at most
 * what is left) of an earlier admitted call, passing that call's time as `at`. Returns the
 * admitted calls with their net cost (cost minus what was refunded). With `newestOnly`,
 * every refund targets the most recent admitted call (`pick` is ignored) and is skipped
 * when that call has nothing left.
 */
export function runWithRefunds<S, P>(step: RefundStepFn<S, P>, params: P, ops: readonly Op[], start = 0, opts: { newestOnly?: boolean } = {}): Call[] {
  let state: S | undefined;
  let t = start;
  const net: Call[] = [];
  for (const op of ops) {
    t += op.gap;
    if (op.kind === 'call') {
      const r = step(state, t, params, op.cost);
      state = r.state;
      if (r.allowed && op.cost > 0) net.push({ t, cost: op.cost });
    } else {
      const open = net.filter((c) => c.cost > 0);
      // undefined when no admitted call is left to refund
      const target = opts.newestOnly === true ? net[net.length - 1] : open[op.pick % open.length];
      if (target === undefined || target.cost <= 0) continue;
      const units = Math.min(op.part, target.cost);
      const r = step(state, t, params, -units, target.t);
      expect(r.allowed).toBe(true);
      expect(r.retryAfterMs).toBe(0);
      state = r.state;
      target.cost -= units;
    }
  }
  return net;
}

/** Rates (tokens or units per second) for which the bucket arithmetic in ms is exact. */
export const EXACT_RATES = [1000, 500, 250, 125, 62.5, 31.25, 15.625, 7.8125, 3.90625, 1.953125, 0.9765625, 0.48828125];

/** Rates that are not exact in binary floating point, incl. 0.1 and 1/3. */
export const AWKWARD_RATES = [0.1, 1 / 3, 2 / 3, 0.3, 0.7, 1.1, 13 / 7, 3.3, 0.01, 7, 10, 100];
