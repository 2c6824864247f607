// Cases: a set of limits is decided and committed all or nothing; soft limits never veto;
// peek commits nothing; force commits everything; refunds only reach the window charged.
import type { AlgorithmSpec, LimitSpec } from '@limitrate/core';
import { SPECS, type CaseDef } from '../harness.js';

const fw = (limit: number, windowMs = 1000): AlgorithmSpec => ({ algorithm: 'fixed-window', limit, windowMs });

const allOrNothing: CaseDef = {
  group: 'sets',
  slug: 'refused-hard-limit-commits-nothing',
  name: 'a set refused by one hard limit commits nothing to any other limit (every algorithm, blocker first, middle or last)',
  async run(c) {
    const blocker = c.limit('blocker', fw(1));
    await c.consume([blocker]);
    const six = Object.entries(SPECS).map(([name, spec]) => c.limit(name, spec, 2));
    for (const [where, set] of [
      ['blocker last', [...six, blocker]],
      ['blocker first', [blocker, ...six]],
      ['blocker in the middle', [...six.slice(0, 3), blocker, ...six.slice(3)]],
    ] as const) {
      const r = await c.consume(set);
      c.expectSet(`${where}: a set whose limit "blocker" is full`, { allowed: false, committed: false }, r);
      set.forEach((l, i) => {
        const expected = l === blocker ? { allowed: false, used: 1, remaining: 0 } : { allowed: true, used: 0, remaining: 5 };
        c.expectOutcome(`${where}: outcome ${i} of the refused set (uncommitted limits report their usage before the call)`, l, expected, r.limits[i]!);
      });
      await c.expectUsed(`${where}: after the refused set`, six, six.map(() => 0));
    }
    const ok = await c.consume(six);
    c.expectSet('the same six limits without the blocker', { allowed: true, committed: true }, ok);
    await c.expectUsed('after the admitted set', six, six.map(() => 2));
  },
};

const admittedSet: CaseDef = {
  group: 'sets',
  slug: 'admitted-set-commits-every-limit',
  name: 'an admitted set commits every limit, and answers one outcome per limit in the order given',
  async run(c) {
    const a = c.limit('a', fw(3));
    const b = c.limit('b', fw(10), 4);
    const g = c.limit('g', SPECS.gcra, 2);
    const r = await c.consume([b, a, g]);
    c.expectSet('set [b(10), a(3), gcra(5)]', { allowed: true, committed: true }, r);
    c.expectOutcome('outcome 0', b, { allowed: true, limit: 10, used: 4, remaining: 6 }, r.limits[0]!);
    c.expectOutcome('outcome 1', a, { allowed: true, limit: 3, used: 1, remaining: 2 }, r.limits[1]!);
    c.expectOutcome('outcome 2', g, { allowed: true, limit: 5, used: 2, remaining: 3 }, r.limits[2]!);
  },
};

const softOver: CaseDef = {
  group: 'sets',
  slug: 'soft-limit-never-vetoes',
  name: 'a soft limit over its limit does not refuse the set, reports allowed=false for itself, and is charged',
  async run(c) {
    const soft = c.limit('soft', fw(1), 1, true);
    const hard = c.limit('hard', fw(10));
    await c.consume([soft]);
    const r = await c.consume([soft, hard]);
    c.expectSet('set [soft (full), hard]', { allowed: true, committed: true }, r);
    c.expectOutcome('the full soft limit', soft, { allowed: false, used: 2, remaining: 0 }, r.limits[0]!);
    c.expectOutcome('the hard limit', hard, { allowed: true, used: 1, remaining: 9 }, r.limits[1]!);
    await c.expectUsed('after a call over the soft limit', [soft, hard], [2, 1]);
  },
};

const softOnly: CaseDef = {
  group: 'sets',
  slug: 'soft-only-set-is-allowed',
  name: 'a set whose only limit is a full soft limit is allowed (consume commits it, peek does not), on every algorithm',
  async run(c) {
    for (const [name, spec] of Object.entries(SPECS)) {
      const soft = c.limit(`soft:${name}`, spec, 5, true);
      await c.consume([soft]);
      const peek = await c.consume([soft], { mode: 'peek' });
      c.expectSet(`${name}: peek of a set of one full soft limit (no hard limit refuses)`, { allowed: true, committed: false }, peek);
      const r = await c.consume([soft]);
      c.expectSet(`${name}: consume of a set of one full soft limit (no hard limit refuses)`, { allowed: true, committed: true }, r);
      c.expectOutcome(`${name}: the full soft limit itself`, soft, { allowed: false }, r.limits[0]!);
    }
  },
};

const softNotCharged: CaseDef = {
  group: 'sets',
  slug: 'soft-limit-not-charged-when-hard-refuses',
  name: 'a soft limit is not charged when a hard limit of its set refuses',
  async run(c) {
    const soft = c.limit('soft', fw(5), 1, true);
    const hard = c.limit('hard', fw(1));
    await c.consume([hard]);
    const r = await c.consume([soft, hard]);
    c.expectSet('set [soft, hard (full)]', { allowed: false, committed: false }, r);
    c.expectOutcome('the soft limit of the refused set', soft, { allowed: true, used: 0 }, r.limits[0]!);
    await c.expectUsed('after the refused set', [soft, hard], [0, 1]);
  },
};

const peekNothing: CaseDef = {
  group: 'sets',
  slug: 'peek-commits-nothing',
  name: 'peek decides like consume but commits nothing (not even a new key)',
  async run(c) {
    const a = c.limit('a', fw(2));
    const b = c.limit('b', SPECS['sliding-log'], 3);
    const first = await c.consume([a, b], { mode: 'peek' });
    c.expectSet('peek of a fresh set', { allowed: true, committed: false }, first);
    c.expectOutcome('peek of fresh a', a, { allowed: true, used: 0, remaining: 2 }, first.limits[0]!);
    const removed = await c.reset({ keys: [a.key, b.key] });
    c.check(removed === 0, `reset of two keys that were only peeked at removed ${removed}; expected 0 (peek must not create keys)`);
    await c.consume([a]);
    await c.consume([a]);
    const full = await c.consume([a, b], { mode: 'peek' });
    c.expectSet('peek of a set whose limit a is full', { allowed: false, committed: false }, full);
    c.expectOutcome('peek of full a', a, { allowed: false, used: 2, remaining: 0, retryAfterMs: 1000 - (c.now() % 1000) }, full.limits[0]!);
    const peekB = await c.consume([b], { mode: 'peek' });
    c.expectOutcome('peek of b alone', b, { allowed: true, used: 0, remaining: 5 }, peekB.limits[0]!);
    await c.expectUsed('after three peeks', [a, b], [2, 0]);
  },
};

const forceAll: CaseDef = {
  group: 'sets',
  slug: 'force-commits-refused-set',
  name: 'force commits every limit of a refused set (hard and soft), and reports the set as not allowed',
  async run(c) {
    const full = c.limit('full', fw(2), 2);
    const other = c.limit('other', fw(5));
    const soft = c.limit('soft', fw(1), 1, true);
    await c.consume([full]);
    const r = await c.consume([full, other, soft], { mode: 'force' });
    c.expectSet('force of a set whose limit "full" is full', { allowed: false, committed: true }, r);
    c.expectOutcome('forced charge beyond the limit', full, { allowed: false, used: 4, remaining: 0, retryAfterMs: 1000 - (c.now() % 1000) }, r.limits[0]!);
    c.expectOutcome('forced charge within the limit', other, { allowed: true, used: 1, remaining: 4 }, r.limits[1]!);
    await c.expectUsed('after the forced set', [full, other, soft], [4, 1, 1]);
    const all = await c.consume([other, soft], { mode: 'force' });
    c.expectSet('force of a set whose soft limit is full', { allowed: false, committed: true }, all);
  },
};

const refundSameWindow: CaseDef = {
  group: 'sets',
  slug: 'refund-same-window',
  name: 'a refund (negative cost, force mode, `at` = time of the charge) gives units back, never below zero',
  async run(c) {
    const l = c.limit('r', fw(5));
    const chargedAt = c.now();
    await c.consume([{ ...l, cost: 4 }]);
    c.advance(100);
    const r = await c.consume([{ ...l, cost: -3 }], { mode: 'force', at: chargedAt });
    c.expectSet('refund of 3 of 4 units', { allowed: true, committed: true }, r);
    c.expectOutcome('refund of 3 of 4 units', l, { used: 1, remaining: 4 }, r.limits[0]!);
    await c.consume([{ ...l, cost: -5 }], { mode: 'force', at: chargedAt });
    await c.expectUsed('after refunding more than was charged', [l], [0]);
    const again = await c.consume([{ ...l, cost: 5 }]);
    c.expectOutcome('the full limit after refunds', l, { allowed: true, used: 5 }, again.limits[0]!);
  },
};

const refundOtherWindow: CaseDef = {
  group: 'sets',
  slug: 'refund-only-window-charged',
  name: 'a refund for a charge made in an earlier window gives nothing back in the current one',
  async run(c) {
    const l: LimitSpec = c.limit('r', fw(5));
    const chargedAt = c.now();
    await c.consume([{ ...l, cost: 3 }]);
    c.advance(1000);
    await c.consume([{ ...l, cost: 5 }]);
    const r = await c.consume([{ ...l, cost: -3 }], { mode: 'force', at: chargedAt });
    c.expectOutcome('refund of units charged one window earlier', l, { used: 5, remaining: 0 }, r.limits[0]!);
    await c.expectUsed('after a refund for an earlier window', [l], [5]);
  },
};

/** Every set case. */
export function setCases(): CaseDef[] {
  return [allOrNothing, admittedSet, softOver, softOnly, softNotCharged, peekNothing, forceAll, refundSameWindow, refundOtherWindow];
}
