// Testing guide: the failure policy, with an in-memory Redis client whose faults the test turns on.
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryStore, RateLimiter } from '@limitrate/core';
import { faultyStore, mockRedis } from '@limitrate/testing';

const policies = { free: { rate: { maxPerMinute: 10 } } };
// One in-memory Redis, two connections to it: a limiter failing open and one failing closed.
const redis = mockRedis();
const failOpen = new RateLimiter({ store: { client: redis }, policies, onStoreError: 'allow' });
const failClosed = new RateLimiter({ store: { client: redis.duplicate() }, policies, onStoreError: 'block' });

afterAll(async () => {
  await failOpen.close();
  await failClosed.close();
});

describe('when Redis fails', () => {
  it('counts as Redis would while it works', async () => {
    for (let i = 0; i < 10; i++) await failOpen.check({ userId: 'alice' });
    // The other connection sees the same counts.
    expect((await failClosed.check({ userId: 'alice' })).allowed).toBe(false);
  });

  it('lets requests through with onStoreError: allow, and refuses them with block', async () => {
    redis.fail(true);
    const open = await failOpen.check({ userId: 'bob' });
    expect([open.allowed, open.degraded, open.reason]).toEqual([true, true, 'store_error']);
    redis.fail(false);
    const closedRedis = mockRedis();
    const limiter = new RateLimiter({ store: { client: closedRedis }, policies, onStoreError: 'block' });
    closedRedis.fail(true);
    const closed = await limiter.check({ userId: 'bob' });
    expect([closed.allowed, closed.degraded]).toEqual([false, true]);
    await limiter.close();
  });

  it('answers within storeTimeoutMs when Redis hangs', async () => {
    const hung = mockRedis();
    const limiter = new RateLimiter({ store: { client: hung }, policies, storeTimeoutMs: 50 });
    await limiter.ready();
    hung.fail('timeout');
    const r = await limiter.check({ userId: 'carol' });
    expect([r.allowed, r.degraded, r.error?.code]).toEqual([true, true, 'ERR_LIMITRATE_STORE_TIMEOUT']);
    await limiter.close();
  });

  it('wraps any store with faults, here one call in two failing', async () => {
    const store = faultyStore(new MemoryStore(), { failureRate: 0.5, seed: 7 });
    const limiter = new RateLimiter({ store, policies });
    const results = [];
    for (let i = 0; i < 20; i++) results.push(await limiter.check({ userId: 'dave' }));
    const degraded = results.filter((r) => r.degraded).length;
    expect(degraded).toBeGreaterThan(0);
    expect(degraded).toBeLessThan(20);
  });
});
