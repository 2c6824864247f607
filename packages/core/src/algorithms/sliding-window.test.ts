// Sliding window (weighted two-bucket counter): unit tests of the estimate at the window
// edges and fast-check properties of the contract
// (estimate = prev * (windowMs - elapsed) / windowMs + curr; admit while estimate + cost <= limit + 1e-9).
import { describe, expect, it } from 'vitest';
import { alignedWindowBound, anyWindowBound, traceProperties, traceProperty, windowSuite } from './property-suites.js';
import { slidingWindow, type SlidingWindowState } from './sliding-window.js';
import { admitMany, admittedAtEffectiveTime, check, runTrace, type Call } from './test-helpers.js';
import type { WindowParams } from './types.js';

const P: WindowParams = { limit: 10, windowMs: 1000 };

/** `n` single-unit calls at `t`, all admitted. */
const fill = (n: number, t: number, p = P, state?: SlidingWindowState): SlidingWindowState | undefined => admitMany(slidingWindow, n, t, p, state);

describe('slidingWindow — the weighted estimate', () => {
  it('counts the current window fully', () => {
    const s = fill(10, 0);
    expect(s).toEqual([0, 10, 0]);
    expect(slidingWindow(s, 999, P)).toMatchObject({ allowed: false, remaining: 0, used: 10 });
  });

  it('weights the previous window by the unelapsed fraction', () => {
    const s = fill(4, 0);
    // at 1250, 75% of the previous window still counts: 4 * 0.75 = 3
    expect(slidingWindow(s, 1250, P, 0)).toMatchObject({ allowed: true, remaining: 7, used: 3 });
    // at 1500: 2 units
    expect(slidingWindow(s, 1500, P, 0)).toMatchObject({ remaining: 8, used: 2 });
  });

  it('rounds a fractional estimate down to whole remaining units', () => {
    const s = fill(3, 0);
    // 3 * 0.5 = 1.5 in use -> 8 whole units left
    expect(slidingWindow(s, 1500, P, 0)).toMatchObject({ remaining: 8, used: 2 });
    // admits exactly the fractional room: 1.5 + 8 <= 10, 1.5 + 9 > 10
    expect(slidingWindow(s, 1500, P, 8).allowed).toBe(true);
    expect(slidingWindow(s, 1500, P, 9).allowed).toBe(false);
  });

  it('forgets the previous window two windows later', () => {
    const s = fill(10, 500);
    expect(slidingWindow(s, 2000, P, 10)).toMatchObject({ allowed: true, state: [2000, 10, 0] });
  });

  it('accepts costs that reach the limit up to float noise (1e-9 tolerance)', () => {
    const p = { limit: 1, windowMs: 1000 };
    let s = slidingWindow(undefined, 0, p, 0.1).state;
    s = slidingWindow(s, 0, p, 0.2).state; // 0.30000000000000004
    const r = slidingWindow(s, 0, p, 0.7); // 1.0000000000000002 > 1
    expect(r.allowed).toBe(true);
    expect(slidingWindow(r.state, 0, p, 1e-6).allowed).toBe(false);
  });
});

describe('slidingWindow — window edges', () => {
  const full = fill(10, 0); // [0, 1000) holds 10

  it('1 ms before the edge: still the same window', () => {
    expect(slidingWindow(full, 999, P)).toMatchObject({ allowed: false, retryAfterMs: 101 });
  });

  it('exactly at the edge: the previous window still counts in full (elapsed 0)', () => {
    const r = slidingWindow(full, 1000, P);
    expect(r).toMatchObject({ allowed: false, remaining: 0, retryAfterMs: 100 });
    expect(slidingWindow(full, 1000, P, 0)).toMatchObject({ allowed: false, used: 10 });
  });

  it('1 ms after the edge: 9.99 in use, a unit does not fit yet', () => {
    expect(slidingWindow(full, 1001, P)).toMatchObject({ allowed: false, remaining: 0, retryAfterMs: 99 });
  });

  it('admits again once the weighted previous count has room (t = 1100)', () => {
    expect(slidingWindow(full, 1099, P).allowed).toBe(false);
    expect(slidingWindow(full, 1100, P)).toMatchObject({ allowed: true, state: [1000, 1, 10] });
  });

  it('exactly at the second edge everything is forgotten; 1 ms before, 0.01 still counts', () => {
    expect(slidingWindow(full, 1999, P, 10).allowed).toBe(false);
    expect(slidingWindow(full, 1999, P, 9).allowed).toBe(true);
    expect(slidingWindow(full, 2000, P, 10).allowed).toBe(true);
  });
});

describe('slidingWindow — retryAfterMs', () => {
  it('waits within the current window while the previous one drains', () => {
    const s = fill(10, 0);
    const now = fill(0, 1050, P, s);
    const r = slidingWindow(now, 1050, P); // 9.5 + 1 > 10; fits at 1100
    expect(r).toMatchObject({ allowed: false, retryAfterMs: 50 });
  });

  it('waits into the next window when the current one is too full', () => {
    const s = fill(10, 1000); // current [1000, 2000) full, no previous
    const r = slidingWindow(s, 1500, P, 2);
    // at 2000 + e: 10 * (1000 - e) / 1000 + 2 <= 10 -> e >= 200
    expect(r).toMatchObject({ allowed: false, retryAfterMs: 700 });
    expect(slidingWindow(r.state, 2199, P, 2).allowed).toBe(false);
    expect(slidingWindow(r.state, 2200, P, 2).allowed).toBe(true);
  });

  it('a cost equal to the limit waits until both windows are empty', () => {
    const s = fill(1, 1000);
    const r = slidingWindow(s, 1000, P, 10);
    // the unit charged at 1000 still weighs fully at 2000 and nothing at 3000
    expect(r).toMatchObject({ allowed: false, retryAfterMs: 2000 });
    expect(slidingWindow(r.state, 2000, P, 10).allowed).toBe(false);
    expect(slidingWindow(r.state, 2999, P, 10).allowed).toBe(false);
    expect(slidingWindow(r.state, 3000, P, 10).allowed).toBe(true);
  });
});

describe('slidingWindow — costs', () => {
  it('a cost larger than the limit is never admitted: retryAfterMs -1', () => {
    for (const t of [0, 999, 1000, 5_000_000]) {
      const r = slidingWindow(undefined, t, P, 11);
      expect(r).toMatchObject({ allowed: false, retryAfterMs: -1, remaining: 10 });
      expect(r.state).toBeUndefined();
    }
    const s = fill(3, 0);
    expect(slidingWindow(s, 10, P, 11)).toMatchObject({ allowed: false, retryAfterMs: -1, state: s });
  });

  it('a cost equal to the limit is admitted on an empty estimate only', () => {
    expect(slidingWindow(undefined, 0, P, 10)).toMatchObject({ allowed: true, remaining: 0 });
    expect(slidingWindow(fill(1, 0), 5, P, 10).allowed).toBe(false);
  });

  it('a zero-cost probe needs one unit of room and consumes nothing', () => {
    const s = fill(9, 0);
    const probe = slidingWindow(s, 10, P, 0);
    expect(probe).toMatchObject({ allowed: true, remaining: 1, state: s });
    const full = fill(1, 10, P, probe.state);
    const refused = slidingWindow(full, 20, P, 0);
    expect(refused).toMatchObject({ allowed: false, remaining: 0, state: full });
    expect(refused.retryAfterMs).toBeGreaterThan(0);
  });

  it('a probe sees a fractional room below one unit as no room', () => {
    const s = fill(10, 0);
    // at 1050: 9.5 in use, 0.5 free -> remaining 0, a probe is refused
    expect(slidingWindow(s, 1050, P, 0)).toMatchObject({ allowed: false, remaining: 0, retryAfterMs: 50 });
  });
});

describe('slidingWindow — refunds', () => {
  it('a refund in the current window gives the units back', () => {
    const s = fill(10, 100);
    const r = slidingWindow(s, 900, P, -4, 100);
    expect(r).toMatchObject({ allowed: true, retryAfterMs: 0, remaining: 4, state: [0, 6, 0] });
  });

  it('a refund of units charged in the previous window reduces the previous bucket (weighted credit)', () => {
    const s = fill(10, 100);
    const r = slidingWindow(s, 1500, P, -4, 100);
    expect(r.state).toEqual([1000, 0, 6]);
    expect(r.remaining).toBe(7); // 6 * 0.5 = 3 in use
  });

  it('a refund after both windows rolled gives no credit', () => {
    const s = fill(10, 100);
    const now = fill(10, 2100, P, s); // [2000, 3000) full
    const r = slidingWindow(now, 2200, P, -10, 100);
    expect(r).toMatchObject({ allowed: true, remaining: 0, state: [2000, 10, 0] });
    expect(slidingWindow(r.state, 2200, P).allowed).toBe(false);
  });

  it('a refund never takes a bucket below zero', () => {
    const s = fill(2, 0);
    expect(slidingWindow(s, 1, P, -5, 0)).toMatchObject({ remaining: 10, state: [0, 0, 0] });
  });

  it('a refund with `at` in the future gives no credit', () => {
    const s = fill(10, 0);
    expect(slidingWindow(s, 10, P, -5, 50_000).remaining).toBe(0);
  });
});

describe('slidingWindow — clock going backwards', () => {
  it('keeps the later window and counts the previous one fully (elapsed 0)', () => {
    const s = fill(5, 1500, P, fill(10, 0)); // [1000,2000): curr 5 (+ prev 10 at 50%)
    expect(s).toEqual([1000, 5, 10]);
    for (const back of [999, 500, 0, -5000]) {
      const r = slidingWindow(s, back, P);
      expect(r.allowed).toBe(false);
      expect(r.state).toEqual(s);
      expect(r.remaining).toBe(0);
    }
  });

  it('charges with a backward clock go to the later window, never beyond the limit', () => {
    let s = fill(2, 1000);
    s = fill(8, 400, P, s);
    expect(s).toEqual([1000, 10, 0]);
    expect(slidingWindow(s, 300, P).allowed).toBe(false);
  });

  it('never throws on strange clocks', () => {
    const s = fill(5, 10_000);
    for (const t of [-1, -1e12, 0, 1e15, 9999.5]) expect(() => slidingWindow(s, t, P)).not.toThrow();
  });

  // Seen from an earlier clock, the previous window still weighs in full: the estimate is
  // reported as it is (AlgorithmResult.used), not capped at the limit. Nothing is admitted.
  it('reports the real usage when a step back makes the estimate exceed the limit', () => {
    const p = { limit: 5, windowMs: 1000 };
    let s = fill(5, 0, p); // [0, 1000) holds 5
    s = fill(2, 1500, p, s); // 2.5 + 2 <= 5 at 1500: [1000, 2, 5]
    const r = slidingWindow(s, 900, p); // seen from 900: 5 + 2 = 7 in use
    expect(r).toMatchObject({ allowed: false, remaining: 0, limit: 5, used: 7 });
  });
});

// ---------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------

const windows = windowSuite(slidingWindow, {
  windowsMs: [1, 2, 3, 7, 10, 999, 1000, 60_000],
  gap: 0.6,
  runs: { numRuns: 300 },
  refundsName: 'refunds (with `at` = the charge time) never let the net units of an aligned window exceed the limit',
});

/** <= limit per aligned window, <= 2 * limit in any window of windowMs. */
function expectBounds(calls: readonly Call[], p: WindowParams): void {
  alignedWindowBound(calls, p);
  anyWindowBound(2)(calls, p);
}

describe('slidingWindow — properties', () => {
  traceProperties({
    ...windows,
    bound: { name: '(1) admitted units: <= limit per aligned window, <= 2 * limit in any window of windowMs', check: expectBounds },
    wobbly: [
      {
        name: '(1) with a clock that jumps backwards: bounded at the latest time seen, never throws',
        admitted: admittedAtEffectiveTime,
        // A step back makes the previous window weigh more, so the estimate can exceed the
        // limit; `used` is then the real figure (see the dedicated clock test).
        consistent: { overLimitUsed: true },
      },
    ],
    fractional: { name: '(1) non-integer times: the same bounds hold' },
  });

  traceProperty('(1) decisions follow the weighted estimate of a model that counts admitted units per aligned window', windows.subject, (p, calls) => {
    const perWindow = new Map<number, number>();
    for (const o of runTrace(slidingWindow, p, calls).outcomes) {
      const k = Math.floor(o.t / p.windowMs);
      const elapsed = o.t - k * p.windowMs;
      const curr = perWindow.get(k) ?? 0;
      const est = ((perWindow.get(k - 1) ?? 0) * (p.windowMs - elapsed)) / p.windowMs + curr;
      const expected = est + Math.max(o.cost, 1) <= p.limit + 1e-9;
      check(o.result.allowed === expected, () => `t=${o.t} cost=${o.cost} estimate=${est} allowed=${o.result.allowed}`);
      check(o.result.remaining === Math.max(0, Math.floor(p.limit - est - (o.result.allowed ? o.cost : 0) + 1e-9)), () => `remaining at t=${o.t}`);
      if (o.result.allowed) perWindow.set(k, curr + o.cost);
    }
  });
});
