// Leaky bucket (as a meter): unit tests of the continuous drain (incl. awkward rates such as
// 0.1 and 1/3), fractional capacities, costs, refunds and clocks, and fast-check properties
// of the contract (admit while level + cost <= capacity; at most capacity + leakRate * (b - a)
// in any [a, b]).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { leakyBucket, type LeakyBucketState } from './leaky-bucket.js';
import {
  AWKWARD_RATES,
  EXACT_RATES,
  admittedUnits,
  check,
  expectConsistentResult,
  expectRefusalsInvisible,
  expectRetryWorks,
  fractionalTraceArb,
  maxExcessOverRate,
  monotoneTraceArb,
  runTrace,
  wobblyTraceArb,
  type Call,
  type Outcome,
} from './test-helpers.js';
import type { LeakyBucketParams } from './types.js';

const P: LeakyBucketParams = { capacity: 5, leakRate: 1 };

/** Pours `n` single units at `t`, all admitted. */
function pour(n: number, t: number, p: LeakyBucketParams = P, state?: LeakyBucketState): LeakyBucketState | undefined {
  let s = state;
  for (let i = 0; i < n; i++) {
    const r = leakyBucket(s, t, p);
    expect(r.allowed, `pour #${i} at ${t}`).toBe(true);
    s = r.state;
  }
  return s;
}

describe('leakyBucket — filling and draining', () => {
  it('starts empty: takes `capacity` units at once, then refuses', () => {
    const s = pour(5, 0);
    expect(s).toEqual([5, 0]);
    expect(leakyBucket(s, 0, P)).toMatchObject({ allowed: false, remaining: 0, used: 5, retryAfterMs: 1000, resetMs: 5000 });
  });

  it('drains continuously: room for one unit after 1 / leakRate seconds, not before', () => {
    const s = pour(5, 0);
    expect(leakyBucket(s, 999, P)).toMatchObject({ allowed: false, remaining: 0 });
    expect(leakyBucket(s, 1000, P)).toMatchObject({ allowed: true, remaining: 0 });
    expect(leakyBucket(s, 1001, P)).toMatchObject({ allowed: true, remaining: 0 });
    expect(leakyBucket(s, 2500, P, 0)).toMatchObject({ allowed: true, remaining: 2, used: 3 });
  });

  it('never drains below empty, however long the idle time', () => {
    const s = pour(5, 0);
    expect(leakyBucket(s, 1e12, P, 0)).toMatchObject({ remaining: 5, used: 0, resetMs: 0, state: [0, 1e12] });
    const r = leakyBucket(s, 1e12, P, 5);
    expect(r.allowed).toBe(true);
    expect(leakyBucket(r.state, 1e12, P)).toMatchObject({ allowed: false, retryAfterMs: 1000 });
  });

  it('leakRate 0.1: one unit every 10 s (9999 ms refused, 10000 ms admitted)', () => {
    const p = { capacity: 10, leakRate: 0.1 };
    const s = pour(10, 0, p);
    expect(leakyBucket(s, 0, p)).toMatchObject({ allowed: false, retryAfterMs: 10_000 });
    expect(leakyBucket(s, 9999, p).allowed).toBe(false);
    expect(leakyBucket(s, 10_000, p).allowed).toBe(true);
    expect(leakyBucket(s, 0, p, 3).retryAfterMs).toBe(30_000);
    expect(leakyBucket(s, 29_999, p, 3).allowed).toBe(false);
    expect(leakyBucket(s, 30_000, p, 3).allowed).toBe(true);
  });

  it('leakRate 1/3: one unit every 3000 ms, including after many small steps', () => {
    const p = { capacity: 2, leakRate: 1 / 3 };
    let s = pour(2, 0, p);
    expect(leakyBucket(s, 0, p).retryAfterMs).toBe(3000);
    expect(leakyBucket(s, 2999, p).allowed).toBe(false);
    expect(leakyBucket(s, 3000, p).allowed).toBe(true);
    for (let t = 7; t < 3000; t += 7) s = leakyBucket(s, t, p, 0).state;
    expect(leakyBucket(s, 2999, p).allowed).toBe(false);
    expect(leakyBucket(s, 3000, p).allowed).toBe(true);
    expect(leakyBucket(s, 6000, p, 2).allowed).toBe(true);
  });

  it('a drain that lands exactly on the room needed is admitted despite float noise', () => {
    const p = { capacity: 3, leakRate: 0.3 };
    const s = pour(3, 0, p);
    expect(leakyBucket(s, 10_000, p, 3).allowed).toBe(true);
    expect(leakyBucket(s, 9999, p, 3).allowed).toBe(false);
  });
});

describe('leakyBucket — fractional capacity', () => {
  const p = { capacity: 2.5, leakRate: 1 };

  it('reports whole remaining units (and used = limit - remaining)', () => {
    expect(leakyBucket(undefined, 0, p, 0)).toMatchObject({ allowed: true, remaining: 2, used: 0.5, limit: 2.5 });
  });

  it('admits the fractional capacity as one cost, refuses more', () => {
    expect(leakyBucket(undefined, 0, p, 2.5)).toMatchObject({ allowed: true, remaining: 0 });
    expect(leakyBucket(undefined, 0, p, 3)).toMatchObject({ allowed: false, retryAfterMs: -1 });
  });

  it('waits for the fractional overflow to drain', () => {
    const s = pour(2, 0, p); // level 2, room 0.5
    expect(leakyBucket(s, 0, p)).toMatchObject({ allowed: false, retryAfterMs: 500 });
    expect(leakyBucket(s, 499, p).allowed).toBe(false);
    expect(leakyBucket(s, 500, p).allowed).toBe(true);
    expect(leakyBucket(s, 1999, p, 2.5).allowed).toBe(false);
    expect(leakyBucket(s, 2000, p, 2.5).allowed).toBe(true);
  });

  it('fractional costs adding up to the capacity (float noise tolerated)', () => {
    const q = { capacity: 1, leakRate: 1 };
    let s = leakyBucket(undefined, 0, q, 0.1).state;
    s = leakyBucket(s, 0, q, 0.2).state;
    expect(leakyBucket(s, 0, q, 0.7).allowed).toBe(true);
  });
});

describe('leakyBucket — costs', () => {
  it('a cost larger than capacity is never admitted: retryAfterMs -1', () => {
    for (const t of [0, 1e3, 1e12]) expect(leakyBucket(undefined, t, P, 6)).toMatchObject({ allowed: false, retryAfterMs: -1, remaining: 5, state: undefined });
    const s = pour(1, 0);
    expect(leakyBucket(s, 1e12, P, 6)).toMatchObject({ allowed: false, retryAfterMs: -1, state: s });
  });

  it('a cost equal to capacity needs an empty bucket', () => {
    expect(leakyBucket(undefined, 0, P, 5)).toMatchObject({ allowed: true, remaining: 0 });
    const s = pour(1, 0);
    expect(leakyBucket(s, 0, P, 5)).toMatchObject({ allowed: false, retryAfterMs: 1000 });
    expect(leakyBucket(s, 999, P, 5).allowed).toBe(false);
    expect(leakyBucket(s, 1000, P, 5).allowed).toBe(true);
  });

  it('a zero-cost probe needs one unit of room and pours nothing', () => {
    const s = pour(4, 0);
    const probe = leakyBucket(s, 0, P, 0);
    expect(probe).toMatchObject({ allowed: true, remaining: 1, state: [4, 0] });
    const full = pour(1, 0, P, probe.state);
    expect(leakyBucket(full, 500, P, 0)).toMatchObject({ allowed: false, remaining: 0, retryAfterMs: 500, state: full });
  });

  it('a refused call keeps the previous state as it was', () => {
    const s = pour(5, 0);
    expect(leakyBucket(s, 300, P, 2).state).toEqual(s);
  });
});

describe('leakyBucket — refunds', () => {
  it('a refund takes units out of the bucket', () => {
    const s = pour(5, 0);
    expect(leakyBucket(s, 0, P, -2)).toMatchObject({ allowed: true, retryAfterMs: 0, remaining: 2, state: [3, 0] });
  });

  it('a refund never takes the level below empty (no credit beyond capacity)', () => {
    const s = pour(1, 0);
    const r = leakyBucket(s, 500, P, -3);
    expect(r).toMatchObject({ remaining: 5, state: [0, 500] });
    expect(pour(5, 500, P, r.state)).toEqual([5, 500]);
    expect(leakyBucket([5, 500], 500, P).allowed).toBe(false);
  });

  it('a refund of units that have drained meanwhile gives no extra credit', () => {
    const s = pour(5, 0);
    const r = leakyBucket(s, 10_000, P, -5);
    expect(r.state).toEqual([0, 10_000]);
    expect(leakyBucket(r.state, 10_000, P, 6).retryAfterMs).toBe(-1);
  });
});

describe('leakyBucket — clock going backwards', () => {
  it('does not drain for time going backwards, nor reset', () => {
    const s = pour(5, 1000);
    for (const back of [999, 500, 0, -1e9]) expect(leakyBucket(s, back, P)).toMatchObject({ allowed: false, remaining: 0, state: s });
    expect(leakyBucket(s, 1999, P).allowed).toBe(false);
    expect(leakyBucket(s, 2000, P).allowed).toBe(true);
  });

  it('a call with a backward clock pours without draining', () => {
    const s = pour(3, 1000);
    expect(leakyBucket(s, 0, P, 2)).toMatchObject({ allowed: true, state: [5, 1000] });
  });

  it('never throws on strange clocks', () => {
    const s = pour(2, 10_000);
    for (const t of [-1, -1e12, 0, 1e15, 9999.5]) expect(() => leakyBucket(s, t, P)).not.toThrow();
  });

  // Regression (fixed): retryAfterMs is computed as the drain time from `now`, but the bucket drains from its
  // last leak time, which is later than `now` after a step back: waiting retryAfterMs is not
  // enough (here at 1500 the level is still 4.5).
  it('after a step back, retryAfterMs still gives the wait from the caller’s now', () => {
    const s = pour(5, 1000);
    const r = leakyBucket(s, 500, P);
    expect(r.allowed).toBe(false);
    expect(leakyBucket(r.state, 500 + r.retryAfterMs, P).allowed).toBe(true);
  });
});

describe('leakyBucket — retryAfterMs rounding', () => {
  it('exact rates give the least wait', () => {
    const p = { capacity: 2, leakRate: 62.5 }; // 16 ms per unit
    const s = pour(2, 0, p);
    expect(leakyBucket(s, 5, p).retryAfterMs).toBe(11);
    expect(leakyBucket(s, 15, p).allowed).toBe(false);
    expect(leakyBucket(s, 16, p).allowed).toBe(true);
  });

  // Regression (fixed; float rounding): ceil((level + need - capacity) * 1000 / leakRate) has no
  // tolerance while admission tolerates 1e-9. With capacity 1, leakRate 0.1, filled at 0, a
  // call at 273 gets retryAfterMs 9728 (9727.000000000002) but is admitted at 273 + 9727;
  // resetMs of the same result says 9727.
  it('leakRate 0.1: the wait is the least one, not 1 ms more', () => {
    const p = { capacity: 1, leakRate: 0.1 };
    const s = pour(1, 0, p);
    const r = leakyBucket(s, 273, p);
    expect(r.resetMs).toBe(9727);
    expect(r.retryAfterMs).toBe(9727);
  });
});

// ---------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------

const RUNS = { numRuns: 300 };

function paramsArb(rate: fc.Arbitrary<number>): fc.Arbitrary<LeakyBucketParams> {
  return fc.record({ capacity: fc.oneof(fc.integer({ min: 1, max: 8 }), fc.constantFrom(1.5, 2.5, 0.5)), leakRate: rate });
}
const exactArb = paramsArb(fc.constantFrom(...EXACT_RATES)).map((p) => ({ ...p, capacity: Math.ceil(p.capacity) }));
const anyRateArb = paramsArb(fc.oneof(fc.constantFrom(...EXACT_RATES, ...AWKWARD_RATES), fc.double({ min: 0.01, max: 200, noNaN: true })));

const scale = (p: LeakyBucketParams): number => Math.max(1, Math.min(600_000, Math.round((500 * p.capacity) / p.leakRate)));
const costs = (p: LeakyBucketParams) => fc.oneof({ weight: 5, arbitrary: fc.constant(1) }, { weight: 3, arbitrary: fc.integer({ min: 0, max: Math.floor(p.capacity) + 1 }) });
const traceOf = (pArb: fc.Arbitrary<LeakyBucketParams>) => pArb.chain((p) => fc.tuple(fc.constant(p), monotoneTraceArb({ maxGap: scale(p), cost: costs(p) })));

function expectRateBound(calls: readonly Call[], p: LeakyBucketParams): void {
  const excess = maxExcessOverRate(calls, p.leakRate / 1000);
  check(excess <= p.capacity + 1e-6, () => `${excess} units above the drain in some interval (capacity ${p.capacity})`);
}

/** Admitted charges at the time the bucket recorded them (its last leak time, state[1]). */
function recordedCharges(outcomes: readonly Outcome<LeakyBucketState>[]): Call[] {
  return outcomes.filter((o) => o.result.allowed && o.cost > 0).map((o) => ({ t: o.result.state![1], cost: o.cost }));
}

describe('leakyBucket — properties', () => {
  it('(1) admitted units in any [a, b] <= capacity + leakRate * (b - a) / 1000', () => {
    fc.assert(
      fc.property(traceOf(anyRateArb), ([p, calls]) => {
        expectRateBound(admittedUnits(runTrace(leakyBucket, p, calls).outcomes), p);
      }),
      RUNS,
    );
  });

  it('(1) decisions follow level + cost <= capacity for a level drained between calls (model check)', () => {
    fc.assert(
      fc.property(traceOf(exactArb), ([p, calls]) => {
        let level = 0;
        let last = -Infinity;
        for (const o of runTrace(leakyBucket, p, calls).outcomes) {
          if (last !== -Infinity) level = Math.max(0, level - ((o.t - last) * p.leakRate) / 1000);
          last = o.t;
          check(o.result.allowed === level + Math.max(o.cost, 1) <= p.capacity, () => `t=${o.t} cost=${o.cost} level=${level}`);
          if (o.result.allowed) level += o.cost;
          check(o.result.remaining === Math.floor(p.capacity - level), () => `remaining at t=${o.t}`);
        }
      }),
      RUNS,
    );
  });

  it('(1) with a clock that jumps backwards: bounded in the times the bucket records, never throws', () => {
    const arb = anyRateArb.chain((p) => fc.tuple(fc.constant(p), wobblyTraceArb({ maxGap: scale(p), maxBack: 3 * scale(p), cost: costs(p) })));
    fc.assert(
      fc.property(arb, ([p, calls]) => {
        const { outcomes } = runTrace(leakyBucket, p, calls);
        expectRateBound(recordedCharges(outcomes), p);
        for (const o of outcomes) expectConsistentResult(o.result, o.cost, p.capacity);
      }),
      RUNS,
    );
  });

  it('(1) non-integer times: the same bound holds', () => {
    const arb = anyRateArb.chain((p) => fc.tuple(fc.constant(p), fractionalTraceArb({ maxGap: scale(p), cost: costs(p) })));
    fc.assert(
      fc.property(arb, ([p, calls]) => {
        expectRateBound(admittedUnits(runTrace(leakyBucket, p, calls).outcomes), p);
      }),
      RUNS,
    );
  });

  it('(2) retry works, exactly, for rates whose arithmetic is exact in binary (1000 / 2^k units/s)', () => {
    let checked = 0;
    fc.assert(
      fc.property(traceOf(exactArb), ([p, calls]) => {
        checked += expectRetryWorks(leakyBucket, p, runTrace(leakyBucket, p, calls).outcomes, { exact: true });
      }),
      RUNS,
    );
    expect(checked).toBeGreaterThan(50);
  });

  it('(2) retry works for any rate: admitted at now + retryAfterMs, at most 1 ms too late (float rounding)', () => {
    fc.assert(
      fc.property(traceOf(anyRateArb), ([p, calls]) => {
        expectRetryWorks(leakyBucket, p, runTrace(leakyBucket, p, calls).outcomes, { exact: false, slackMs: 1 });
      }),
      RUNS,
    );
  });

  it('(2) retry works with non-integer times (admitted at now + retryAfterMs)', () => {
    const arb = anyRateArb.chain((p) => fc.tuple(fc.constant(p), fractionalTraceArb({ maxGap: scale(p), cost: costs(p) })));
    fc.assert(
      fc.property(arb, ([p, calls]) => {
        expectRetryWorks(leakyBucket, p, runTrace(leakyBucket, p, calls).outcomes, { exact: false });
      }),
      RUNS,
    );
  });

  it('(3) refused calls never change the admission of later calls', () => {
    fc.assert(
      fc.property(traceOf(anyRateArb), ([p, calls]) => {
        expectRefusalsInvisible(leakyBucket, p, calls);
      }),
      RUNS,
    );
  });

  it('results are consistent (used = limit - remaining, retryAfterMs 0 / > 0 / -1)', () => {
    fc.assert(
      fc.property(traceOf(anyRateArb), ([p, calls]) => {
        for (const o of runTrace(leakyBucket, p, calls).outcomes) expectConsistentResult(o.result, o.cost, p.capacity);
      }),
      RUNS,
    );
  });
});
