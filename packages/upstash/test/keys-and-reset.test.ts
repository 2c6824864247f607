// Keys over JSON: the escape is reversible and collision-free (property tests), hostile keys
// (lone surrogates included) keep their own counters through the real client, reset() by
// keys, pattern and all counts what it removes, and a count is shared with RedisStore.
import type { LimitSpec } from '@limitrate/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '@limitrate/redis';
import { escapeKey, UpstashStore, unescapeKey } from '../src/index.js';
import { patternTest, scanMatch } from '../src/codec.js';
import { startHarness, uniquePrefix, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

const one = (key: string): LimitSpec => ({ key, algorithm: 'fixed-window', limit: 1, windowMs: 600_000, cost: 1 });
const LONE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const HOSTILE = [
  '', ' ', 'a b', 'user:42', 'user', '42', '"42"', '[1]', '{user}', '{user}:{42}', '}{', '*', '?', '[a-z]', '\\', '\\*',
  'x'.repeat(10_000), 'x'.repeat(10_001), 'ключ', '用户', '🙂', 'e\u0301', 'é', '\u0000', '\r\n', 'OK', 'null', 'true',
  '\uD800', '\uDFFF', '\uDBFF\uD800', '\uD83D', '\uDE42', '\uDE42\uD83D', '\uFFFD', '\uFFFF', '\uFFFF\uFFFF', '\uFFFFd800',
  '\uFFFFd800\uD800', 'a\uD800b', 'a\uFFFDb', '%3A', 'limitrate:',
];

describe('the key escape', () => {
  const anyString = fc.string({ unit: 'binary', maxLength: 12 });
  const tricky = fc.array(fc.constantFrom('a', ':', '*', '\uD800', '\uDC00', '\uDBFF', '\uFFFF', '\uFFFD', 'd', '8', '0', 'f'), { maxLength: 10 }).map((a) => a.join(''));
  const text = fc.oneof(anyString, tricky);

  it('is reversible, leaves well-formed keys without U+FFFF alone, and always gives well-formed text', () => {
    fc.assert(
      fc.property(text, (s) => {
        const e = escapeKey(s);
        expect(unescapeKey(e)).toBe(s);
        expect(LONE.test(e)).toBe(false);
        if (!LONE.test(s) && !s.includes('\uFFFF')) expect(e).toBe(s);
        else expect(e).toContain('\uFFFF');
      }),
      { numRuns: 3000 },
    );
  });

  it('never maps two keys to the same text', () => {
    fc.assert(
      fc.property(text, text, (a, b) => {
        if (a !== b) expect(escapeKey(a)).not.toBe(escapeKey(b));
      }),
      { numRuns: 3000 },
    );
  });

  it('SCAN MATCH finds every key a pattern matches, and the exact test decides', () => {
    // Redis glob semantics for the patterns scanMatch makes: `\x` literal, `*` any run.
    const glob = (g: string) => new RegExp(`^${g.replace(/\\(.)|(\*)|([^\\*])/gs, (_, lit: string, star: string, c: string) => (star ? '[\\s\\S]*' : (lit ?? c).replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')))}$`);
    fc.assert(
      fc.property(text, text, fc.array(fc.constantFrom(0, 1, 2), { maxLength: 3 }), (key, lit, cuts) => {
        // A pattern that matches `key`: parts of it replaced by `*`, plus sometimes a literal of its own.
        let pattern = key;
        for (const c of cuts) pattern = c === 0 ? `*${pattern.slice(1)}` : c === 1 ? `${pattern.slice(0, -1)}*` : `${lit}*`;
        const matches = patternTest(pattern)(key);
        if (matches) expect(glob(scanMatch('p:', pattern)).test(`p:${escapeKey(key)}`)).toBe(true);
      }),
      { numRuns: 3000 },
    );
    expect(patternTest('*d8*')('\uD800')).toBe(false); // its escape code contains "d8": the exact test says no
    expect(patternTest('a?[b]*')('a?[b]c')).toBe(true);
    expect(patternTest('a?[b]*')('ax[b]c')).toBe(false);
  });
});

describe('hostile keys through @upstash/redis', () => {
  it('each gets its own counter: no collisions (lone surrogates included), nothing breaks', async () => {
    const store = new UpstashStore({ client: h.upstash(), keyPrefix: uniquePrefix('hostile') });
    for (const key of HOSTILE) expect((await store.consume([one(key)])).allowed, JSON.stringify(key).slice(0, 40)).toBe(true);
    for (const key of HOSTILE) expect((await store.consume([one(key)])).allowed, JSON.stringify(key).slice(0, 40)).toBe(false);
    const set = HOSTILE.map((key) => one(`set:${key}`));
    expect((await store.consume(set)).allowed).toBe(true);
    expect((await store.consume(set)).limits.every((l) => !l.allowed)).toBe(true);
    expect(await store.reset({ pattern: '*\uD800*' })).toBe(8); // four keys hold that code unit, each bare and under set:
    expect(await store.reset({ pattern: '*d800*' })).toBe(2); // '\uFFFFd800' only (the escape codes don't count)
    expect(await store.reset({ keys: HOSTILE })).toBe(HOSTILE.length - 5);
    expect(await store.reset({ pattern: 'set:*' })).toBe(HOSTILE.length - 5);
    expect(await store.reset({ all: true })).toBe(0);
  });

  it('the REST protocol alone would collide them: why keys are escaped', async () => {
    // Upstash decodes JSON into UTF-8, turning every lone surrogate into U+FFFD.
    const raw = h.upstash({ automaticDeserialization: false });
    const prefix = uniquePrefix('raw');
    await raw.set(`${prefix}\uD800`, 'a');
    expect(await raw.get(`${prefix}\uDFFF`)).toBe('a');
    expect(await raw.get(`${prefix}\uFFFD`)).toBe('a');
  });

  it('hostile prefixes are literal too', async () => {
    const base = uniquePrefix('pfx');
    const a = new UpstashStore({ client: h.upstash(), keyPrefix: `${base}[ab]?*\\{x}\uD800:` });
    const b = new UpstashStore({ client: h.upstash(), keyPrefix: `${base}a` });
    await a.consume([one('k')]);
    await b.consume([one('k')]);
    await b.consume([one('zz')]);
    expect(await a.reset({ all: true })).toBe(1);
    expect(await b.reset({ pattern: '*' })).toBe(2);
  });
});

describe('reset', () => {
  async function seeded() {
    const prefix = uniquePrefix('reset');
    const store = new UpstashStore({ client: h.upstash(), keyPrefix: prefix });
    const keys = ['u1:GET|/a', 'u1:POST|/b', 'u2:GET|/a', 'u2:POST|/b', 'other'];
    await store.consume(keys.map(one));
    await h.redis.client().set('outside:u1:GET|/a', '1');
    return { prefix, store, keys };
  }

  it('{ keys } deletes those keys and counts only the ones that existed', async () => {
    const { store, prefix } = await seeded();
    expect(await store.reset({ keys: ['u1:GET|/a', 'u1:GET|/a', 'missing'] })).toBe(1);
    expect(await h.redis.client().exists(`${prefix}u1:GET|/a`)).toBe(0);
    expect(await h.redis.client().exists(`${prefix}u2:GET|/a`)).toBe(1);
    expect(await store.reset({ keys: [] })).toBe(0);
  });

  it('{ keys } handles long lists, in batches', async () => {
    const store = new UpstashStore({ client: h.upstash(), keyPrefix: uniquePrefix('many') });
    const keys = Array.from({ length: 1234 }, (_, i) => `k${i}`);
    for (let i = 0; i < keys.length; i += 100) await store.consume(keys.slice(i, i + 100).map(one));
    const { count, result } = await h.countRequests(() => store.reset({ keys }));
    expect(result).toBe(1234);
    expect(count).toBe(3);
    expect(await store.reset({ all: true })).toBe(0);
  });

  it('{ pattern } uses * as the only wildcard, under the prefix only; { all } takes everything under it', async () => {
    const { store } = await seeded();
    expect(await store.reset({ pattern: 'u1:*' })).toBe(2);
    expect(await store.reset({ pattern: '*:GET|/a' })).toBe(1);
    expect(await store.reset({ pattern: 'u?:*' })).toBe(0); // `?` is literal
    expect(await store.reset({ pattern: 'oth*' })).toBe(1);
    expect(await store.reset({ all: true })).toBe(1);
    expect(await h.redis.client().exists('outside:u1:GET|/a')).toBe(1);
  });
});

describe('alongside RedisStore (ioredis) on the same Redis and prefix', () => {
  it('shares one count per key, whichever store takes the units', async () => {
    const keyPrefix = uniquePrefix('shared');
    const upstash = new UpstashStore({ client: h.upstash(), keyPrefix });
    const redis = new RedisStore({ client: h.redis.client(), keyPrefix });
    for (const spec of [one('user:42'), { ...one('🙂 {x}'), algorithm: 'sliding-log', limit: 3 } as LimitSpec, { key: 'tb', algorithm: 'token-bucket', capacity: 3, refillRate: 0.001, cost: 1 } as LimitSpec]) {
      const limit = spec.algorithm === 'fixed-window' ? 1 : 3;
      const answers: boolean[] = [];
      for (let i = 0; i <= limit; i++) answers.push((await (i % 2 === 0 ? upstash : redis).consume([spec])).allowed);
      expect(answers).toEqual([...Array<boolean>(limit).fill(true), false]);
      expect((await redis.consume([spec], { mode: 'peek' })).limits[0]!.used).toBe(limit);
      expect((await upstash.consume([spec], { mode: 'peek' })).limits[0]!.used).toBe(limit);
    }
    expect(await upstash.reset({ all: true })).toBe(3);
    expect(await redis.reset({ all: true })).toBe(0);
  });
});
