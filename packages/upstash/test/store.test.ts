// UpstashStore through the real @upstash/redis client against the local REST server: the
// decisions of every algorithm, all-or-nothing sets, one HTTP request per decision,
// NOSCRIPT recovery, the server's clock, construction errors and close().
import { manualClock, MemoryStore, REDIS_CONSUME_SCRIPT, REDIS_CONSUME_SHA, type LimitSpec } from '@limitrate/core';
import { Redis as CloudflareRedis } from '@upstash/redis/cloudflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UpstashStore } from '../src/index.js';
import { startHarness, uniquePrefix, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

const SPECS: LimitSpec[] = [
  { key: 'k', cost: 1, algorithm: 'fixed-window', limit: 3, windowMs: 1000 },
  { key: 'k', cost: 1, algorithm: 'sliding-window', limit: 3, windowMs: 1000 },
  { key: 'k', cost: 1, algorithm: 'sliding-log', limit: 3, windowMs: 1000 },
  { key: 'k', cost: 1, algorithm: 'token-bucket', capacity: 3, refillRate: 2 },
  { key: 'k', cost: 1, algorithm: 'leaky-bucket', capacity: 3, leakRate: 2 },
  { key: 'k', cost: 1, algorithm: 'gcra', limit: 3, windowMs: 1000, burst: 2 },
];

describe('decisions', () => {
  for (const spec of SPECS) {
    it(`${spec.algorithm}: answers what MemoryStore answers, call by call`, async () => {
      const clock = manualClock(1_700_000_000_250);
      const memory = new MemoryStore({ clock, cleanupIntervalMs: 0 });
      const store = new UpstashStore({ client: h.upstash(), clock, keyPrefix: uniquePrefix('algo') });
      const limits = [spec];
      const allowed: boolean[] = [];
      for (const dt of [0, 0, 0, 0, 10, 400, 600, 0, 2000]) {
        clock.advance(dt);
        const expected = await memory.consume(limits);
        const actual = await store.consume(limits);
        expect(actual).toEqual(expected);
        allowed.push(actual.allowed);
      }
      expect(allowed).toContain(false);
      expect(allowed.at(-1)).toBe(true);
      memory.close();
    });
  }
});

describe('sets', () => {
  it('are all or nothing: a refused set commits nothing, and names the blocker', async () => {
    const store = new UpstashStore({ client: h.upstash(), clock: manualClock(1_700_000_000_000), keyPrefix: uniquePrefix('set') });
    const a = { key: 'a', algorithm: 'fixed-window', limit: 5, windowMs: 60_000, cost: 1 } as const;
    const b = { key: 'b', algorithm: 'token-bucket', capacity: 1, refillRate: 0.001, cost: 1 } as const;
    expect((await store.consume([a, b])).allowed).toBe(true);
    const refused = await store.consume([a, b]);
    expect(refused.allowed).toBe(false);
    expect(refused.committed).toBe(false);
    expect(refused.limits.map((l) => l.allowed)).toEqual([true, false]);
    const peek = await store.consume([a], { mode: 'peek' });
    expect(peek.limits[0]!.used).toBe(1);
  });

  it('take time from the server when no clock is injected', async () => {
    const store = new UpstashStore({ client: h.upstash(), keyPrefix: uniquePrefix('time') });
    const before = Date.now();
    const r = await store.consume([{ key: 'k', algorithm: 'fixed-window', limit: 1, windowMs: 1000, cost: 1 }]);
    expect(r.now).toBeGreaterThanOrEqual(before - 1000);
    expect(r.now).toBeLessThanOrEqual(Date.now() + 1000);
  });
});

describe('HTTP requests', () => {
  const spec = { key: 'k', algorithm: 'sliding-log', limit: 5, windowMs: 60_000, cost: 1 } as const;
  const clients = {
    'a default @upstash/redis client (auto-pipelining, base64, JSON deserialisation)': () => ({ client: h.upstash() }),
    'a client without base64 and deserialisation': () => ({ client: h.upstash({ responseEncoding: false, automaticDeserialization: false }) }),
    'a client from @upstash/redis/cloudflare': () => ({ client: CloudflareRedis.fromEnv({ UPSTASH_REDIS_REST_URL: h.rest.url, UPSTASH_REDIS_REST_TOKEN: h.rest.token }) }),
    'url and token (the store creates its client)': () => ({ url: h.rest.url, token: h.rest.token }),
  };
  for (const [name, options] of Object.entries(clients)) {
    it(`exactly one per consume, with ${name}`, async () => {
      const store = new UpstashStore({ ...options(), keyPrefix: uniquePrefix('one') });
      for (let i = 0; i < 3; i++) {
        const { count, commands, result } = await h.countRequests(() => store.consume([spec, { ...spec, key: 'j' }]));
        expect(count).toBe(1);
        expect(commands).toEqual([['EVALSHA']]);
        expect(result.limits[0]!.remaining).toBe(4 - i);
      }
    });
  }

  it("uses core's script, whose SHA is what the server computes", async () => {
    expect(await h.upstash().scriptLoad(REDIS_CONSUME_SCRIPT)).toBe(REDIS_CONSUME_SHA);
  });

  it('after SCRIPT FLUSH, one EVAL reloads the script (two requests once, then one)', async (ctx) => {
    if (!h.redis.isolated) return ctx.skip(); // a shared server: don't flush other users' scripts
    const store = new UpstashStore({ client: h.upstash(), keyPrefix: uniquePrefix('noscript') });
    await store.consume([spec]);
    await h.redis.client().script('FLUSH');
    const first = await h.countRequests(() => store.consume([spec]));
    expect(first.commands).toEqual([['EVALSHA'], ['EVAL']]);
    expect(first.result.limits[0]!.used).toBe(2);
    const second = await h.countRequests(() => store.consume([spec]));
    expect(second.commands).toEqual([['EVALSHA']]);
    expect(second.result.limits[0]!.used).toBe(3);
  });
});

describe('construction and close', () => {
  it('rejects bad options with coded errors', () => {
    const code = { code: 'ERR_LIMITRATE_INVALID_REQUEST' };
    expect(() => new UpstashStore({ client: h.upstash(), url: h.rest.url })).toThrow(expect.objectContaining(code));
    expect(() => new UpstashStore({ client: {} as never })).toThrow(expect.objectContaining(code));
    expect(() => new UpstashStore({ url: 'redis://127.0.0.1:6379', token: 't' })).toThrow(expect.objectContaining(code));
    expect(() => new UpstashStore({ url: h.rest.url, token: 't', timeoutMs: 0 })).toThrow(expect.objectContaining(code));
    expect(() => new UpstashStore({ url: h.rest.url, token: 't', keyPrefix: 1 as never })).toThrow(expect.objectContaining(code));
    const saved = { url: process.env.UPSTASH_REDIS_REST_URL, token: process.env.UPSTASH_REDIS_REST_TOKEN, kv: process.env.KV_REST_API_TOKEN };
    delete process.env.UPSTASH_REDIS_REST_TOKEN;
    delete process.env.KV_REST_API_TOKEN;
    try {
      expect(() => new UpstashStore({ url: h.rest.url })).toThrow(/UPSTASH_REDIS_REST_TOKEN/);
    } finally {
      if (saved.token !== undefined) process.env.UPSTASH_REDIS_REST_TOKEN = saved.token;
      if (saved.kv !== undefined) process.env.KV_REST_API_TOKEN = saved.kv;
    }
  });

  it('reads the URL and token from UPSTASH_REDIS_REST_URL / _TOKEN', async () => {
    const saved = { url: process.env.UPSTASH_REDIS_REST_URL, token: process.env.UPSTASH_REDIS_REST_TOKEN };
    process.env.UPSTASH_REDIS_REST_URL = h.rest.url;
    process.env.UPSTASH_REDIS_REST_TOKEN = h.rest.token;
    try {
      const store = new UpstashStore({ keyPrefix: uniquePrefix('env') });
      expect((await store.consume([{ key: 'k', algorithm: 'gcra', limit: 1, windowMs: 1000, cost: 1 }])).allowed).toBe(true);
    } finally {
      for (const [k, v] of [['UPSTASH_REDIS_REST_URL', saved.url], ['UPSTASH_REDIS_REST_TOKEN', saved.token]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  it('never throws synchronously from consume: bad input rejects with a store error', async () => {
    const store = new UpstashStore({ client: h.upstash(), keyPrefix: uniquePrefix('bad') });
    const bad = store.consume(null as never);
    await expect(bad).rejects.toMatchObject({ code: 'ERR_LIMITRATE_STORE' });
    await expect(store.consume([{ key: 'k', algorithm: 'nope', cost: 1 } as never])).rejects.toMatchObject({ code: 'ERR_LIMITRATE_STORE' });
  });

  it('rejects every call after close() with ERR_LIMITRATE_CLOSED, and leaves your client usable', async () => {
    const client = h.upstash();
    const store = new UpstashStore({ client, keyPrefix: uniquePrefix('closed') });
    await store.close();
    await store.close();
    const spec = { key: 'k', algorithm: 'fixed-window', limit: 1, windowMs: 1000, cost: 1 } as const;
    await expect(store.consume([spec])).rejects.toMatchObject({ code: 'ERR_LIMITRATE_CLOSED' });
    await expect(store.reset({ all: true })).rejects.toMatchObject({ code: 'ERR_LIMITRATE_CLOSED' });
    expect(await client.ping()).toBe('PONG');
  });

  it('reports a wrong token as a store error without the command (keys, script) in the message', async () => {
    const store = new UpstashStore({ url: h.rest.url, token: 'wrong', keyPrefix: uniquePrefix('auth') });
    const error = await store.consume([{ key: 'secret-user', algorithm: 'fixed-window', limit: 1, windowMs: 1000, cost: 1 }]).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_LIMITRATE_STORE', store: 'upstash' });
    expect((error as Error).message).toContain('WRONGPASS');
    expect((error as Error).message).not.toContain('secret-user');
  });
});
