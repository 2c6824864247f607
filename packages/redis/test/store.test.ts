// RedisStore's behaviour against a real Redis: each algorithm's decisions, all-or-nothing
// sets, soft limits, peek, force and refunds, algorithm changes, server time and errors.
import { isLimitRateError, manualClock, MemoryStore, RateLimiter, type LimitSpec } from '@limitrate/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../src/index.js';
import { startRedis, uniquePrefix, type TestRedis } from './redis-server.js';

let redis: TestRedis;
let client: ReturnType<TestRedis['client']>;
beforeAll(async () => {
  redis = await startRedis();
  client = redis.client();
});
afterAll(async () => {
  await redis?.stop();
});

const T0 = 1_700_000_000_000;
function setup(start = T0) {
  const clock = manualClock(start);
  const prefix = uniquePrefix('store');
  return { clock, prefix, store: new RedisStore({ client, clock, keyPrefix: prefix }) };
}
const fw = (key: string, limit: number, cost = 1, extra: Partial<LimitSpec> = {}): LimitSpec =>
  ({ key, algorithm: 'fixed-window', limit, windowMs: 1000, cost, ...extra }) as LimitSpec;

describe('decisions of each algorithm', () => {
  it('fixed-window: counts per aligned window, then refuses with the wait until the next one', async () => {
    const { clock, store } = setup(T0 + 200);
    expect((await store.consume([fw('a', 2)])).limits[0]).toEqual({ allowed: true, limit: 2, remaining: 1, used: 1, resetMs: 800, retryAfterMs: 0 });
    await store.consume([fw('a', 2)]);
    clock.advance(100);
    expect((await store.consume([fw('a', 2)])).limits[0]).toEqual({ allowed: false, limit: 2, remaining: 0, used: 2, resetMs: 700, retryAfterMs: 700 });
    expect((await store.consume([fw('a', 2, 3)])).limits[0]!.retryAfterMs).toBe(-1);
    clock.advance(700);
    expect((await store.consume([fw('a', 2)])).limits[0]).toMatchObject({ allowed: true, remaining: 1 });
  });

  it('sliding-window: weighs the previous window by how much of it is still inside', async () => {
    const { clock, store } = setup(T0);
    const sw = { key: 's', algorithm: 'sliding-window', limit: 4, windowMs: 1000, cost: 4 } as const;
    await store.consume([sw]);
    clock.advance(1500); // the previous window (4 units) still weighs half: 2
    const r = await store.consume([{ ...sw, cost: 2 }]);
    expect(r.limits[0]).toMatchObject({ allowed: true, remaining: 0, used: 4 });
    expect((await store.consume([{ ...sw, cost: 1 }])).limits[0]).toMatchObject({ allowed: false, retryAfterMs: 250 });
  });

  it('sliding-log: exact over any window, and bounded by the limit', async () => {
    const { clock, store } = setup(T0);
    const sl = { key: 'l', algorithm: 'sliding-log', limit: 3, windowMs: 1000, cost: 1 } as const;
    for (const dt of [0, 100, 100]) {
      clock.advance(dt);
      expect((await store.consume([sl])).allowed).toBe(true);
    }
    clock.advance(799); // the first entry leaves at +1000
    expect((await store.consume([sl])).limits[0]).toMatchObject({ allowed: false, retryAfterMs: 1 });
    clock.advance(1);
    expect((await store.consume([sl])).allowed).toBe(true);
    // Forced charges fold into the newest entry: the log never holds more than `limit` entries.
    for (let i = 0; i < 20; i++) {
      clock.advance(1);
      await store.consume([sl], { mode: 'force' });
    }
    const raw = await client.get(`${(store as RedisStore).keyPrefix}l`);
    expect(raw!.split(' ').length).toBeLessThanOrEqual(1 + 2 * 3);
  });

  it('token-bucket: bursts to capacity, then admits the refill rate; a refused first contact starts the clock', async () => {
    const { clock, store } = setup(T0);
    const tb = { key: 't', algorithm: 'token-bucket', capacity: 2, refillRate: 1, cost: 1 } as const;
    expect((await store.consume([tb])).allowed).toBe(true);
    expect((await store.consume([tb])).allowed).toBe(true);
    expect((await store.consume([tb])).limits[0]).toMatchObject({ allowed: false, retryAfterMs: 1000, resetMs: 2000 });
    clock.advance(1000);
    expect((await store.consume([tb])).allowed).toBe(true);
    const slow = { key: 't0', algorithm: 'token-bucket', capacity: 5, refillRate: 1, initialTokens: 0, cost: 1 } as const;
    expect((await store.consume([slow])).allowed).toBe(false);
    clock.advance(1000);
    expect((await store.consume([slow])).allowed).toBe(true);
  });

  it('leaky-bucket: refuses what would overflow, drains at the leak rate', async () => {
    const { clock, store } = setup(T0);
    const lb = { key: 'b', algorithm: 'leaky-bucket', capacity: 3, leakRate: 2, cost: 3 } as const;
    expect((await store.consume([lb])).limits[0]).toMatchObject({ allowed: true, used: 3, resetMs: 1500 });
    expect((await store.consume([{ ...lb, cost: 1 }])).limits[0]).toMatchObject({ allowed: false, retryAfterMs: 500 });
    clock.advance(500);
    expect((await store.consume([{ ...lb, cost: 1 }])).allowed).toBe(true);
  });

  it('gcra: spaces units evenly, with bursts of up to `burst`', async () => {
    const { clock, store } = setup(T0);
    const gc = { key: 'g', algorithm: 'gcra', limit: 10, windowMs: 1000, burst: 2, cost: 1 } as const;
    expect((await store.consume([gc])).allowed).toBe(true);
    expect((await store.consume([gc])).allowed).toBe(true);
    expect((await store.consume([gc])).limits[0]).toMatchObject({ allowed: false, limit: 2, retryAfterMs: 100 });
    clock.advance(100);
    expect((await store.consume([gc])).allowed).toBe(true);
  });

  it('a key reused with another algorithm starts fresh, like the memory store', async () => {
    const { clock, store } = setup(T0);
    const memory = new MemoryStore({ clock, cleanupIntervalMs: 0 });
    const calls: LimitSpec[] = [fw('x', 1), fw('x', 1), { key: 'x', algorithm: 'gcra', limit: 1, windowMs: 1000, cost: 1 }, fw('x', 1)];
    for (const spec of calls) expect(await store.consume([spec])).toEqual(memory.consume([spec]));
  });
});

describe('limit sets', () => {
  it('is all or nothing: a set refused by one hard limit consumes none', async () => {
    const { store } = setup();
    const set = [fw('wide', 5), fw('narrow', 1)];
    expect(await store.consume(set)).toMatchObject({ allowed: true, committed: true });
    const refused = await store.consume(set);
    expect(refused).toMatchObject({ allowed: false, committed: false });
    expect(refused.limits.map((l) => l.allowed)).toEqual([true, false]);
    expect(refused.limits[0]).toMatchObject({ used: 1, remaining: 4 }); // not charged
    expect((await store.consume([fw('wide', 5)], { mode: 'peek' })).limits[0]!.used).toBe(1);
  });

  it('soft limits never veto, are reported refused, and are still counted', async () => {
    const { store } = setup();
    const set = [fw('hard', 5), fw('soft', 1, 1, { soft: true })];
    await store.consume(set);
    const r = await store.consume(set);
    expect(r).toMatchObject({ allowed: true, committed: true });
    expect(r.limits[1]).toMatchObject({ allowed: false, used: 2, remaining: 0 });
    expect(r.limits[0]).toMatchObject({ allowed: true, used: 2 });
  });

  it('peek decides and writes nothing', async () => {
    const { store, prefix } = setup();
    const r = await store.consume([fw('p', 1, 1), fw('q', 3, 2)], { mode: 'peek' });
    expect(r).toMatchObject({ allowed: true, committed: false });
    expect(r.limits[0]).toMatchObject({ allowed: true, used: 0, remaining: 1 });
    expect(await client.exists(`${prefix}p`, `${prefix}q`)).toBe(0);
  });

  it('force commits whatever the decision; a refund only applies to the window charged at `at`', async () => {
    const { clock, store } = setup(T0);
    await store.consume([fw('f', 2, 2)]);
    const forced = await store.consume([fw('f', 2, 3)], { mode: 'force' });
    expect(forced).toMatchObject({ allowed: false, committed: true });
    expect(forced.limits[0]).toMatchObject({ used: 5, remaining: 0 });
    expect((await store.consume([fw('f', 2, -4)], { mode: 'force', at: T0 })).limits[0]).toMatchObject({ used: 1, remaining: 1 });
    clock.advance(1000);
    await store.consume([fw('f', 2, 2)]);
    // Charged in the previous window: nothing to give back in this one.
    expect((await store.consume([fw('f', 2, -2)], { mode: 'force', at: T0 })).limits[0]).toMatchObject({ used: 2 });
    expect((await store.consume([fw('f', 2, -2)], { mode: 'force' })).limits[0]).toMatchObject({ used: 0 });
  });

  it('an empty set is allowed and costs nothing', async () => {
    const { store } = setup(T0);
    expect(await store.consume([])).toEqual({ allowed: true, committed: true, now: T0, limits: [] });
  });
});

describe('time', () => {
  it("uses the Redis server's clock when none is injected", async () => {
    const store = new RedisStore({ client, keyPrefix: uniquePrefix('time') });
    const r = await store.consume([fw('t', 1)]);
    const [sec, usec] = (await client.time()) as [number | string, number | string];
    const server = Number(sec) * 1000 + Math.floor(Number(usec) / 1000);
    expect(server - r.now).toBeGreaterThanOrEqual(0);
    expect(server - r.now).toBeLessThan(5000);
    expect(Number.isInteger(r.now)).toBe(true);
  });

  it('PTTL follows the kernel expiry (server time: SET ... PXAT at the window end)', async () => {
    const prefix = uniquePrefix('ttl');
    const store = new RedisStore({ client, keyPrefix: prefix });
    const w = 600_000;
    const r = await store.consume([{ key: 'w', algorithm: 'fixed-window', limit: 5, windowMs: w, cost: 1 }]);
    const pttl = await client.pttl(`${prefix}w`);
    const expected = Math.floor(r.now / w) * w + w - r.now; // ms left in the window at r.now
    expect(pttl).toBeLessThanOrEqual(expected);
    expect(pttl).toBeGreaterThan(expected - 5000);
    const g = await store.consume([{ key: 'g', algorithm: 'gcra', limit: 1, windowMs: 30_000, cost: 1 }]);
    const gttl = await client.pttl(`${prefix}g`);
    expect(gttl).toBeLessThanOrEqual(g.limits[0]!.resetMs);
    expect(gttl).toBeGreaterThan(g.limits[0]!.resetMs - 5000);
  });

  it('PTTL with an injected clock: the expiry by that clock, at least 60 s', async () => {
    const { store, prefix } = setup(T0);
    await store.consume([{ key: 'long', algorithm: 'fixed-window', limit: 5, windowMs: 3_600_000, cost: 1 }, fw('short', 5)]);
    const long = await client.pttl(`${prefix}long`);
    const expected = Math.floor(T0 / 3_600_000) * 3_600_000 + 3_600_000 - T0;
    expect(long).toBeLessThanOrEqual(expected);
    expect(long).toBeGreaterThan(expected - 5000);
    expect(await client.pttl(`${prefix}short`)).toBeGreaterThan(55_000);
  });
});

describe('errors', () => {
  it('rejects after close() with ERR_LIMITRATE_CLOSED, and leaves a passed client open', async () => {
    const { store } = setup();
    await store.close();
    await expect(store.consume([fw('c', 1)])).rejects.toMatchObject({ code: 'ERR_LIMITRATE_CLOSED' });
    await expect(store.reset({ all: true })).rejects.toMatchObject({ code: 'ERR_LIMITRATE_CLOSED' });
    expect(await client.ping()).toBe('PONG');
  });

  it('never throws synchronously: bad input rejects with a coded error', async () => {
    const { store } = setup();
    const bad = [{ key: 'b', algorithm: 'nope', cost: 1 }] as unknown as LimitSpec[];
    let promise: Promise<unknown> | undefined;
    expect(() => {
      promise = store.consume(bad);
    }).not.toThrow();
    await expect(promise).rejects.toSatisfy((e) => isLimitRateError(e, 'ERR_LIMITRATE_STORE'));
  });

  it('validates its options at construction', () => {
    expect(() => new RedisStore({ client, url: 'redis://x' })).toThrow(/either client or url/);
    expect(() => new RedisStore({ client, commandTimeoutMs: 0 })).toThrow(/commandTimeoutMs/);
    expect(() => new RedisStore({ client, keyPrefix: 1 as unknown as string })).toThrow(/keyPrefix/);
    expect(() => new RedisStore({ client: {} as never })).toThrow(/ioredis/);
  });
});

describe('with the RateLimiter', () => {
  it('limits a plan end to end (the README example)', async () => {
    const store = new RedisStore({ url: redis.url, keyPrefix: uniquePrefix('limiter') });
    const limiter = new RateLimiter({ store, policies: { free: { rate: { maxPerMinute: 2 } } } });
    const request = { userId: 'u1', plan: 'free', endpoint: 'POST|/api/chat' };
    const results = [await limiter.check(request), await limiter.check(request), await limiter.check(request)];
    expect(results.map((r) => r.allowed)).toEqual([true, true, false]);
    expect(results[2]!.retryAfter).toBeGreaterThan(0);
    await limiter.close();
    await store.close();
  });
});
