// Failures: an unreachable or slow REST server makes consume and reset reject with a coded
// error within a bounded time (timeoutMs), never hang and leave no timer behind; the limiter
// then applies its failure policy.
import { isLimitRateError } from '@limitrate/core';
import { Redis } from '@upstash/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UpstashStore } from '../src/index.js';
import { startHarness, uniquePrefix, type Harness } from './harness.js';
import { closedPort, expectFailurePolicy } from '../../redis/test/failure-policy.js';

const spec = { key: 'k', algorithm: 'fixed-window', limit: 5, windowMs: 60_000, cost: 1 } as const;
const storeCode = (e: unknown) => isLimitRateError(e, 'ERR_LIMITRATE_STORE') || isLimitRateError(e, 'ERR_LIMITRATE_STORE_TIMEOUT');
const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

/** A port nothing listens on (taken, then released). */
describe('an unreachable server', () => {
  it('rejects consume and reset with a store error, fast (the own client does not retry)', async () => {
    const store = new UpstashStore({ url: `http://127.0.0.1:${await closedPort()}`, token: 't', timeoutMs: 5000 });
    const started = Date.now();
    await expect(store.consume([spec])).rejects.toMatchObject({ code: 'ERR_LIMITRATE_STORE', store: 'upstash' });
    await expect(store.reset({ all: true })).rejects.toMatchObject({ code: 'ERR_LIMITRATE_STORE' });
    expect(Date.now() - started).toBeLessThan(4000);
    await store.close();
    await expect(store.consume([spec])).rejects.toMatchObject({ code: 'ERR_LIMITRATE_CLOSED' });
  });

  it('bounds a retrying client of your own by timeoutMs', async () => {
    const client = new Redis({ url: `http://127.0.0.1:${await closedPort()}`, token: 't', enableTelemetry: false }); // 5 retries with backoff: ~4 s
    const store = new UpstashStore({ client, timeoutMs: 300 });
    const started = Date.now();
    await expect(store.consume([spec])).rejects.toMatchObject({ code: 'ERR_LIMITRATE_STORE_TIMEOUT', store: 'upstash' });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it("lets the limiter's failure policy decide", async () => {
    const store = new UpstashStore({ url: `http://127.0.0.1:${await closedPort()}`, token: 't', timeoutMs: 200 });
    await expectFailurePolicy(store);
  });
});

describe('a slow server', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('rejects with ERR_LIMITRATE_STORE_TIMEOUT after timeoutMs, then works again', async () => {
    const store = new UpstashStore({ client: h.upstash(), keyPrefix: uniquePrefix('slow'), timeoutMs: 150 });
    await store.consume([spec]);
    h.rest.delayMs = 3000;
    try {
      const started = Date.now();
      await expect(store.consume([spec])).rejects.toMatchObject({ code: 'ERR_LIMITRATE_STORE_TIMEOUT', store: 'upstash' });
      await expect(store.reset({ all: true })).rejects.toSatisfy(storeCode);
      expect(Date.now() - started).toBeLessThan(2000); // well before the server answers
    } finally {
      h.rest.delayMs = 0;
    }
    // A timed-out request is aborted, though it may have run; later calls work as before.
    expect((await store.consume([spec], { mode: 'peek' })).limits[0]!.used).toBeGreaterThanOrEqual(1);
  });

  it('leaves no timer behind after answers, errors and timeouts', async () => {
    const store = new UpstashStore({ client: h.upstash(), keyPrefix: uniquePrefix('timers'), timeoutMs: 100 });
    await store.consume([spec]); // warm up the connection
    const before = timers();
    for (let i = 0; i < 20; i++) await store.consume([spec]);
    await store.reset({ all: true });
    await expect(new UpstashStore({ url: h.rest.url, token: 'wrong' }).consume([spec])).rejects.toSatisfy(storeCode);
    expect(timers()).toBeLessThanOrEqual(before);
    h.rest.delayMs = 300;
    try {
      await expect(store.consume([spec])).rejects.toMatchObject({ code: 'ERR_LIMITRATE_STORE_TIMEOUT' });
    } finally {
      h.rest.delayMs = 0;
    }
    expect(timers()).toBeLessThanOrEqual(before + 1); // the server's own stall timer, not the store's
  });
});
