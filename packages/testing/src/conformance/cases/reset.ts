// Cases: reset by keys, by pattern (`*` is the only wildcard) and entirely, resolving to
// the number of limit keys removed and leaving every other key alone.
import type { LimitSpec } from '@limitrate/core';
import { SPECS, type CaseContext, type CaseDef } from '../harness.js';

const fw = SPECS['fixed-window'];

/** Charge one unit to each of `names`; returns their limits. */
async function seed(c: CaseContext, names: readonly string[]): Promise<LimitSpec[]> {
  const limits = names.map((n) => c.limit(n, fw));
  for (const l of limits) await c.consume([l]);
  return limits;
}

async function expectReset(c: CaseContext, selector: Parameters<CaseContext['reset']>[0], removed: number, what: string): Promise<void> {
  const n = await c.reset(selector);
  c.check(n === removed, `reset(${what}) resolved to ${n}; expected ${removed} (keys removed)`);
}

const byKeys: CaseDef = {
  group: 'reset',
  slug: 'by-keys',
  name: 'reset({ keys }) removes exactly those keys, counts only the keys that existed, and leaves the others alone',
  async run(c) {
    const [k1, k2, k3, k4] = await seed(c, ['k1', 'k2', 'k3', 'k4']);
    await expectReset(c, { keys: [k1!.key, k3!.key, c.key('missing')] }, 2, 'keys k1, k3 and a missing key');
    await c.expectUsed('after resetting k1 and k3', [k1!, k2!, k3!, k4!], [0, 1, 0, 1]);
    await expectReset(c, { keys: [] }, 0, 'no keys');
    await expectReset(c, { keys: [k1!.key] }, 0, 'k1 again (already removed)');
    await c.expectUsed('after empty resets', [k2!, k4!], [1, 1]);
  },
};

const byPrefix: CaseDef = {
  group: 'reset',
  slug: 'by-pattern-prefix',
  name: 'reset({ pattern }) with a trailing `*` removes the keys with that prefix only',
  async run(c) {
    const [u1a, u1b, u2a, u10a] = await seed(c, ['u1:a', 'u1:b', 'u2:a', 'u10:a']);
    await expectReset(c, { pattern: c.key('u1:*') }, 2, `pattern "<ns>u1:*" over u1:a, u1:b, u2:a, u10:a`);
    await c.expectUsed('after resetting u1:*', [u1a!, u1b!, u2a!, u10a!], [0, 0, 1, 1]);
    await expectReset(c, { pattern: c.key('nothing-here*') }, 0, 'a pattern that matches nothing');
    await expectReset(c, { pattern: c.key('*:a') }, 2, `pattern "<ns>*:a" over u2:a, u10:a`);
    await c.expectUsed('after resetting *:a', [u2a!, u10a!], [0, 0]);
  },
};

const wildcards: CaseDef = {
  group: 'reset',
  slug: 'by-pattern-wildcards',
  name: 'each `*` matches any run of characters (none, several, including `:`), anywhere in the pattern',
  async run(c) {
    const [abc, aBc, ac, abd, xac] = await seed(c, ['a:b:c', 'a::c', 'ac', 'a:b:d', 'x:ac']);
    await expectReset(c, { pattern: c.key('a*c') }, 3, `pattern "<ns>a*c" over a:b:c, a::c, ac, a:b:d, x:ac`);
    await c.expectUsed('after resetting a*c', [abc!, aBc!, ac!, abd!, xac!], [0, 0, 0, 1, 1]);
    await expectReset(c, { pattern: `${c.key('')}*:*d` }, 1, `pattern "<ns>*:*d"`);
    await expectReset(c, { pattern: `*${c.key('x:')}*` }, 1, `pattern "*<ns>x:*"`);
  },
};

const literal: CaseDef = {
  group: 'reset',
  slug: 'by-pattern-literal-characters',
  name: 'in a pattern every character but `*` is literal (`?`, `[]`, `.`, `\\`, `+`, `|`, `{}`, `^`, `$`, `%` match only themselves)',
  async run(c) {
    const specials = ['a?c', 'a[b]c', 'a.c', 'a\\c', 'a+c', 'a|c', 'a{x}c', 'a^c', 'a$c', 'a%3Fc', 'a(c)'];
    const bystanders = ['abc', 'aac', 'ac', 'ab', 'a\\\\c', 'ax}c', 'a%c'];
    const s = await seed(c, specials);
    const b = await seed(c, bystanders);
    for (const [i, k] of specials.entries()) {
      await expectReset(c, { pattern: c.key(k) }, 1, `pattern ${JSON.stringify(`<ns>${k}`)} (no wildcard)`);
      await c.expectUsed(`after resetting pattern ${JSON.stringify(k)}`, [s[i]!], [0]);
    }
    await c.expectUsed(
      'keys that no pattern named, after resetting each special key by a pattern equal to it',
      b,
      b.map(() => 1),
    );
  },
};

const all: CaseDef = {
  group: 'reset',
  slug: 'all',
  name: 'reset({ all: true }) removes every key (one per limit, whatever the algorithm), counts them, and the store stays usable',
  async run(c) {
    const limits = Object.entries(SPECS).map(([name, spec]) => c.limit(name, spec, 2));
    await c.consume(limits);
    await expectReset(c, { all: true }, limits.length, `{ all: true } after charging ${limits.length} keys, one per algorithm (use ctx.namespace so a shared server only shows this case's keys)`);
    await c.expectUsed('after reset all', limits, limits.map(() => 0));
    const again = await c.consume(limits);
    c.expectSet('a set after reset all', { allowed: true, committed: true }, again);
  },
};

const perAlgorithm: CaseDef = {
  group: 'reset',
  slug: 'one-key-per-limit',
  name: 'a limit counts as one key in reset counts, whatever the algorithm keeps internally',
  async run(c) {
    const limits = Object.entries(SPECS).map(([name, spec]) => c.limit(`algo:${name}`, spec, 3));
    await c.consume(limits);
    await expectReset(c, { keys: [limits[2]!.key] }, 1, `keys [sliding-log key]`);
    await expectReset(c, { pattern: c.key('algo:*') }, limits.length - 1, 'pattern "<ns>algo:*" over the five other algorithms');
    await c.expectUsed('after resetting every algorithm', limits, limits.map(() => 0));
  },
};

/** Every reset case. */
export function resetCases(): CaseDef[] {
  return [byKeys, byPrefix, wildcards, literal, all, perAlgorithm];
}
