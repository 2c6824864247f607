// Leaky bucket (as a meter): unit tests of the continuous drain (incl. awkward rates such as
// 0.1 and 1/3), fractional capacities, costs, refunds and clocks, and fast-check properties
// of the contract (admit while level + cost <= capacity; at most capacity + leakRate * (b - a)
// in any [a, b]).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { leakyBucket, type LeakyBucketState } from './leaky-bucket.js';
import { bucketSuite, traceProperties, traceProperty } from './property-suites.js';
import { admitMany, check, runTrace } from './test-helpers.js';
import type { LeakyBucketParams } from './types.js';

const P: LeakyBucketParams = { capacity: 5, leakRate: 1 };

/** Pours `n` single units at `t`, all admitted. */
const pour = (n: number, t: number, p = P, state?: LeakyBucketState): LeakyBucketState | undefined => admitMany(leakyBucket, n, t, p, state);

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

const bucket = bucketSuite(leakyBucket, { rate: 'leakRate', unit: 'units', record: (capacity, leakRate) => fc.record({ capacity, leakRate }) });

describe('leakyBucket — properties', () => {
  traceProperties(bucket);

  traceProperty(
    '(1) decisions follow level + cost <= capacity for a level drained between calls (model check)',
    bucket.subject,
    (p, calls) => {
      let level = 0;
      let last = -Infinity;
      for (const o of runTrace(leakyBucket, p, calls).outcomes) {
        if (last !== -Infinity) level = Math.max(0, level - ((o.t - last) * p.leakRate) / 1000);
        last = o.t;
        check(o.result.allowed === level + Math.max(o.cost, 1) <= p.capacity, () => `t=${o.t} cost=${o.cost} level=${level}`);
        if (o.result.allowed) level += o.cost;
        check(o.result.remaining === Math.floor(p.capacity - level), () => `remaining at t=${o.t}`);
      }
    },
    { params: bucket.subject.exactParams },
  );
});
