// Sliding log (exact): unit tests of the window edges, retries and refunds, and fast-check
// properties of the contract (an entry at t counts while now < t + windowMs; never more
// than `limit` units in ANY window of length windowMs).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { anyWindowBound, refundCasesOf, traceProperties, traceProperty, windowSuite } from './property-suites.js';
import { slidingLog, type SlidingLogState } from './sliding-log.js';
import { admitEach, chargesRecordedAt, check, costArb, runTrace, runWithRefunds, type Call, type Outcome } from './test-helpers.js';
import type { WindowParams } from './types.js';

const P: WindowParams = { limit: 3, windowMs: 1000 };

/** Applies admitted calls `[t, cost]` in order. */
const log = (calls: readonly (readonly [number, number])[], p = P, state?: SlidingLogState): SlidingLogState | undefined => admitEach(slidingLog, calls, p, state);

/** A log of three single-unit calls at 0, 100 and 200. */
const oneEvery100Ms = (): SlidingLogState | undefined =>
  log([
    [0, 1],
    [100, 1],
    [200, 1],
  ]);

describe('slidingLog — window edges', () => {
  const s = oneEvery100Ms();

  it('keeps one entry per admitted call, oldest first', () => {
    expect(s).toEqual([0, 1, 100, 1, 200, 1]);
  });

  it('an entry at t still counts at t + windowMs - 1', () => {
    expect(slidingLog(s, 999, P)).toMatchObject({ allowed: false, remaining: 0, retryAfterMs: 1 });
  });

  it('an entry at t stops counting exactly at t + windowMs', () => {
    const r = slidingLog(s, 1000, P);
    expect(r).toMatchObject({ allowed: true, remaining: 0, state: [100, 1, 200, 1, 1000, 1] });
  });

  it('1 ms after the edge: the next entry still counts', () => {
    const r = slidingLog(s, 1001, P);
    expect(r.allowed).toBe(true);
    expect(slidingLog(r.state, 1001, P)).toMatchObject({ allowed: false, retryAfterMs: 99 });
  });

  it('does not allow a boundary burst (unlike fixed-window)', () => {
    const full = log([[999, 3]]);
    expect(slidingLog(full, 1000, P)).toMatchObject({ allowed: false, retryAfterMs: 999 });
    expect(slidingLog(full, 1998, P).allowed).toBe(false);
    expect(slidingLog(full, 1999, P, 3).allowed).toBe(true);
  });

  it('folds calls at the same instant into one entry', () => {
    expect(log([[5, 1], [5, 1], [5, 1]])).toEqual([5, 3]);
  });

  it('resetMs is the time until the newest entry leaves', () => {
    expect(slidingLog(s, 300, P, 0)).toMatchObject({ resetMs: 900, remaining: 0, used: 3 });
    expect(slidingLog(undefined, 300, P, 0)).toMatchObject({ resetMs: 0, remaining: 3, used: 0 });
  });
});

describe('slidingLog — retryAfterMs', () => {
  const s = oneEvery100Ms();

  it('waits for as many old entries as the cost needs', () => {
    const r = slidingLog(s, 500, P, 2);
    expect(r).toMatchObject({ allowed: false, retryAfterMs: 600 }); // entry at 100 leaves at 1100
    expect(slidingLog(r.state, 1099, P, 2).allowed).toBe(false);
    expect(slidingLog(r.state, 1100, P, 2).allowed).toBe(true);
  });

  it('a cost equal to the limit waits for the newest entry', () => {
    const r = slidingLog(s, 500, P, 3);
    expect(r).toMatchObject({ allowed: false, retryAfterMs: 700 });
    expect(slidingLog(r.state, 1199, P, 3).allowed).toBe(false);
    expect(slidingLog(r.state, 1200, P, 3).allowed).toBe(true);
  });

  it('counts multi-unit entries', () => {
    const m = log([
      [0, 2],
      [500, 1],
    ]);
    expect(slidingLog(m, 600, P, 2)).toMatchObject({ allowed: false, retryAfterMs: 400 });
    expect(slidingLog(m, 600, P, 3)).toMatchObject({ allowed: false, retryAfterMs: 900 });
  });
});

describe('slidingLog — retryAfterMs with non-integer times', () => {
  // Regression (fixed): with fractional timestamps the wait is not rounded (fixed-window has the
  // same formula; the other algorithms return whole ms), and here now + retryAfterMs =
  // 1.1 + 6.1 = 7.199999999999999 < 0.2 + 7 = 7.2: the entry still counts, refused again.
  it('the call is admitted at now + retryAfterMs', () => {
    const p = { limit: 1, windowMs: 7 };
    const s = log([[0.2, 1]], p);
    const r = slidingLog(s, 1.1, p);
    expect(r).toMatchObject({ allowed: false });
    expect(slidingLog(r.state, 1.1 + r.retryAfterMs, p).allowed).toBe(true);
  });
});

describe('slidingLog — costs', () => {
  it('a cost larger than the limit is never admitted: retryAfterMs -1', () => {
    for (const t of [0, 999, 1000, 7_777_777]) {
      expect(slidingLog(undefined, t, P, 4)).toMatchObject({ allowed: false, retryAfterMs: -1, remaining: 3, state: undefined });
    }
    const s = log([[0, 1]]);
    expect(slidingLog(s, 10, P, 4)).toMatchObject({ allowed: false, retryAfterMs: -1, remaining: 2, state: s });
  });

  it('a cost equal to the limit is admitted on an empty log only', () => {
    expect(slidingLog(undefined, 0, P, 3)).toMatchObject({ allowed: true, remaining: 0, state: [0, 3] });
    expect(slidingLog(log([[0, 1]]), 1, P, 3).allowed).toBe(false);
  });

  it('a zero-cost probe needs one unit of room and consumes nothing', () => {
    const s = log([[0, 2]]);
    const probe = slidingLog(s, 10, P, 0);
    expect(probe).toMatchObject({ allowed: true, remaining: 1, state: [0, 2] });
    const full = log([[20, 1]], P, probe.state);
    const refused = slidingLog(full, 30, P, 0);
    expect(refused).toMatchObject({ allowed: false, remaining: 0, retryAfterMs: 970, state: full });
  });

  it('a refused call leaves the log as it was', () => {
    const s = log([[0, 3]]);
    const r = slidingLog(s, 10, P);
    expect(r.state).toEqual(s);
  });

  it('never keeps more than `limit` entries', () => {
    const p = { limit: 4, windowMs: 100 };
    let s: SlidingLogState | undefined;
    for (let t = 0; t < 1000; t += 7) s = slidingLog(s, t, p).state;
    expect(s!.length / 2).toBeLessThanOrEqual(4);
  });
});

describe('slidingLog — refunds', () => {
  it('a refund of the newest entry gives its units back', () => {
    const s = log([
      [0, 1],
      [100, 2],
    ]);
    const r = slidingLog(s, 200, P, -2, 100);
    expect(r).toMatchObject({ allowed: true, retryAfterMs: 0, remaining: 2, state: [0, 1] });
  });

  it('a partial refund keeps the rest of the entry', () => {
    const s = log([[100, 3]]);
    expect(slidingLog(s, 200, P, -1, 100)).toMatchObject({ remaining: 1, state: [100, 2] });
  });

  it('a refund never gives back more than was charged', () => {
    const s = log([[100, 1]]);
    expect(slidingLog(s, 200, P, -5, 100)).toMatchObject({ remaining: 3, state: [] });
  });

  it('a refund with `at` later than every entry gives no credit', () => {
    const s = log([[100, 3]]);
    expect(slidingLog(s, 200, P, -1, 150)).toMatchObject({ remaining: 0, state: [100, 3] });
  });

  it('a refund after the charged entry left the window gives no credit on an empty log', () => {
    const s = log([[100, 3]]);
    const r = slidingLog(s, 1200, P, -3, 100);
    expect(r).toMatchObject({ allowed: true, remaining: 3 });
    // only the limit fits afterwards
    expect(slidingLog(r.state, 1200, P, 3).allowed).toBe(true);
  });

  // Regression (fixed): slidingLogCommit walks back from the newest entry and takes units from every entry
  // at or after `at`. A refund of a call whose entry has already left the window therefore
  // takes the units of a LATER call that is still counted: credit after the window rolled.
  it('a refund after the window rolled gives no credit in the new, full window', () => {
    const s = log([[100, 3]]);
    const after = log([[1100, 3]], P, s); // the entry at 100 has left; [1100, 2100) is full
    const r = slidingLog(after, 1200, P, -3, 100);
    expect(r.remaining).toBe(0);
    expect(slidingLog(r.state, 1200, P).allowed).toBe(false);
  });

  // Regression (fixed, same cause): the charged entry is still in the window, but a newer one exists.
  it('a refund after the window rolled gives no credit, even with later entries in the log', () => {
    const p = { limit: 2, windowMs: 1000 };
    const s = log(
      [
        [0, 1],
        [900, 1],
      ],
      p,
    );
    // at 1100 the entry charged at 0 has left the window; refunding it must change nothing
    const r = slidingLog(s, 1100, p, -1, 0);
    expect(r.remaining).toBe(1);
    // consequence: 2 more units at 1100 -> 3 units in [900, 1900) with a limit of 2
    expect(slidingLog(r.state, 1100, p, 2).allowed).toBe(false);
  });

  // Regression (fixed, same cause): a refund of an older entry takes the units of the newest one; the
  // older units stay and leave the window first, so later calls find room too early.
  it('a refund takes the units of the entry that was charged, not of the newest entry', () => {
    const p = { limit: 2, windowMs: 1000 };
    const s = log(
      [
        [0, 1],
        [500, 1],
      ],
      p,
    );
    const r = slidingLog(s, 600, p, -1, 0); // refund the call charged at 0
    expect(r.state).toEqual([500, 1]);
    // consequence: at 1000 the code admits 2 units although the call at 500 still counts
    // (net units in [500, 1500): 1 + 2 = 3 > 2)
    expect(slidingLog(r.state, 1000, p, 2).allowed).toBe(false);
  });
});

describe('slidingLog — clock going backwards', () => {
  it('counts every entry (fewer expire) and never resets early', () => {
    const s = log([
      [1000, 1],
      [1500, 2],
    ]);
    for (const back of [999, 500, 0, -1e9]) {
      const r = slidingLog(s, back, P);
      expect(r).toMatchObject({ allowed: false, remaining: 0, state: s });
      expect(r.retryAfterMs).toBe(2000 - back); // entry at 1000 leaves at 2000
    }
  });

  it('records a call with a backward clock at the latest time seen (the log stays sorted)', () => {
    const s = log([[1000, 1]]);
    const r = slidingLog(s, 400, P);
    expect(r).toMatchObject({ allowed: true, state: [1000, 2] });
    const r2 = log([[1200, 1]], P, r.state);
    expect(r2).toEqual([1000, 2, 1200, 1]);
    expect(slidingLog(r2, 1999, P).allowed).toBe(false);
    expect(slidingLog(r2, 2000, P, 2).allowed).toBe(true);
  });

  // Regression (fixed): an admitted probe (cost 0) or a refund commits, which drops the entries expired at
  // its `now` without recording that time anywhere. A call 1 ms earlier afterwards no longer
  // sees them and is recorded at its own (earlier) time: 2 units in [0, 1000) with limit 1.
  // A charge does not have this problem (later entries are placed at the newest entry's time).
  it('a probe followed by a step back does not forget entries that still count', () => {
    const p = { limit: 1, windowMs: 1000 };
    const s = log([[0, 1]], p);
    const probe = slidingLog(s, 1000, p, 0); // entry at 0 leaves at 1000: admitted, log emptied
    expect(probe.allowed).toBe(true);
    const r = slidingLog(probe.state, 999, p); // the entry at 0 still counts at 999
    expect(r.allowed).toBe(false);
  });

  it('a refund followed by a step back does not forget entries that still count', () => {
    const p = { limit: 1, windowMs: 1000 };
    const s = log([[0, 1]], p);
    const refund = slidingLog(s, 1000, p, -1, 5000); // refunds nothing, but drops the entry at 0
    const r = slidingLog(refund.state, 999, p);
    expect(r.allowed).toBe(false);
  });

  it('never throws on strange clocks', () => {
    const s = log([[10_000, 2]]);
    for (const t of [-1, -1e12, 0, 1e15, 9999.5]) expect(() => slidingLog(s, t, P)).not.toThrow();
  });
});

// ---------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------

const windows = windowSuite(slidingLog, {
  windowsMs: [1, 2, 3, 7, 10, 999, 1000, 60_000],
  gap: 0.4,
  runs: { numRuns: 400 },
  maxLength: 50,
  refundsName: 'refunds (with `at` = the charge time) never let the net units in any window exceed the limit',
  // Regression (fixed; see the refund unit tests): refunds are taken from the newest entries at or after
  // `at` instead of from the entry charged at `at`, so the net units (charges minus refunds)
  // in some window exceed the limit. Fixed seed: fast-check finds it in most runs anyway.
  refundsRuns: { numRuns: 1000, seed: 42 },
});
const expectAnyWindowBound = anyWindowBound(1, 1e-9);

/** Admitted charges at the time the log recorded them (the newest entry after the call). */
const recordedCharges = (outcomes: readonly Outcome<SlidingLogState>[]): Call[] => chargesRecordedAt(outcomes, (s) => s[s.length - 2]!);

describe('slidingLog — properties', () => {
  traceProperties({
    ...windows,
    bound: { name: '(1) admitted units in ANY window of length windowMs never exceed the limit', check: expectAnyWindowBound },
    wobbly: [
      // A charge with a backward clock is recorded at the newest entry's time (not its own),
      // so the bound is checked on the recorded times.
      {
        name: '(1) with a clock that jumps backwards (charges only): bounded in the times the log records, never throws',
        admitted: recordedCharges,
        cost: (p) => fc.integer({ min: 1, max: p.limit + 1 }),
      },
      // Regression (fixed; see "a probe followed by a step back ..."): with probes in the trace, a probe drops
      // entries expired at its time and a call slightly earlier then over-admits.
      {
        name: '(1) with a clock that jumps backwards (with probes): bounded in the times the log records',
        admitted: recordedCharges,
        consistent: false,
        maxBack: () => 2,
        runs: { numRuns: 3000, seed: 7 },
      },
    ],
    fractional: {
      name: '(1) non-integer times and fractional costs: the bound still holds',
      cost: (p) => fc.oneof(costArb(p.limit), fc.double({ min: 0, max: p.limit, noNaN: true })),
    },
    retry: {
      ...windows.retry,
      // Regression (fixed; non-integer times only; see "retryAfterMs with non-integer times"): the wait
      // is the raw difference entry + windowMs - now, and now + wait can fall 1 ulp short of the
      // entry's expiry. Fixed seed so that the expected failure is deterministic.
      fractionalRuns: { numRuns: 2000, seed: 7 },
    },
  });

  traceProperty('(1) exact: admitted iff the units admitted in (now - windowMs, now] leave room (model check)', windows.subject, (p, calls) => {
    const admitted: Call[] = [];
    for (const o of runTrace(slidingLog, p, calls).outcomes) {
      const used = admitted.filter((c) => o.t < c.t + p.windowMs).reduce((a, c) => a + c.cost, 0);
      check(o.result.allowed === used + Math.max(o.cost, 1) <= p.limit, () => `t=${o.t} cost=${o.cost} used=${used}`);
      if (o.result.allowed && o.cost > 0) admitted.push({ t: o.t, cost: o.cost });
      check(o.result.remaining === p.limit - used - (o.result.allowed ? o.cost : 0), () => `remaining at t=${o.t}`);
    }
  });

  traceProperty('(1) the log never holds more than `limit` entries', windows.subject, (p, calls) => {
    const { state } = runTrace(slidingLog, p, calls);
    check((state?.length ?? 0) / 2 <= p.limit, () => `log ${JSON.stringify(state)}`);
  });

  it('refunds of the newest entry only (the case the code handles) keep the net bound', () => {
    fc.assert(
      fc.property(refundCasesOf(windows.subject, windows.refunds.maxStart), ([p, ops, start]) => {
        expectAnyWindowBound(runWithRefunds(slidingLog, p, ops, start, { newestOnly: true }), p);
      }),
      windows.subject.runs,
    );
  });
});
