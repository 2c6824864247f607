// The mock clients under a RateLimiter, as users will use them: the roadmap's example as
// written (`store: { client: mockRedis(...) }`, which core hands to @limitrate/redis's
// RedisStore), an Upstash limiter on mockUpstash, and the failure policy, timeouts and
// latency the faults exist to test. Date stands still; timers are faked where a test waits.
import { manualClock, RateLimiter, type LimitRateEvent } from '@limitrate/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mockRedis } from './mock-redis.js';
import { mockUpstash } from './mock-upstash.js';

const policies = { free: { rate: { maxPerMinute: 3 } } };
const request = { userId: 'u1', endpoint: 'GET|/a' };

const limiters: RateLimiter[] = [];
function track(limiter: RateLimiter): RateLimiter {
  limiters.push(limiter);
  return limiter;
}

// The limiters decide on fixed windows of a minute of Date.now() (the mocks' time too, when
// a test gives them no clock): Date stands still, mid-minute, so that no window ends in the
// middle of a test (one did once, in CI). Timers stay real unless a test fakes them.
const MID_MINUTE = Date.UTC(2026, 0, 1, 12, 0, 10);
/** Real timers, and Date standing still at `now`. */
function dateStandsStill(now = MID_MINUTE): void {
  vi.useRealTimers();
  vi.useFakeTimers({ toFake: ['Date'], now });
}
beforeEach(() => dateStandsStill());

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(limiters.splice(0).map((l) => l.close()));
});

async function statuses(limiter: RateLimiter, n: number): Promise<boolean[]> {
  const out: boolean[] = [];
  for (let i = 0; i < n; i++) out.push((await limiter.check(request)).allowed);
  return out;
}

describe('mockRedis under a RateLimiter', () => {
  it("runs the roadmap's example as written: store: { client: mockRedis({ latency, failureRate, timeout }) }", async () => {
    const redis = mockRedis({ latency: 10, failureRate: 0.01, timeout: 5000 });
    const limiter = track(new RateLimiter({ store: { client: redis }, policies }));
    await limiter.ready();
    expect(limiter.store.name).toBe('redis');
    // The default seed fails none of the first few hundred calls at 1%.
    expect(await statuses(limiter, 4)).toEqual([true, true, true, false]);
    expect(redis.server.keys()).toHaveLength(1);
    expect(redis.calls.byName).toMatchObject({ EVALSHA: 4, EVAL: 1 });
  });

  it("decides on the mock's clock (Redis TIME) when the limiter has none: a window passes when the mock's clock moves", async () => {
    const clock = manualClock(1_700_000_000_000);
    const redis = mockRedis({ clock });
    const limiter = track(new RateLimiter({ store: { client: redis }, policies }));
    expect(await statuses(limiter, 4)).toEqual([true, true, true, false]);
    clock.advance(60_000);
    expect(await statuses(limiter, 1)).toEqual([true]);
    expect((await limiter.check(request)).timestamp).toBe(1_700_000_060_000);
  });

  it("decides on the limiter's clock when it has one, the mock expiring keys by the same clock", async () => {
    const clock = manualClock(1_700_000_000_000);
    const redis = mockRedis({ clock });
    const limiter = track(new RateLimiter({ store: { client: redis }, clock, policies }));
    expect(await statuses(limiter, 4)).toEqual([true, true, true, false]);
    expect(redis.server.pttl(redis.server.keys()[0]!)).toBe(60_000);
    clock.advance(60_001);
    expect(redis.server.size).toBe(0);
    expect(await statuses(limiter, 1)).toEqual([true]);
  });

  it("onStoreError 'allow': a failing Redis lets requests through, degraded, with a store_error event; then counting resumes", async () => {
    const redis = mockRedis();
    const events: LimitRateEvent[] = [];
    const limiter = track(new RateLimiter({ store: { client: redis }, onStoreError: 'allow', onEvent: (e) => void events.push(e), policies }));
    expect(await statuses(limiter, 2)).toEqual([true, true]);
    redis.fail();
    const r = await limiter.check(request);
    expect(r).toMatchObject({ allowed: true, degraded: true, reason: 'store_error' });
    expect(r.error?.code).toBe('ERR_LIMITRATE_STORE');
    expect(await statuses(limiter, 3)).toEqual([true, true, true]);
    redis.fail(false);
    expect(await statuses(limiter, 2)).toEqual([true, false]);
    await vi.waitFor(() => expect(events.filter((e) => e.type === 'store_error')).toHaveLength(4));
  });

  it("onStoreError 'block': a failing Redis refuses requests", async () => {
    const redis = mockRedis();
    const limiter = track(new RateLimiter({ store: { client: redis }, onStoreError: 'block', policies }));
    redis.failNext(2);
    expect(await statuses(limiter, 5)).toEqual([false, false, true, true, true]);
    expect((await limiter.check(request)).reason).toBe('rate_limited');
  });

  it('a hung Redis is cut off by storeTimeoutMs (timeout: Infinity), then the failure policy applies', async () => {
    const redis = mockRedis({ timeout: Infinity });
    const limiter = track(new RateLimiter({ store: { client: redis }, storeTimeoutMs: 250, onStoreError: 'block', policies }));
    await limiter.ready();
    vi.useFakeTimers();
    redis.fail();
    let result: Awaited<ReturnType<RateLimiter['check']>> | undefined;
    void limiter.check(request).then((r) => (result = r));
    await vi.advanceTimersByTimeAsync(249);
    expect(result).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(result).toMatchObject({ allowed: false, degraded: true, reason: 'store_error' });
    expect(result?.error?.code).toBe('ERR_LIMITRATE_STORE_TIMEOUT');
    expect(redis.calls.timedOut).toBe(1);
  });

  it("a failing call that hangs for `timeout` is cut off at the shorter of it and RedisStore's commandTimeoutMs", async () => {
    const redis = mockRedis({ timeout: 5000 });
    const limiter = track(new RateLimiter({ store: { client: redis, commandTimeoutMs: 300 }, storeTimeoutMs: 10_000, onStoreError: 'allow', policies }));
    await limiter.ready();
    vi.useFakeTimers();
    redis.fail();
    let result: Awaited<ReturnType<RateLimiter['check']>> | undefined;
    void limiter.check(request).then((r) => (result = r));
    await vi.advanceTimersByTimeAsync(299);
    expect(result).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(result).toMatchObject({ allowed: true, degraded: true });
    expect(result?.error?.code).toBe('ERR_LIMITRATE_STORE_TIMEOUT');
  });

  it('latency below storeTimeoutMs delays decisions without failing them; above it, the failure policy applies', async () => {
    const redis = mockRedis({ latency: 40 });
    const limiter = track(new RateLimiter({ store: { client: redis }, storeTimeoutMs: 100, onStoreError: 'block', policies }));
    await limiter.ready();
    await statuses(limiter, 1); // loads the script (EVALSHA, NOSCRIPT, EVAL)
    vi.useFakeTimers();
    let result: Awaited<ReturnType<RateLimiter['check']>> | undefined;
    void limiter.check(request).then((r) => (result = r));
    await vi.advanceTimersByTimeAsync(39);
    expect(result).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(result).toMatchObject({ allowed: true, degraded: false });
    redis.setLatency(150);
    result = undefined;
    void limiter.check(request).then((r) => (result = r));
    await vi.advanceTimersByTimeAsync(100);
    expect(result).toMatchObject({ allowed: false, degraded: true, reason: 'store_error' });
    // The late answer still counted: Redis ran the command (the mock runs it when it is sent).
    await vi.advanceTimersByTimeAsync(50);
    dateStandsStill(Date.now());
    redis.setLatency(0);
    expect((await limiter.check(request)).allowed).toBe(false);
  });

  it('a seeded failure rate degrades the same requests on every run', async () => {
    const run = async () => {
      const redis = mockRedis({ failureRate: 0.2, seed: 99, failOn: ['EVALSHA', 'EVAL'] });
      const limiter = track(new RateLimiter({ store: { client: redis }, onStoreError: 'allow', policies: { free: { rate: { maxPerMinute: 1000 } } } }));
      const degraded: number[] = [];
      for (let i = 0; i < 100; i++) if ((await limiter.check(request)).degraded) degraded.push(i);
      return degraded;
    };
    const first = await run();
    expect(first.length).toBeGreaterThan(5);
    expect(first.length).toBeLessThan(40);
    expect(await run()).toEqual(first);
  });
});

describe('mockUpstash under a RateLimiter', () => {
  it("store: { type: 'upstash', client: mockUpstash() } loads UpstashStore on the mock", async () => {
    const clock = manualClock(1_700_000_000_000);
    const upstash = mockUpstash({ clock });
    const limiter = track(new RateLimiter({ store: { type: 'upstash', client: upstash }, policies }));
    await limiter.ready();
    expect(limiter.store.name).toBe('upstash');
    expect(await statuses(limiter, 4)).toEqual([true, true, true, false]);
    clock.advance(60_000);
    expect(await statuses(limiter, 1)).toEqual([true]);
    expect(upstash.calls.byName).toMatchObject({ EVALSHA: 5, EVAL: 1 });
  });

  it('a hung Upstash request is cut off by the store timeout and aborted; the failure policy applies', async () => {
    const upstash = mockUpstash({ timeout: Infinity });
    const limiter = track(new RateLimiter({ store: { type: 'upstash', client: upstash, timeoutMs: 200 }, onStoreError: 'block', policies }));
    await limiter.ready();
    vi.useFakeTimers();
    upstash.fail();
    let result: Awaited<ReturnType<RateLimiter['check']>> | undefined;
    void limiter.check(request).then((r) => (result = r));
    await vi.advanceTimersByTimeAsync(200);
    expect(result).toMatchObject({ allowed: false, degraded: true });
    expect(result?.error?.code).toBe('ERR_LIMITRATE_STORE_TIMEOUT');
  });
});
