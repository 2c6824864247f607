// The Redis store from configuration: `store: { type: 'redis', url }` and `store: { client }`
// give a limiter whose store is @limitrate/redis's RedisStore, loaded by core itself (no
// import of @limitrate/redis in the user's code), counting in the same keys as a RedisStore
// made by hand; a bad option is a ConfigError, an unreachable Redis an outage (the failure
// policy), and the limiter closes the connection it opened.
import { ConfigError, DeferredStore, RateLimiter } from '@limitrate/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../src/index.js';
import { closedPort } from './failure-policy.js';
import { startRedis, uniquePrefix, type TestRedis } from './redis-server.js';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

const policies = { free: { rate: { maxPerMinute: 3 } } };
const request = { userId: 'u1', endpoint: 'GET|/a' };

describe("store: { type: 'redis', url }", () => {
  it('loads RedisStore, decides on Redis, shares counts with a RedisStore made by hand, and closes its connection', async () => {
    const keyPrefix = uniquePrefix('config');
    const limiter = new RateLimiter({ store: { type: 'redis', url: redis.url, keyPrefix }, policies });
    expect(limiter.store).toBeInstanceOf(DeferredStore);
    expect(limiter.store.name).toBe('redis');
    // Checks made before the package has loaded wait for it.
    const early = await Promise.all([limiter.check(request), limiter.check(request)]);
    expect(early.map((r) => r.allowed)).toEqual([true, true]);
    await limiter.ready();
    const byHand = new RedisStore({ client: redis.client(), keyPrefix });
    const other = new RateLimiter({ store: byHand, policies });
    expect((await other.check(request)).allowed).toBe(true);
    const last = await limiter.check(request);
    expect(last).toMatchObject({ allowed: false });
    const admin = redis.client();
    const clients = async () => String(await admin.client('LIST')).split('\n').filter((l: string) => l.includes('cmd=evalsha')).length;
    const before = await clients();
    await limiter.close();
    for (let i = 0; i < 50 && (await clients()) >= before; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await clients()).toBe(before - 1);
    await other.close();
  });

  it('takes every RedisStore option, and refuses a bad one with a ConfigError (from ready and from check)', async () => {
    const limiter = new RateLimiter({ store: { type: 'redis', url: redis.url, keyPrefix: uniquePrefix('opts'), commandTimeoutMs: 500, maxBatch: 8, hashTags: true }, policies });
    await limiter.ready();
    expect((await limiter.check(request)).allowed).toBe(true);
    await limiter.close();
    const bad = new RateLimiter({ store: { type: 'redis', url: redis.url, commandTimeoutMs: -5 }, policies });
    await expect(bad.ready()).rejects.toBeInstanceOf(ConfigError);
    await expect(bad.check(request)).rejects.toThrow(/commandTimeoutMs must be a positive number/);
    await bad.close();
  });

  it("store: { client } uses the user's ioredis client and leaves it open", async () => {
    const client = redis.client();
    const keyPrefix = uniquePrefix('client');
    const limiter = new RateLimiter({ store: { client, keyPrefix }, policies });
    for (let i = 0; i < 3; i++) expect((await limiter.check(request)).allowed).toBe(true);
    expect((await limiter.check(request)).allowed).toBe(false);
    await limiter.close();
    expect(await client.ping()).toBe('PONG');
  });

  it('an unreachable Redis is an outage: the failure policy answers, with a store_error event', async () => {
    const url = `redis://127.0.0.1:${await closedPort()}`;
    const events: string[] = [];
    const allow = new RateLimiter({ store: { type: 'redis', url, commandTimeoutMs: 200 }, policies, onStoreError: 'allow', onEvent: (e) => void events.push(e.type) });
    const block = new RateLimiter({ store: { type: 'redis', url, commandTimeoutMs: 200 }, policies, onStoreError: 'block' });
    await allow.ready();
    expect(await allow.check(request)).toMatchObject({ allowed: true, degraded: true });
    expect(await block.check(request)).toMatchObject({ allowed: false });
    await allow.close();
    await block.close();
    expect(events).toContain('store_error');
  });
});
