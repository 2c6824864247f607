// Fault test: Redis stopped mid-load, then restarted (empty, no scripts) on the same port.
// Under a steady stream of checks every check settles in bounded time and follows the
// failure policy; after the restart checks are right again (NOSCRIPT handled, counts start
// from what Redis has). With a ResilientStore and an insurance store the outage is decided
// per process and the breaker stops calling Redis. We count outcomes, not timings.
import { MemoryStore, RateLimiter, ResilientStore, type LimitRateEvent, type Store } from '@limitrate/core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../src/index.js';
import { BOUND_MS, failOnUnhandledRejections, fresh, policies, tight } from './faults-common.js';
import { REDIS_SERVER_BIN } from './redis-server.js';
import { ControlledRedis, Load, sleep, waitUntil } from './tcp-proxy.js';

failOnUnhandledRejections();

/** A store that counts the calls that reach it. */
function counting(store: Store): Store & { calls: number } {
  const s = {
    name: store.name,
    calls: 0,
    consume: (...args: Parameters<Store['consume']>) => (s.calls++, store.consume(...args)),
    reset: (selector: Parameters<Store['reset']>[0]) => store.reset(selector),
    close: () => store.close?.(),
  };
  return s;
}

async function evalCalls(url: string): Promise<number> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    const info = await client.info('commandstats');
    return Number(/cmdstat_eval:calls=(\d+)/.exec(info)?.[1] ?? 0);
  } finally {
    client.disconnect();
  }
}

describe.skipIf(REDIS_SERVER_BIN === undefined)('Redis stopped mid-load and restarted', () => {
  let redis: ControlledRedis;
  beforeAll(async () => {
    redis = await ControlledRedis.start();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it.each(['allow', 'block'] as const)('onStoreError %s: bounded, per policy, correct after the restart', async (policy) => {
    const store = new RedisStore({ url: redis.url, keyPrefix: `a:${policy}:`, commandTimeoutMs: 300 });
    const events: LimitRateEvent[] = [];
    const limiter = new RateLimiter({ store, policies, onStoreError: policy, storeTimeoutMs: 1000, onEvent: (e) => void events.push(e) });
    await limiter.check(tight('kept'));
    expect((await limiter.check(tight('kept'))).current).toBe(2);

    const load = new Load((i) => limiter.check(fresh(i)));
    await sleep(200);
    load.phase = 'down';
    await redis.stop();
    await sleep(800);
    load.phase = 'restarting';
    await redis.start();
    await waitUntil(() => load.of('restarting').some((s) => !s.degraded), 15_000, 'a check decided by Redis again');
    load.phase = 'recovered';
    await sleep(300);
    const samples = await load.stop();

    expect(Math.max(...samples.map((s) => s.ms))).toBeLessThan(BOUND_MS);
    const degraded = samples.filter((s) => s.degraded);
    expect(load.of('down').filter((s) => s.degraded).length).toBeGreaterThan(10);
    expect(degraded.every((s) => s.reason === 'store_error' && s.allowed === (policy === 'allow'))).toBe(true);
    expect(samples.filter((s) => !s.degraded).every((s) => s.allowed)).toBe(true);
    expect(load.of('recovered').length).toBeGreaterThan(10);
    expect(load.of('recovered').every((s) => !s.degraded && s.allowed)).toBe(true);

    // The restarted Redis is empty: counts start from zero, the limit holds exactly.
    const after = [];
    for (let i = 0; i < 4; i++) after.push(await limiter.check(tight('kept')));
    expect(after.map((r) => [r.allowed, r.current])).toEqual([
      [true, 1],
      [true, 2],
      [true, 3],
      [false, 3],
    ]);
    expect(await evalCalls(redis.url)).toBeGreaterThan(0); // EVALSHA met NOSCRIPT and fell back
    await limiter.events.flush();
    const errors = events.filter((e) => e.type === 'store_error');
    expect(errors.length).toBe(degraded.length);
    expect(errors.every((e) => e.type === 'store_error' && e.policy === policy && e.store === 'redis')).toBe(true);
    await limiter.close();
    await store.close();
  });

  it('ResilientStore + insurance: the outage is decided per process and Redis is left alone', async () => {
    const redisStore = counting(new RedisStore({ url: redis.url, keyPrefix: 'a:resilient:', commandTimeoutMs: 300 }));
    const store = new ResilientStore(redisStore, { insurance: new MemoryStore(), failureThreshold: 3, openMs: 300, timeoutMs: 200 });
    const events: LimitRateEvent[] = [];
    const limiter = new RateLimiter({ store, policies, onStoreError: 'block', storeTimeoutMs: 1000, onEvent: (e) => void events.push(e) });
    store.attach(limiter.events);
    await limiter.check(tight('kept'));
    await limiter.check(tight('kept'));

    const load = new Load((i) => limiter.check(fresh(i)));
    await sleep(200);
    load.phase = 'down';
    await redis.stop();
    await waitUntil(() => store.state === 'open', 5000, 'the circuit to open');
    // While open, only the probes (one per openMs) reach Redis.
    const calls0 = redisStore.calls;
    const samples0 = load.samples.length;
    await sleep(900);
    expect(redisStore.calls - calls0).toBeLessThanOrEqual(5);
    expect(load.samples.length - samples0).toBeGreaterThan(30);
    // Limits still hold, from the insurance store.
    const outage = [];
    for (let i = 0; i < 5; i++) outage.push(await limiter.check(tight('outage')));
    expect(outage.map((r) => r.allowed)).toEqual([true, true, true, false, false]);
    expect(outage.every((r) => !r.degraded)).toBe(true);

    load.phase = 'restarting';
    await redis.start();
    await waitUntil(() => store.state === 'closed', 15_000, 'the circuit to close');
    load.phase = 'recovered';
    await sleep(300);
    const samples = await load.stop();

    expect(Math.max(...samples.map((s) => s.ms))).toBeLessThan(BOUND_MS);
    expect(samples.every((s) => s.allowed && !s.degraded)).toBe(true); // insurance answered in time
    expect(store.stats().skipped).toBeGreaterThan(30);
    // Back on Redis (empty after the restart): insurance counts were not copied back.
    expect((await limiter.check(tight('outage'))).current).toBe(1);
    expect((await limiter.check(tight('kept'))).current).toBe(1);
    await limiter.events.flush();
    const states = events.flatMap((e) => (e.type === 'store_circuit' ? [e.state] : []));
    expect(states[0]).toBe('open');
    expect(states.at(-1)).toBe('closed');
    expect(events.some((e) => e.type === 'store_fallback')).toBe(true);
    expect(events.some((e) => e.type === 'store_error')).toBe(false);
    await limiter.close();
    await store.close();
  });
});
