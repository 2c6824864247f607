// Fault test: a network stall. A TCP proxy between the client and Redis stops forwarding
// (connections stay open, bytes are held): checks time out in bounded time and follow the
// failure policy; after the stall, checks are right again (Redis kept its counts). With a
// ResilientStore and an insurance store, the stall is decided per process.
import { MemoryStore, RateLimiter, ResilientStore, type LimitRateEvent } from '@limitrate/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../src/index.js';
import { BOUND_MS, failOnUnhandledRejections, fresh, policies, tight } from './faults-common.js';
import { REDIS_SERVER_BIN } from './redis-server.js';
import { ControlledRedis, Load, sleep, TcpProxy, waitUntil } from './tcp-proxy.js';

failOnUnhandledRejections();

describe.skipIf(REDIS_SERVER_BIN === undefined)('a network stall between the client and Redis', () => {
  let redis: ControlledRedis;
  let proxy: TcpProxy & { port: number };
  beforeAll(async () => {
    redis = await ControlledRedis.start();
    proxy = await TcpProxy.start(redis.port);
  });
  afterAll(async () => {
    await proxy?.close();
    await redis?.stop();
  });

  it.each(['allow', 'block'] as const)('onStoreError %s: checks time out per the policy, then are right again', async (policy) => {
    const store = new RedisStore({ url: `redis://127.0.0.1:${proxy.port}`, keyPrefix: `b:${policy}:`, commandTimeoutMs: 300 });
    const events: LimitRateEvent[] = [];
    const limiter = new RateLimiter({ store, policies, onStoreError: policy, storeTimeoutMs: 1000, onEvent: (e) => void events.push(e) });
    await limiter.check(tight('kept'));
    await limiter.check(tight('kept'));

    const load = new Load((i) => limiter.check(fresh(i)));
    await sleep(150);
    proxy.pause();
    load.phase = 'stalled';
    await sleep(500);
    load.phase = 'stalled-late'; // may still be answered after the resume, within commandTimeoutMs
    await sleep(400);
    load.phase = 'resumed';
    proxy.resume();
    await sleep(300);
    load.phase = 'after';
    await sleep(300);
    const samples = await load.stop();

    expect(Math.max(...samples.map((s) => s.ms))).toBeLessThan(BOUND_MS);
    const stalled = load.of('stalled');
    expect(stalled.length).toBeGreaterThan(10);
    // Every check issued during the stall timed out and got the policy's answer.
    expect(stalled.every((s) => s.degraded && s.code === 'ERR_LIMITRATE_STORE_TIMEOUT' && s.allowed === (policy === 'allow'))).toBe(true);
    const degraded = samples.filter((s) => s.degraded);
    expect(degraded.every((s) => s.code === 'ERR_LIMITRATE_STORE_TIMEOUT' && s.allowed === (policy === 'allow'))).toBe(true);
    expect(samples.filter((s) => !s.degraded).every((s) => s.allowed)).toBe(true);
    expect(load.of('after').length).toBeGreaterThan(10);
    expect(load.of('after').every((s) => !s.degraded && s.allowed)).toBe(true);
    // Redis kept its counts through the stall.
    const kept = [await limiter.check(tight('kept')), await limiter.check(tight('kept'))];
    expect(kept.map((r) => [r.allowed, r.current])).toEqual([
      [true, 3],
      [false, 3],
    ]);
    await limiter.events.flush();
    expect(events.filter((e) => e.type === 'store_error').length).toBe(samples.filter((s) => s.degraded).length);
    await limiter.close();
    await store.close();
  });

  it('ResilientStore + insurance: the stall opens the circuit, insurance decides, Redis decides again after', async () => {
    const redisStore = new RedisStore({ url: `redis://127.0.0.1:${proxy.port}`, keyPrefix: 'b:resilient:', commandTimeoutMs: 300 });
    let calls = 0;
    const countingStore = { name: 'redis', consume: (...a: Parameters<RedisStore['consume']>) => (calls++, redisStore.consume(...a)), reset: () => 0, close: () => redisStore.close() };
    const store = new ResilientStore(countingStore, { insurance: new MemoryStore(), failureThreshold: 3, openMs: 300, timeoutMs: 150 });
    const limiter = new RateLimiter({ store, policies, onStoreError: 'block', storeTimeoutMs: 1000 });
    await limiter.check(tight('kept'));
    await limiter.check(tight('kept'));

    const load = new Load((i) => limiter.check(fresh(i)));
    await sleep(150);
    proxy.pause();
    load.phase = 'stalled';
    await waitUntil(() => store.state === 'open', 5000, 'the circuit to open');
    const calls0 = calls;
    await sleep(700);
    expect(calls - calls0).toBeLessThanOrEqual(4); // probes only
    const outage = [];
    for (let i = 0; i < 5; i++) outage.push(await limiter.check(tight('stall')));
    expect(outage.map((r) => r.allowed)).toEqual([true, true, true, false, false]);
    proxy.resume();
    load.phase = 'resumed';
    await waitUntil(() => store.state === 'closed', 10_000, 'the circuit to close');
    load.phase = 'after';
    await sleep(300);
    const samples = await load.stop();

    expect(Math.max(...samples.map((s) => s.ms))).toBeLessThan(BOUND_MS);
    expect(samples.every((s) => s.allowed && !s.degraded)).toBe(true);
    expect(load.of('after').length).toBeGreaterThan(10);
    // Redis kept 'kept' at 2: one more fits. 'stall' was counted only by the insurance store.
    expect([(await limiter.check(tight('kept'))).current, (await limiter.check(tight('kept'))).allowed]).toEqual([3, false]);
    expect((await limiter.check(tight('stall'))).current).toBe(1);
    await limiter.close();
    await store.close();
  });
});
