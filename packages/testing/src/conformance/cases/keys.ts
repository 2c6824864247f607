// Cases: hostile keys never collide or break the store; state expires, and after `resetMs`
// a limit is fully available again.
import type { AlgorithmSpec, LimitSpec } from '@limitrate/core';
import { SPECS, describeLimit, type CaseContext, type CaseDef } from '../harness.js';

/** Key suffixes that a careless store would confuse with one another (no `*`: keys never contain one). */
export const HOSTILE_KEYS: readonly string[] = [
  '',
  ' ',
  'key',
  'Key',
  'KEY',
  'key ',
  ' key',
  'key\t',
  'key\n',
  'key\u00a0',
  'a:b',
  'a:',
  ':a',
  'a::b',
  'a%3Ab',
  '{a}',
  '{a}:b',
  'a}{',
  '{}',
  'ключ',
  'КЛЮЧ',
  '🔥',
  '🔥🔥',
  '\u00e9',
  'e\u0301',
  '\ufb01',
  'fi',
  'ß',
  'ss',
  '\u0000',
  '\u0000\u0000',
  'null',
  '__proto__',
  'constructor',
  'u1:GET|/x:r:fw:1000',
  'u1:GET|/x:r:fw:1000 ',
  'U1:GET|/x:r:fw:1000',
  'u1:GET|/X:r:fw:1000',
  'u1:GET|/x:t:fw:1000',
  'x'.repeat(10_240),
  'x'.repeat(10_239),
  `${'y'.repeat(10_000)}1`,
  `${'y'.repeat(10_000)}2`,
];

/** Lone UTF-16 surrogates: distinct JavaScript strings that a UTF-8 encoder turns into the same U+FFFD. */
export const SURROGATE_KEYS: readonly string[] = ['\ud800', '\udc00', '\ufffd', 'a\ud83d', 'a\ufffd'];

/** Charge key i with cost i + 1, then check every key holds exactly its own cost. */
async function expectDistinct(c: CaseContext, suffixes: readonly string[], spec: AlgorithmSpec): Promise<void> {
  const limits: LimitSpec[] = suffixes.map((s, i) => ({ ...spec, key: c.key(s), cost: i + 1 }));
  for (const l of limits) {
    const r = await c.consume([l]);
    c.check(r.allowed, `consume of ${describeLimit(l)} was refused; a fresh key must admit its cost`);
  }
  const now = await c.usage(limits);
  limits.forEach((l, i) => {
    const got = now[i]!.used;
    if (got === l.cost) return;
    const other = limits.find((o) => o.cost === got - l.cost);
    c.fail(
      `key #${i} ${describeLimit(l)} holds ${got} units, expected ${l.cost}` +
        (other === undefined ? '' : `: it shares state with key ${describeLimit({ ...other, cost: other.cost })}`),
    );
  });
}

const hostile: CaseDef = {
  group: 'keys',
  slug: 'hostile-keys-never-collide',
  name: 'hostile keys (10 KB, unicode, NFC vs NFD, `:` `{}` `|` `%`, spaces, NUL, case and trailing-space variants) never collide',
  async run(c) {
    await expectDistinct(c, HOSTILE_KEYS, { algorithm: 'fixed-window', limit: 1000, windowMs: 1000 });
  },
};

const hostileLog: CaseDef = {
  group: 'keys',
  slug: 'hostile-keys-never-collide-sliding-log',
  name: 'hostile keys never collide under sliding-log either',
  async run(c) {
    await expectDistinct(c, HOSTILE_KEYS, { algorithm: 'sliding-log', limit: 1000, windowMs: 1000 });
  },
};

const surrogates: CaseDef = {
  group: 'keys',
  slug: 'lone-surrogates-never-collide',
  name: 'keys with lone UTF-16 surrogates neither collide with U+FFFD nor with each other',
  async run(c) {
    await expectDistinct(c, SURROGATE_KEYS, { algorithm: 'fixed-window', limit: 1000, windowMs: 1000 });
  },
};

const hostileReset: CaseDef = {
  group: 'keys',
  slug: 'hostile-keys-reset-apart',
  name: 'hostile keys are reset one by one and by pattern without touching their look-alikes',
  async run(c) {
    const spec = SPECS['fixed-window'];
    const names = ['key', 'Key', 'key ', ' key', 'key\t', '{key}', 'x'.repeat(10_240), 'x'.repeat(10_239)];
    const limits = names.map((n) => c.limit(n, spec));
    for (const l of limits) await c.consume([l]);
    const removed = await c.reset({ keys: [c.key('key'), c.key('x'.repeat(10_240))] });
    c.check(removed === 2, `reset of keys "key" and the 10 KB key resolved to ${removed}; expected 2`);
    await c.expectUsed('after resetting "key" and the 10 KB key', limits, [0, 1, 1, 1, 1, 1, 0, 1]);
    const byPattern = await c.reset({ pattern: c.key('key*') });
    c.check(byPattern === 2, `reset of pattern "<ns>key*" resolved to ${byPattern}; expected 2 ("key " and "key\\t")`);
    await c.expectUsed('after resetting "<ns>key*"', limits, [0, 1, 0, 1, 0, 1, 0, 1]);
  },
};

const expiry: CaseDef = {
  group: 'expiry',
  slug: 'fully-available-after-reset-ms',
  name: 'every algorithm is fully available once `resetMs` has elapsed (even after a forced charge beyond the limit), and not a millisecond before',
  async run(c) {
    for (const [name, spec] of Object.entries(SPECS)) {
      const l = c.limit(name, spec, 3);
      await c.consume([l]);
      c.advance(100);
      const forced = await c.consume([{ ...l, cost: 4 }], { mode: 'force' });
      c.expectSet(`${name}: forced charge of 4 units on top of 3`, { allowed: false, committed: true }, forced);
      c.check(forced.limits[0]!.used > 5, `${name}: a forced charge of 4 units on top of 3 (limit 5) reports used ${forced.limits[0]!.used}; expected the usage beyond the limit`);
      const resetMs = forced.limits[0]!.resetMs;
      c.check(resetMs > 0, `${name}: resetMs after charging 7 units of 5 is ${resetMs}; expected more than 0`);
      c.advance(resetMs - 1);
      const before = (await c.usage([l]))[0]!;
      c.check(before.remaining < 5, `${name}: 1 ms before resetMs (${resetMs} ms) the limit already reports remaining ${before.remaining} of 5`);
      c.advance(1);
      const after = (await c.usage([l]))[0]!;
      c.expectOutcome(`${name}: once resetMs (${resetMs} ms) has elapsed`, l, { allowed: true, used: 0, remaining: 5, resetMs: 0 }, after);
      const full = await c.consume([{ ...l, cost: 5 }]);
      c.expectOutcome(`${name}: the whole limit once resetMs has elapsed`, l, { allowed: true, used: 5, remaining: 0 }, full.limits[0]!);
    }
  },
};

const windowRolls: CaseDef = {
  group: 'expiry',
  slug: 'windows-roll-over',
  name: 'a full fixed window admits again at the next window boundary, a full sliding log when its oldest entries leave',
  async run(c) {
    const f = c.limit('fixed', SPECS['fixed-window']);
    const s = c.limit('log', SPECS['sliding-log']);
    // Start 250 ms into a window, whatever the start time: the next boundary is 750 ms away.
    c.advance(1000 - (c.now() % 1000) + 250);
    const start = c.now();
    for (let i = 0; i < 5; i++) {
      await c.consume([f, s]);
      c.advance(100);
    }
    const full = await c.consume([f, s], { mode: 'peek' });
    c.expectOutcome('both full', f, { allowed: false, remaining: 0 }, full.limits[0]!);
    c.advance(249);
    const beforeBoundary = await c.consume([f], { mode: 'peek' });
    c.expectOutcome('fixed window 1 ms before the next boundary', f, { allowed: false, used: 5, remaining: 0, retryAfterMs: 1 }, beforeBoundary.limits[0]!);
    c.advance(1);
    const afterBoundary = await c.consume([f], { mode: 'peek' });
    c.expectOutcome('fixed window at the next boundary', f, { allowed: true, used: 0, remaining: 5 }, afterBoundary.limits[0]!);
    c.advance(start + 999 - c.now());
    const stillFull = await c.consume([s], { mode: 'peek' });
    c.expectOutcome('sliding log 999 ms after its oldest entry', s, { allowed: false, used: 5, retryAfterMs: 1 }, stillFull.limits[0]!);
    c.advance(1);
    const firstOut = await c.consume([s], { mode: 'peek' });
    c.expectOutcome('sliding log once its oldest entry is 1000 ms old', s, { allowed: true, used: 4, remaining: 1 }, firstOut.limits[0]!);
  },
};

/** Every key and expiry case. */
export function keyCases(): CaseDef[] {
  return [hostile, hostileLog, surrogates, hostileReset, expiry, windowRolls];
}
