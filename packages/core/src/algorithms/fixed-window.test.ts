// Fixed window: unit tests of the boundaries and fast-check properties of the contract
// (epoch-aligned windows, count + cost <= limit, reset at the window end).
import { describe, expect, it } from 'vitest';
import { fixedWindow, type FixedWindowState } from './fixed-window.js';
import { alignedWindowBound, traceProperties, traceProperty, windowSuite } from './property-suites.js';
import { admitMany, admittedAtEffectiveTime, check, runTrace } from './test-helpers.js';
import type { WindowParams } from './types.js';

const P: WindowParams = { limit: 3, windowMs: 1000 };

/** Fills the window containing `t` with `n` single-unit calls at `t`. */
const fill = (n: number, t: number, p = P, state?: FixedWindowState): FixedWindowState | undefined => admitMany(fixedWindow, n, t, p, state);

describe('fixedWindow — basics', () => {
  it('admits up to the limit in one window, then refuses until the window ends', () => {
    let s: FixedWindowState | undefined;
    const remaining: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = fixedWindow(s, 100 + i, P);
      expect(r.allowed).toBe(true);
      expect(r.retryAfterMs).toBe(0);
      remaining.push(r.remaining);
      s = r.state;
    }
    expect(remaining).toEqual([2, 1, 0]);
    const r = fixedWindow(s, 200, P);
    expect(r).toMatchObject({ allowed: false, remaining: 0, used: 3, limit: 3, retryAfterMs: 800, resetMs: 800 });
  });

  it('aligns windows to the epoch, not to the first call', () => {
    const r = fixedWindow(undefined, 1500, P);
    expect(r.state).toEqual([1000, 1]);
    expect(r.resetMs).toBe(500);
    const s = fill(2, 1999, P, r.state);
    const refused = fixedWindow(s, 1999, P);
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterMs).toBe(1);
    expect(fixedWindow(s, 2000, P)).toMatchObject({ allowed: true, remaining: 2, state: [2000, 1] });
  });

  it('reports used = limit - remaining and resetMs 0 for an untouched window', () => {
    const r = fixedWindow(undefined, 0, P, 0);
    expect(r).toMatchObject({ allowed: true, remaining: 3, used: 0, limit: 3, resetMs: 0, retryAfterMs: 0 });
  });
});

describe('fixedWindow — window edges', () => {
  const s = fill(3, 0);

  it('1 ms before the edge is still the old window', () => {
    const r = fixedWindow(s, 999, P);
    expect(r).toMatchObject({ allowed: false, retryAfterMs: 1, remaining: 0 });
  });

  it('exactly at the edge is the new window (full limit again)', () => {
    const r = fixedWindow(s, 1000, P);
    expect(r).toMatchObject({ allowed: true, remaining: 2, state: [1000, 1], resetMs: 1000 });
  });

  it('1 ms after the edge is the new window too', () => {
    const r = fixedWindow(s, 1001, P, 3);
    expect(r).toMatchObject({ allowed: true, remaining: 0, retryAfterMs: 0, resetMs: 999 });
  });

  it('allows up to 2x the limit across a boundary (documented behaviour)', () => {
    const a = fill(3, 999);
    const b = fill(3, 1000, P, a);
    expect(b).toEqual([1000, 3]);
  });

  it('windowMs 1: every millisecond is its own window', () => {
    const p = { limit: 1, windowMs: 1 };
    const a = fixedWindow(undefined, 5, p);
    expect(fixedWindow(a.state, 5, p)).toMatchObject({ allowed: false, retryAfterMs: 1 });
    expect(fixedWindow(a.state, 6, p).allowed).toBe(true);
  });
});

describe('fixedWindow — costs', () => {
  it('a cost larger than the limit is never admitted and says retryAfterMs -1', () => {
    for (const t of [0, 999, 1000, 123_456_789]) {
      const r = fixedWindow(undefined, t, P, 4);
      expect(r).toMatchObject({ allowed: false, retryAfterMs: -1, remaining: 3 });
      expect(r.state).toBeUndefined(); // nothing consumed, no state created
    }
    // also on a partly used window
    const one = fill(1, 0);
    const r = fixedWindow(one, 10, P, 4);
    expect(r).toMatchObject({ allowed: false, retryAfterMs: -1, remaining: 2 });
    expect(r.state).toEqual(one);
  });

  it('a cost equal to the limit needs an empty window', () => {
    const r = fixedWindow(undefined, 0, P, 3);
    expect(r).toMatchObject({ allowed: true, remaining: 0, used: 3 });
    const one = fill(1, 0);
    const r2 = fixedWindow(one, 500, P, 3);
    expect(r2).toMatchObject({ allowed: false, retryAfterMs: 500, remaining: 2 });
    expect(fixedWindow(r2.state, 1000, P, 3).allowed).toBe(true);
  });

  it('a multi-unit cost that fits exactly is admitted; one more unit is not', () => {
    const s = fill(1, 0);
    expect(fixedWindow(s, 1, P, 2)).toMatchObject({ allowed: true, remaining: 0 });
    expect(fixedWindow(s, 1, P, 3)).toMatchObject({ allowed: false, retryAfterMs: 999 });
  });

  it('a zero-cost probe is admitted while one unit of room remains and consumes nothing', () => {
    const s = fill(2, 0);
    const probe = fixedWindow(s, 10, P, 0);
    expect(probe).toMatchObject({ allowed: true, remaining: 1, retryAfterMs: 0 });
    expect(probe.state).toEqual(s);
    const full = fill(1, 10, P, probe.state);
    const refused = fixedWindow(full, 20, P, 0);
    expect(refused).toMatchObject({ allowed: false, remaining: 0, retryAfterMs: 980 });
    expect(refused.state).toEqual(full);
  });

  it('a refused call keeps the previous state', () => {
    const s = fill(3, 0);
    const r = fixedWindow(s, 10, P, 2);
    expect(r.allowed).toBe(false);
    expect(r.state).toEqual(s);
  });
});

describe('fixedWindow — refunds', () => {
  it('a refund in the charged window gives the units back', () => {
    const s = fill(3, 0);
    const r = fixedWindow(s, 500, P, -2, 100);
    expect(r).toMatchObject({ allowed: true, retryAfterMs: 0, remaining: 2, state: [0, 1] });
  });

  it('at defaults to now', () => {
    const s = fill(3, 0);
    expect(fixedWindow(s, 500, P, -1).remaining).toBe(1);
  });

  it('a refund never takes the count below zero', () => {
    const s = fill(1, 0);
    const r = fixedWindow(s, 1, P, -5, 0);
    expect(r).toMatchObject({ remaining: 3, used: 0, state: [0, 0] });
  });

  it('a refund after the window rolled gives no credit in the new window', () => {
    const s = fill(3, 900); // charged in [0, 1000)
    const now = fill(3, 1000, P, s); // new window full
    const r = fixedWindow(now, 1100, P, -3, 900);
    expect(r).toMatchObject({ allowed: true, remaining: 0, state: [1000, 3] });
    expect(fixedWindow(r.state, 1100, P).allowed).toBe(false);
  });

  it('a refund of units charged in the previous window does not credit the new window even before any new call', () => {
    const s = fill(3, 999);
    const r = fixedWindow(s, 1000, P, -3, 999);
    expect(r.state).toEqual([1000, 0]);
    expect(r.remaining).toBe(3);
    // and the 3 new units are all that fit
    const full = fill(3, 1000, P, r.state);
    expect(fixedWindow(full, 1001, P).allowed).toBe(false);
  });

  it('a refund with `at` in a future window gives no credit', () => {
    const s = fill(3, 0);
    expect(fixedWindow(s, 10, P, -1, 5000).remaining).toBe(0);
  });

  it('a refund on no state is harmless', () => {
    expect(fixedWindow(undefined, 10, P, -1)).toMatchObject({ allowed: true, remaining: 3, state: [0, 0] });
  });
});

describe('fixedWindow — clock going backwards', () => {
  it('does not reset the later window nor admit more than the limit', () => {
    const s = fill(3, 1500); // window [1000, 2000) full
    for (const back of [1499, 1000, 999, 500, 0]) {
      const r = fixedWindow(s, back, P);
      expect(r.allowed).toBe(false);
      expect(r.state).toEqual([1000, 3]);
      // the wait is until the end of the later window
      expect(r.retryAfterMs).toBe(2000 - back);
      expect(r.remaining).toBe(0);
    }
  });

  it('charges made with a backward clock go to the later window', () => {
    const s = fill(1, 1500);
    const r = fixedWindow(s, 700, P, 2);
    expect(r).toMatchObject({ allowed: true, state: [1000, 3], remaining: 0 });
    expect(fixedWindow(r.state, 1999, P).allowed).toBe(false);
    expect(fixedWindow(r.state, 2000, P).allowed).toBe(true);
  });

  it('never throws on strange clocks', () => {
    const s = fill(2, 10_000);
    for (const t of [-1, -1e12, 0, 1e15, 9999.5]) expect(() => fixedWindow(s, t, P)).not.toThrow();
  });
});

// ---------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------

const windows = windowSuite(fixedWindow, {
  windowsMs: [1, 2, 3, 10, 999, 1000, 60_000],
  gap: 0.6,
  runs: { numRuns: 300 },
  refundsName: 'refunds (with `at` = the charge time) never let the net units of a window exceed the limit',
});

describe('fixedWindow — properties', () => {
  traceProperties({
    ...windows,
    bound: { name: '(1) admitted units per aligned window never exceed the limit', check: alignedWindowBound },
    wobbly: [{ name: '(1) with a clock that jumps backwards: bounded per window of the latest time seen, never throws', admitted: admittedAtEffectiveTime }],
    fractional: { name: '(1) non-integer times: admitted units per aligned window never exceed the limit' },
  });

  traceProperty('(1) the window is exactly count + cost <= limit: refused iff the window has no room', windows.subject, (p, calls) => {
    const used = new Map<number, number>();
    for (const o of runTrace(fixedWindow, p, calls).outcomes) {
      const k = Math.floor(o.t / p.windowMs);
      const u = used.get(k) ?? 0;
      check(o.result.allowed === u + Math.max(o.cost, 1) <= p.limit, () => `t=${o.t} cost=${o.cost} used=${u}`);
      if (o.result.allowed) used.set(k, u + o.cost);
      check(o.result.remaining === p.limit - (used.get(k) ?? 0), () => `remaining at t=${o.t}`);
    }
  });
});
