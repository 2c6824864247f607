// Property suites shared by the algorithm tests. Each algorithm's test file describes its
// subject (step function, parameter arbitraries, time scales) and its bound on the admitted
// units; `traceProperties` registers, inside the caller's `describe`, the properties that
// every algorithm must have:
//   (1) the admitted units stay within the bound (steady, backward and non-integer clocks),
//   (2) retry works: a refused call is admitted at now + retryAfterMs,
//   (3) refused calls never change the admission of later calls,
// plus consistent results and, for the window algorithms, refunds.
// Test-only (not exported from the package entry points).
import fc from 'fast-check';
import { expect, it } from 'vitest';
import {
  AWKWARD_RATES,
  EXACT_RATES,
  admittedUnits,
  chargesRecordedAt,
  check,
  costArb,
  expectConsistentResult,
  expectRefusalsInvisible,
  expectRetryWorks,
  maxExcessOverRate,
  maxUnitsInAnyWindow,
  opsArb,
  runTrace,
  runWithRefunds,
  traceArb,
  unitsPerAlignedWindow,
  type Call,
  type Op,
  type Outcome,
  type RefundStepFn,
  type StepFn,
  type TraceKind,
} from './test-helpers.js';
import type { WindowParams } from './types.js';

/** fast-check settings of a property. */
export interface Runs {
  numRuns: number;
  seed?: number;
}

/** Costs of the calls of a trace, for given parameters. */
export type CostOf<P> = (p: P) => fc.Arbitrary<number>;

/** Asserts that the admitted calls (`t`, `cost`) meet an algorithm's bound. */
export type BoundCheck<P> = (calls: readonly Call[], p: P) => void;

/** An algorithm under test: its step function, its parameters and the time scale of its traces. */
export interface TraceSubject<S, P> {
  step: StepFn<S, P>;
  /** Any parameters. */
  params: fc.Arbitrary<P>;
  /** Parameters whose arithmetic is exact in binary, where retry must be exact (default `params`). */
  exactParams?: fc.Arbitrary<P>;
  /** The units admitted at once: limit, capacity or burst. */
  limitOf: (p: P) => number;
  /** The largest gap between two calls of a trace. */
  maxGapOf: (p: P) => number;
  /** The largest step back of a clock that jumps backwards (default 3 * maxGapOf). */
  maxBackOf?: (p: P) => number;
  /** Costs of the calls (default `costArb(limitOf(p))`: mostly 1, probes, over the limit). */
  costOf?: CostOf<P>;
  /** The longest steady (monotone) trace; the other kinds keep the default of 40. */
  maxLength?: number;
  /** fast-check settings of every property that does not say otherwise. */
  runs: Runs;
}

/** Parameters with a trace of `kind` for them: the cases of the properties. */
export function casesOf<S, P>(
  s: TraceSubject<S, P>,
  kind: TraceKind,
  opts: { params?: fc.Arbitrary<P>; cost?: CostOf<P>; maxBack?: (p: P) => number } = {},
): fc.Arbitrary<[P, Call[]]> {
  const cost = opts.cost ?? s.costOf ?? ((p: P) => costArb(s.limitOf(p)));
  const maxBack = opts.maxBack ?? s.maxBackOf ?? ((p: P) => 3 * s.maxGapOf(p));
  const maxLength = kind === 'monotone' ? s.maxLength : undefined;
  return (opts.params ?? s.params).chain((p) => fc.tuple(fc.constant(p), traceArb(kind, { maxGap: s.maxGapOf(p), maxBack: maxBack(p), cost: cost(p), maxLength })));
}

/** Parameters, calls and refunds of earlier calls (see `runWithRefunds`) starting in `[0, maxStart]`. */
export function refundCasesOf<S, P>(s: TraceSubject<S, P>, maxStart: (p: P) => number): fc.Arbitrary<[P, Op[], number]> {
  const cost = s.costOf ?? ((p: P) => costArb(s.limitOf(p)));
  return s.params.chain((p) => fc.tuple(fc.constant(p), opsArb(s.maxGapOf(p), cost(p)), fc.integer({ min: 0, max: maxStart(p) })));
}

/**
 * Registers the test `name`: `body` must hold for the parameters and the calls of every case
 * of `kind` (default steady), run with the subject's settings unless `runs` says otherwise.
 */
export function traceProperty<S, P>(
  name: string,
  s: TraceSubject<S, P>,
  body: (p: P, calls: Call[]) => void,
  opts: { kind?: TraceKind; params?: fc.Arbitrary<P>; cost?: CostOf<P>; maxBack?: (p: P) => number; runs?: Runs } = {},
): void {
  const { kind = 'monotone', runs = s.runs, ...cases } = opts;
  it(name, () => {
    fc.assert(
      fc.property(casesOf(s, kind, cases), ([p, calls]) => {
        body(p, calls);
      }),
      runs,
    );
  });
}

/** A property "(1)" on a clock that jumps backwards. */
export interface WobblyCase<S, P> {
  name: string;
  /** The admitted charges at the times the algorithm recorded them, where the bound must hold. */
  admitted: (outcomes: readonly Outcome<S>[]) => Call[];
  /** Options of `expectConsistentResult` for every result, or false to leave it out. */
  consistent?: { overLimitUsed?: boolean } | false;
  cost?: CostOf<P>;
  maxBack?: (p: P) => number;
  runs?: Runs;
}

/** The shared properties of one algorithm; each `name` is the name of its test. */
export interface TraceSuite<S, P> {
  subject: TraceSubject<S, P>;
  /** (1) The bound on the admitted units, checked on every kind of trace (and on refunds). */
  bound: { name: string; check: BoundCheck<P> };
  /** (1) The bound with a clock that jumps backwards; results stay consistent, nothing throws. */
  wobbly: WobblyCase<S, P>[];
  /** (1) The bound with non-integer times. */
  fractional?: { name?: string; cost?: CostOf<P> };
  /**
   * (2) Retry works: always exactly on steady traces with `exactParams` and, with non-integer
   * times, without the "1 ms earlier" half. `slackName`: also for any parameters, at most 1 ms
   * too late. `wobblyName`: also exactly after the clock went backwards (`exactParams`).
   */
  retry?: { exactName?: string; slackName?: string; wobblyName?: string; fractionalRuns?: Runs };
  /** (3) Refused calls are invisible (one test per case; default one case). */
  refusals?: { name?: string; params?: fc.Arbitrary<P>; firstContactStartsClock?: boolean }[];
  /** Refunds with `at` = the charge time never let the net units break the bound. */
  refunds?: { name: string; step: RefundStepFn<S, P>; maxStart: (p: P) => number; runs?: Runs };
}

/** Registers the shared properties of `suite` in the current `describe`. */
export function traceProperties<S, P>(suite: TraceSuite<S, P>): void {
  const { subject: s, bound } = suite;
  const run = (p: P, calls: readonly Call[]): Outcome<S>[] => runTrace(s.step, p, calls).outcomes;
  const exactParams = s.exactParams ?? s.params;
  const retry = suite.retry ?? {};

  traceProperty(bound.name, s, (p, calls) => bound.check(admittedUnits(run(p, calls)), p));

  for (const w of suite.wobbly) {
    const consistent = w.consistent;
    traceProperty(
      w.name,
      s,
      (p, calls) => {
        const outcomes = run(p, calls);
        bound.check(w.admitted(outcomes), p);
        if (consistent !== false) for (const o of outcomes) expectConsistentResult(o.result, o.cost, s.limitOf(p), consistent);
      },
      { kind: 'wobbly', cost: w.cost, maxBack: w.maxBack, runs: w.runs },
    );
  }

  traceProperty(suite.fractional?.name ?? '(1) non-integer times: the same bound holds', s, (p, calls) => bound.check(admittedUnits(run(p, calls)), p), {
    kind: 'fractional',
    cost: suite.fractional?.cost,
  });

  it(retry.exactName ?? '(2) retry works: admitted at now + retryAfterMs, still refused 1 ms earlier (integer times)', () => {
    let checked = 0;
    fc.assert(
      fc.property(casesOf(s, 'monotone', { params: exactParams }), ([p, calls]) => {
        checked += expectRetryWorks(s.step, p, run(p, calls), { exact: true });
      }),
      s.runs,
    );
    expect(checked).toBeGreaterThan(50);
  });
  if (retry.slackName !== undefined) {
    traceProperty(retry.slackName, s, (p, calls) => expectRetryWorks(s.step, p, run(p, calls), { exact: false, slackMs: 1 }));
  }
  if (retry.wobblyName !== undefined) {
    traceProperty(retry.wobblyName, s, (p, calls) => expectRetryWorks(s.step, p, run(p, calls), { exact: true }), { kind: 'wobbly', params: exactParams });
  }
  traceProperty('(2) retry works with non-integer times (admitted at now + retryAfterMs)', s, (p, calls) => expectRetryWorks(s.step, p, run(p, calls), { exact: false }), {
    kind: 'fractional',
    runs: retry.fractionalRuns,
  });

  for (const r of suite.refusals ?? [{}]) {
    const name = r.name ?? '(3) refused calls never change the admission of later calls';
    traceProperty(name, s, (p, calls) => expectRefusalsInvisible(s.step, p, calls, { firstContactStartsClock: r.firstContactStartsClock }), { params: r.params });
  }

  traceProperty('results are consistent (used = limit - remaining, retryAfterMs 0 / > 0 / -1)', s, (p, calls) => {
    for (const o of run(p, calls)) expectConsistentResult(o.result, o.cost, s.limitOf(p));
  });

  const refunds = suite.refunds;
  if (refunds !== undefined) {
    it(refunds.name, () => {
      fc.assert(
        fc.property(refundCasesOf(s, refunds.maxStart), ([p, ops, start]) => {
          bound.check(runWithRefunds(refunds.step, p, ops, start), p);
        }),
        refunds.runs ?? s.runs,
      );
    });
  }
}

// ---------------------------------------------------------------------------------------
// Bounds
// ---------------------------------------------------------------------------------------

/** Units in any `[a, b]` <= capacity + ratePerMs * (b - a) (token / leaky bucket, GCRA). */
export function rateBound<P>(ratePerMs: (p: P) => number, capacity: (p: P) => number): BoundCheck<P> {
  return (calls, p) => {
    const excess = maxExcessOverRate(calls, ratePerMs(p));
    check(excess <= capacity(p) + 1e-6, () => `${excess} units above the rate in some interval (capacity ${capacity(p)})`);
  };
}

/** Units per epoch-aligned window <= limit. */
export const alignedWindowBound: BoundCheck<WindowParams> = (calls, p) => {
  for (const [k, units] of unitsPerAlignedWindow(calls, p.windowMs)) check(units <= p.limit, () => `${units} units in aligned window ${k * p.windowMs}`);
};

/** Units in any window of length windowMs <= `times` * limit (+ `tolerance`). */
export function anyWindowBound(times: number, tolerance = 0): BoundCheck<WindowParams> {
  return (calls, p) => {
    const most = maxUnitsInAnyWindow(calls, p.windowMs);
    check(most <= times * p.limit + tolerance, () => `${most} units in a window of ${p.windowMs} ms (limit ${p.limit})`);
  };
}

// ---------------------------------------------------------------------------------------
// Subjects and suites of the two families
// ---------------------------------------------------------------------------------------

/**
 * A window algorithm (limit units per windowMs) and the properties that the three share:
 * retry after a step back, refunds; `windowsMs` are the window lengths drawn besides any
 * length up to 5 s, `gap` the largest gap between calls as a fraction of the window.
 */
export function windowSuite<S>(
  step: RefundStepFn<S, WindowParams>,
  o: { windowsMs: readonly number[]; gap: number; runs: Runs; maxLength?: number; refundsName: string; refundsRuns?: Runs },
): { subject: TraceSubject<S, WindowParams>; retry: { wobblyName: string }; refunds: NonNullable<TraceSuite<S, WindowParams>['refunds']> } {
  return {
    subject: {
      step,
      params: fc.record({ limit: fc.integer({ min: 1, max: 8 }), windowMs: fc.oneof(fc.constantFrom(...o.windowsMs), fc.integer({ min: 1, max: 5000 })) }),
      limitOf: (p) => p.limit,
      maxGapOf: (p) => p.windowMs * o.gap,
      maxBackOf: (p) => p.windowMs * 3,
      maxLength: o.maxLength,
      runs: o.runs,
    },
    retry: { wobblyName: '(2) retry works after the clock went backwards (integer times)' },
    refunds: { name: o.refundsName, step, maxStart: (p) => 5 * p.windowMs, runs: o.refundsRuns },
  };
}

/** A time scale for a bucket: the time to refill (drain) half of it, at most 10 minutes. */
export const bucketScale = (capacity: number, ratePerS: number): number => Math.max(1, Math.min(600_000, Math.round((500 * capacity) / ratePerS)));

/**
 * A bucket (state `[amount, lastTime]`) of `capacity` refilled or drained at `p[rate]` units
 * per second, with the properties that the token and leaky buckets share. `record` builds
 * the parameters from a capacity and a rate; the exact parameters have an integer capacity
 * and a rate of 1000 / 2^k per second.
 */
export function bucketSuite<S extends readonly number[], K extends string, P extends { capacity: number } & Record<K, number>>(
  step: StepFn<S, P>,
  o: { rate: K; unit: string; record: (capacity: fc.Arbitrary<number>, rate: fc.Arbitrary<number>) => fc.Arbitrary<P> },
): Pick<TraceSuite<S, P>, 'subject' | 'bound' | 'wobbly' | 'retry'> {
  const capacity = fc.oneof(fc.integer({ min: 1, max: 8 }), fc.constantFrom(1.5, 2.5, 0.5));
  const scale = (p: P): number => bucketScale(p.capacity, p[o.rate]);
  return {
    subject: {
      step,
      params: o.record(capacity, fc.oneof(fc.constantFrom(...EXACT_RATES, ...AWKWARD_RATES), fc.double({ min: 0.01, max: 200, noNaN: true }))),
      exactParams: o.record(capacity, fc.constantFrom(...EXACT_RATES)).map((p) => ({ ...p, capacity: Math.ceil(p.capacity) })),
      limitOf: (p) => p.capacity,
      maxGapOf: scale,
      runs: { numRuns: 300 },
    },
    bound: { name: `(1) admitted units in any [a, b] <= capacity + ${o.rate} * (b - a) / 1000`, check: rateBound((p) => p[o.rate] / 1000, (p) => p.capacity) },
    wobbly: [
      {
        name: '(1) with a clock that jumps backwards: bounded in the times the bucket records, never throws',
        admitted: (outcomes) => chargesRecordedAt(outcomes, (state) => state[1]!),
      },
    ],
    retry: {
      exactName: `(2) retry works, exactly, for rates whose arithmetic is exact in binary (1000 / 2^k ${o.unit}/s)`,
      slackName: '(2) retry works for any rate: admitted at now + retryAfterMs, at most 1 ms too late (float rounding)',
    },
  };
}
