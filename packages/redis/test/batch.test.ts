// Batching: decisions made while a round trip is in flight share the next EVALSHA, each
// decided atomically in arrival order; a decision made while nothing is in flight goes at
// once; one bad decision or a failed round trip never settles another decision wrongly.
import { isLimitRateError, manualClock, RateLimiter, type LimitSpec } from '@limitrate/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../src/index.js';
import { clientCommands, delta } from './commandstats.js';
import { REDIS_SERVER_BIN, startPrivateRedis, uniquePrefix, type TestRedis } from './redis-server.js';

let redis: TestRedis;
let admin: ReturnType<TestRedis['client']>;
// A day's window: the decisions take a fraction of a second, and a window ending among them
// (a minute's could, now and then) would admit what the next window allows on top.
const fw = (key: string, limit: number, cost = 1): LimitSpec => ({ key, algorithm: 'fixed-window', limit, windowMs: 86_400_000, cost });

describe.skipIf(REDIS_SERVER_BIN === undefined)('batching', () => {
  beforeAll(async () => {
    redis = await startPrivateRedis();
    admin = redis.client();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('500 concurrent decisions take far fewer than 500 EVALSHAs and admit exactly the limit', async () => {
    const store = new RedisStore({ client: redis.client(), keyPrefix: uniquePrefix('many') });
    await store.consume([fw('warm', 1)], { mode: 'peek' });
    const before = await clientCommands(admin);
    const results = await Promise.all(Array.from({ length: 500 }, () => store.consume([fw('shared', 300)])));
    const sent = delta(before, await clientCommands(admin));
    expect(Object.keys(sent)).toEqual(['evalsha']);
    // The first goes at once; the others wait for the end of this turn, 64 at most per call.
    expect(sent.evalsha).toBeLessThanOrEqual(1 + Math.ceil(499 / 64));
    expect(results.filter((r) => r.allowed)).toHaveLength(300);
    // In arrival order: the n-th call sees n units used (the refused ones change nothing).
    expect(results.slice(0, 300).map((r) => r.limits[0]!.used)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    expect(results.slice(300).every((r) => !r.allowed && r.limits[0]!.used === 300)).toBe(true);
  });

  it('maxBatch caps the decisions per EVALSHA; maxBatch: 1 sends each on its own', async () => {
    for (const [maxBatch, most] of [[8, 1 + Math.ceil(99 / 8)], [1, 100]] as const) {
      const store = new RedisStore({ client: redis.client(), keyPrefix: uniquePrefix('cap'), maxBatch });
      await store.consume([fw('warm', 1)], { mode: 'peek' });
      const before = await clientCommands(admin);
      await Promise.all(Array.from({ length: 100 }, (_, i) => store.consume([fw(`u${i % 7}`, 1000)])));
      const { evalsha } = delta(before, await clientCommands(admin));
      if (maxBatch === 1) expect(evalsha).toBe(100);
      else expect(evalsha).toBeLessThanOrEqual(most);
    }
  });

  it('a limiter over a batching store counts exactly under concurrency, sets of four limits included', async () => {
    const store = new RedisStore({ client: redis.client(), keyPrefix: uniquePrefix('limiter') });
    const limiter = new RateLimiter({ store, policies: { free: { rate: { maxPerSecond: 1000, maxPerMinute: 150, maxPerHour: 1000, maxPerDay: 1000 } } } });
    const results = await Promise.all(Array.from({ length: 400 }, (_, i) => limiter.check({ userId: `u${i % 2}`, endpoint: 'GET|/a' })));
    expect(results.filter((r) => r.allowed)).toHaveLength(300);
    await limiter.close();
  });

  it('an invalid decision rejects alone; the others in its turn are decided', async () => {
    const store = new RedisStore({ client: redis.client(), keyPrefix: uniquePrefix('bad') });
    await store.consume([fw('warm', 1)], { mode: 'peek' });
    const bad = { key: 'b', algorithm: 'no-such', limit: 1, windowMs: 1000, cost: 1 } as unknown as LimitSpec;
    const settled = await Promise.allSettled([store.consume([fw('a', 5)]), store.consume([bad]), store.consume([fw('a', 5)])]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(settled[1]).toMatchObject({ reason: { code: 'ERR_LIMITRATE_STORE' } });
    expect((settled[2] as PromiseFulfilledResult<{ limits: { used: number }[] }>).value.limits[0]!.used).toBe(2);
  });

  it('a round trip that fails rejects every decision it carried with a coded error, and the next ones work', async () => {
    const client = redis.client();
    const store = new RedisStore({ client, keyPrefix: uniquePrefix('fail'), commandTimeoutMs: 300 });
    await store.consume([fw('warm', 1)], { mode: 'peek' });
    await admin.client('PAUSE', 1000, 'ALL');
    const started = Date.now();
    const settled = await Promise.allSettled(Array.from({ length: 20 }, () => store.consume([fw('p', 100)])));
    expect(Date.now() - started).toBeLessThan(900);
    expect(settled.every((s) => s.status === 'rejected' && isLimitRateError(s.reason, 'ERR_LIMITRATE_STORE_TIMEOUT'))).toBe(true);
    await new Promise((r) => setTimeout(r, 900));
    const after = await store.consume([fw('q', 100)]);
    expect(after).toMatchObject({ allowed: true });
  });

  it('decisions made at different times (an injected clock moving) never share a call', async () => {
    const clock = manualClock(1_000_000);
    const store = new RedisStore({ client: redis.client(), keyPrefix: uniquePrefix('clock'), clock });
    await store.consume([fw('warm', 1)], { mode: 'peek' });
    const calls = [];
    for (let i = 0; i < 6; i++) {
      calls.push(store.consume([{ key: 'k', algorithm: 'fixed-window', limit: 2, windowMs: 1000, cost: 1 }]));
      clock.advance(i % 2 === 0 ? 0 : 1000);
    }
    const results = await Promise.all(calls);
    expect(results.map((r) => r.now)).toEqual([1_000_000, 1_000_000, 1_001_000, 1_001_000, 1_002_000, 1_002_000]);
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, true, true, true]);
  });

  it('close() sends what is waiting before it closes', async () => {
    const store = new RedisStore({ url: redis.url, keyPrefix: uniquePrefix('close') });
    await store.consume([fw('warm', 1)], { mode: 'peek' });
    const calls = Array.from({ length: 10 }, () => store.consume([fw('c', 100)]));
    await store.close();
    const results = await Promise.all(calls);
    expect(results.map((r) => r.limits[0]!.used)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
  });

  it('rejects a maxBatch that is not a whole number of decisions', () => {
    for (const maxBatch of [0, -1, 1.5, Number.NaN]) {
      expect(() => new RedisStore({ client: admin, maxBatch })).toThrow(expect.objectContaining({ code: 'ERR_LIMITRATE_INVALID_REQUEST' }));
    }
  });
});
