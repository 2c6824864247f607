// Keys: hostile identifiers neither collide nor break anything, and reset() deletes by
// key list, by pattern (SCAN MATCH with the prefix and key text escaped) or everything
// under the prefix, resolving to the number of keys removed.
import type { LimitSpec } from '@limitrate/core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../src/index.js';
import { startRedis, uniquePrefix, type TestRedis } from './redis-server.js';

let redis: TestRedis;
let client: ReturnType<TestRedis['client']>;
beforeAll(async () => {
  redis = await startRedis();
  client = redis.client();
});
afterAll(async () => {
  await redis?.stop();
});

const one = (key: string): LimitSpec => ({ key, algorithm: 'fixed-window', limit: 1, windowMs: 600_000, cost: 1 });

const HOSTILE = [
  '',
  ' ',
  'a b',
  'user:42',
  'user',
  '42',
  '{user}',
  '{user}:{42}',
  '}{',
  '*',
  '?',
  '[a-z]',
  '\\',
  '\\*',
  'x'.repeat(10_000),
  'x'.repeat(10_001),
  'ключ',
  '用户',
  '🙂',
  'e\u0301',
  'é',
  '\u0000',
  '\r\n',
  '\uD800', // lone surrogates: UTF-8 would turn both into U+FFFD
  '\uDFFF',
  '\uFFFD',
  '%3A',
  'limitrate:',
];

describe('hostile keys', () => {
  it('each gets its own counter: no collisions, nothing breaks', async () => {
    const store = new RedisStore({ client, keyPrefix: uniquePrefix('hostile') });
    for (const key of HOSTILE) expect((await store.consume([one(key)])).allowed, JSON.stringify(key).slice(0, 40)).toBe(true);
    for (const key of HOSTILE) expect((await store.consume([one(key)])).allowed, JSON.stringify(key).slice(0, 40)).toBe(false);
    // All of them in one atomic set.
    const set = HOSTILE.map((key) => one(`set:${key}`));
    expect((await store.consume(set)).allowed).toBe(true);
    expect((await store.consume(set)).limits.every((l) => !l.allowed)).toBe(true);
    expect(await store.reset({ keys: HOSTILE })).toBe(HOSTILE.length);
    expect(await store.reset({ pattern: 'set:*' })).toBe(HOSTILE.length);
    expect(await store.reset({ all: true })).toBe(0);
  });

  it('hostile prefixes are literal too', async () => {
    const base = uniquePrefix('pfx');
    const a = new RedisStore({ client, keyPrefix: `${base}[ab]?*\\{x}:` });
    const b = new RedisStore({ client, keyPrefix: `${base}a` });
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
    const store = new RedisStore({ client, keyPrefix: prefix });
    const keys = ['u1:GET|/a', 'u1:POST|/b', 'u2:GET|/a', 'u2:POST|/b', 'other'];
    await store.consume(keys.map(one));
    await client.set('outside:u1:GET|/a', '1');
    return { prefix, store, keys };
  }

  it('{ keys } deletes those keys and counts only the ones that existed', async () => {
    const { store, prefix } = await seeded();
    expect(await store.reset({ keys: ['u1:GET|/a', 'u1:GET|/a', 'missing'] })).toBe(1);
    expect(await client.exists(`${prefix}u1:GET|/a`)).toBe(0);
    expect(await client.exists(`${prefix}u2:GET|/a`)).toBe(1);
    expect(await store.reset({ keys: [] })).toBe(0);
  });

  it('{ keys } handles long lists', async () => {
    const store = new RedisStore({ client, keyPrefix: uniquePrefix('many') });
    const keys = Array.from({ length: 1234 }, (_, i) => `k${i}`);
    for (let i = 0; i < keys.length; i += 100) await store.consume(keys.slice(i, i + 100).map(one));
    expect(await store.reset({ keys })).toBe(1234);
  });

  it('{ pattern } uses * as the only wildcard, under the prefix only', async () => {
    const { store } = await seeded();
    expect(await store.reset({ pattern: 'u1:*' })).toBe(2);
    expect(await store.reset({ pattern: '*:GET|/a' })).toBe(1);
    expect(await store.reset({ pattern: 'u?:*' })).toBe(0); // `?` is literal
    expect(await store.reset({ pattern: 'oth*' })).toBe(1);
    expect(await client.exists('outside:u1:GET|/a')).toBe(1);
  });

  it('{ all: true } deletes everything under the prefix and nothing else', async () => {
    const { store } = await seeded();
    expect(await store.reset({ all: true })).toBe(5);
    expect(await store.reset({ all: true })).toBe(0);
    expect(await client.exists('outside:u1:GET|/a')).toBe(1);
  });

  it("works with a client that has its own ioredis keyPrefix (ioredis prefixes KEYS, the store the SCAN pattern)", async () => {
    const own = uniquePrefix('ioredis');
    const prefixed = new Redis(redis.url, { keyPrefix: own });
    try {
      const store = new RedisStore({ client: prefixed, keyPrefix: 'lr:' });
      await store.consume([one('a'), one('b')]);
      expect(await client.exists(`${own}lr:a`, `${own}lr:b`)).toBe(2);
      expect(await store.reset({ pattern: 'a*' })).toBe(1);
      expect(await store.reset({ all: true })).toBe(1);
      expect(await client.exists(`${own}lr:b`)).toBe(0);
    } finally {
      prefixed.disconnect();
    }
  });

  it('a reset key starts again from zero', async () => {
    const { store } = await seeded();
    expect((await store.consume([one('other')])).allowed).toBe(false);
    await store.reset({ keys: ['other'] });
    expect((await store.consume([one('other')])).allowed).toBe(true);
  });
});
