// Failures: an unreachable or stalled Redis makes consume and reset reject with a coded
// error within a bounded time (commandTimeoutMs), never hang; the limiter then applies its
// failure policy.
import { isLimitRateError } from '@limitrate/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../src/index.js';
import { REDIS_SERVER_BIN, startPrivateRedis, uniquePrefix, type TestRedis } from './redis-server.js';
import { closedPort, expectFailurePolicy } from './failure-policy.js';

const spec = { key: 'k', algorithm: 'fixed-window', limit: 5, windowMs: 60_000, cost: 1 } as const;

/** A port nothing listens on (taken, then released). */
const storeCode = (e: unknown) => isLimitRateError(e, 'ERR_LIMITRATE_STORE') || isLimitRateError(e, 'ERR_LIMITRATE_STORE_TIMEOUT');

describe('an unreachable Redis', () => {
  it('rejects consume and reset with a store error, within a bounded time', async () => {
    const store = new RedisStore({ url: `redis://127.0.0.1:${await closedPort()}`, commandTimeoutMs: 300 });
    const started = Date.now();
    await expect(store.consume([spec])).rejects.toSatisfy(storeCode);
    await expect(store.reset({ all: true })).rejects.toSatisfy(storeCode);
    expect(Date.now() - started).toBeLessThan(10_000);
    await store.close();
    await expect(store.consume([spec])).rejects.toMatchObject({ code: 'ERR_LIMITRATE_CLOSED' });
  });

  it("lets the limiter's failure policy decide", async () => {
    const store = new RedisStore({ url: `redis://127.0.0.1:${await closedPort()}`, commandTimeoutMs: 200 });
    await expectFailurePolicy(store);
  });
});

describe.skipIf(REDIS_SERVER_BIN === undefined)('a stalled Redis (DEBUG SLEEP)', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startPrivateRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('rejects with ERR_LIMITRATE_STORE_TIMEOUT after commandTimeoutMs, then works again', async () => {
    const store = new RedisStore({ client: redis.client(), keyPrefix: uniquePrefix('sleep'), commandTimeoutMs: 150 });
    await store.consume([spec]);
    const sleeper = redis.client();
    await sleeper.ping();
    const sleeping = sleeper.call('DEBUG', 'SLEEP', '3');
    await new Promise((r) => setTimeout(r, 50)); // let the server start sleeping
    const started = Date.now();
    await expect(store.consume([spec])).rejects.toMatchObject({ code: 'ERR_LIMITRATE_STORE_TIMEOUT', store: 'redis' });
    expect(Date.now() - started).toBeLessThan(2500); // well before the server wakes up
    await sleeping;
    // The timed-out call may still have run; later calls work as before.
    expect((await store.consume([spec], { mode: 'peek' })).limits[0]!.used).toBeGreaterThanOrEqual(1);
  });
});
