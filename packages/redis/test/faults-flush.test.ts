// Fault test: SCRIPT FLUSH under load. Every EVALSHA that meets NOSCRIPT falls back to
// EVAL: no check fails, and every check is counted exactly once.
import { RateLimiter, type LimitRateEvent } from '@limitrate/core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../src/index.js';
import { failOnUnhandledRejections } from './faults-common.js';
import { REDIS_SERVER_BIN } from './redis-server.js';
import { ControlledRedis, sleep } from './tcp-proxy.js';

failOnUnhandledRejections();

describe.skipIf(REDIS_SERVER_BIN === undefined)('SCRIPT FLUSH under load', () => {
  let redis: ControlledRedis;
  let admin: Redis;
  beforeAll(async () => {
    redis = await ControlledRedis.start();
    admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    admin?.disconnect();
    await redis?.stop();
  });

  it('fails no check and counts each once', async () => {
    const store = new RedisStore({ url: redis.url, commandTimeoutMs: 2000 });
    const events: LimitRateEvent[] = [];
    const limiter = new RateLimiter({ store, policies: { free: { rate: { maxPerDay: 1_000_000 } } }, storeTimeoutMs: 3000, onEvent: (e) => void events.push(e) });
    await admin.config('RESETSTAT');
    let flushing = true;
    let flushes = 0;
    const flusher = (async () => {
      while (flushing) {
        await admin.script('FLUSH');
        flushes++;
        await sleep(5);
      }
    })();
    const users = ['a', 'b', 'c', 'd'];
    const results = [];
    // 40 rounds of 24 concurrent checks, six for each of four users.
    for (let round = 0; round < 40; round++) {
      results.push(...(await Promise.all(Array.from({ length: 24 }, (_, i) => limiter.check({ userId: users[i % 4]!, endpoint: 'GET|/x' })))));
    }
    flushing = false;
    await flusher;

    expect(results).toHaveLength(960);
    expect(results.filter((r) => r.degraded || !r.allowed)).toEqual([]);
    for (const u of users) expect((await limiter.peek({ userId: u, endpoint: 'GET|/x' })).current).toBe(240);
    expect(flushes).toBeGreaterThan(5);
    const stats = await admin.info('commandstats');
    expect(Number(/cmdstat_eval:calls=(\d+)/.exec(stats)?.[1] ?? 0)).toBeGreaterThan(1); // NOSCRIPT happened, more than once
    await limiter.events.flush();
    expect(events.filter((e) => e.type === 'store_error')).toEqual([]);
    await limiter.close();
    await store.close();
  });
});
