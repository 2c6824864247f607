// RedisStore on @limitrate/testing's mockRedis: the store conformance suite (time from the
// suite's clock, and from the mock's TIME; hash-tagged keys too), the differential suite
// against MemoryStore, and a differential against a real Redis: the same random calls give
// the same replies, byte for byte, and leave the same state text. Then the faults, through
// RedisStore: NOSCRIPT after a restart, errors and hangs bounded by commandTimeoutMs.
import { REDIS_CONSUME_SCRIPT, REDIS_CONSUME_SHA, encodeRedisArgs, isLimitRateError, manualClock, type ConsumeMode, type LimitSpec } from '@limitrate/core';
import { defineStoreConformance } from '@limitrate/testing';
import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { RedisStore } from '../src/index.js';
import { mockRedis } from '@limitrate/testing';
import { describeDifferential } from './differential-suite.js';
import { REDIS_SERVER_BIN, startRedis, uniquePrefix, type TestRedis } from './redis-server.js';

/** RedisStore's client type is ioredis's classes; the mock has the part of them it uses. */

defineStoreConformance(
  { describe, it },
  { name: 'RedisStore on mockRedis (clock injected)', create: ({ clock, namespace }) => new RedisStore({ client: mockRedis({ clock }), clock, keyPrefix: `${namespace}:` }) },
);
defineStoreConformance(
  { describe, it },
  { name: "RedisStore on mockRedis (the mock's TIME)", create: ({ clock, namespace }) => new RedisStore({ client: mockRedis({ clock }), keyPrefix: `${namespace}:` }) },
);
defineStoreConformance(
  { describe, it },
  { name: 'RedisStore on mockRedis (hash tags)', create: ({ clock, namespace }) => new RedisStore({ client: mockRedis({ clock }), clock, hashTags: true, keyPrefix: `${namespace}:` }) },
);

// As with a real Redis, the mock keeps its own clock: states live at least a minute of it.
describeDifferential('RedisStore on mockRedis', (clock) => new RedisStore({ client: mockRedis(), clock }));

describe.skipIf(REDIS_SERVER_BIN === undefined && !process.env.LIMITRATE_REDIS_URL)('mockRedis against a real Redis', () => {
  let redis: TestRedis;
  let real: Redis;
  beforeAll(async () => {
    redis = await startRedis();
    real = redis.client();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  type Spec = Omit<LimitSpec, 'key' | 'cost'>;
  // A real Redis expires keys in real time, by the TTL the script sets from the trace's
  // virtual time: limits whose keys live at least a second, and every key persisted right
  // after each call (below), so that no key expires on one side and not the other. (Small
  // windows and fast refills are compared with MemoryStore in @limitrate/testing's own tests.)
  const spec: fc.Arbitrary<Spec> = fc.oneof(
    fc.record({ algorithm: fc.constantFrom('fixed-window' as const, 'sliding-window' as const, 'sliding-log' as const), limit: fc.integer({ min: 1, max: 8 }), windowMs: fc.oneof(fc.constantFrom(1000, 60_000), fc.integer({ min: 1000, max: 5000 })) }),
    fc.record({ algorithm: fc.constant('token-bucket' as const), capacity: fc.integer({ min: 1, max: 8 }), refillRate: fc.double({ min: 0.05, max: 1, noNaN: true }), initialTokens: fc.integer({ min: 0, max: 10 }) }),
    fc.record({ algorithm: fc.constant('leaky-bucket' as const), capacity: fc.integer({ min: 1, max: 8 }), leakRate: fc.double({ min: 0.05, max: 1, noNaN: true }) }),
    fc.record({ algorithm: fc.constant('gcra' as const), limit: fc.integer({ min: 1, max: 8 }), windowMs: fc.integer({ min: 1000, max: 5000 }), burst: fc.integer({ min: 1, max: 10 }) }),
  ).chain((s) => fc.boolean().map((soft) => (soft ? { ...s, soft: true } : s) as Spec));
  const call = fc.record({
    dt: fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: -30, max: 5000 }), fc.double({ min: 0, max: 50, noNaN: true })),
    mode: fc.constantFrom<ConsumeMode>('consume', 'consume', 'consume', 'peek', 'force'),
    costs: fc.array(fc.oneof(fc.integer({ min: -3, max: 4 }), fc.constantFrom(0.5, 1.25, 9, -0.75)), { minLength: 4, maxLength: 4 }),
    pick: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 4 }),
    atBack: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }),
  });
  const trace = fc.record({ start: fc.double({ min: 0, max: 2e12, noNaN: true }), specs: fc.array(spec, { minLength: 4, maxLength: 4 }), calls: fc.array(call, { minLength: 1, maxLength: 25 }) });

  type Trace = typeof trace extends fc.Arbitrary<infer T> ? T : never;
  // Once failed in CI: a leaky bucket's state whose exact value ends in a 5 at the 18th
  // digit, which C's %.17g rounds to even (the mock used to round it up).
  const ciFailure: Trace = { start: 376115754039.5966, specs: [{ algorithm: 'fixed-window', limit: 2, windowMs: 1000 }, { algorithm: 'leaky-bucket', capacity: 1, leakRate: 0.05 }, { algorithm: 'leaky-bucket', capacity: 1, leakRate: 0.05 }, { algorithm: 'fixed-window', limit: 1, windowMs: 60000 }] as unknown as Spec[], calls: [{ dt: 0, mode: 'consume', costs: [0, 0, 0.5, 0.5], pick: [3], atBack: undefined }] };

  it('gives the same reply text and leaves the same state text for random calls (the time in ARGV)', async () => {
    await fc.assert(
      fc.asyncProperty(trace, async (t) => {
        const prefix = uniquePrefix('mockdiff');
        // The mock's clock stands still: its keys never expire during the trace.
        const mock = mockRedis({ clock: { now: () => 0 } });
        let now = t.start;
        const times: number[] = [];
        for (const c of t.calls) {
          now += c.dt;
          // One limit per picked index (a key may come twice in one call, as it can in Redis).
          const limits = c.pick.map((i) => ({ ...t.specs[i]!, key: `${prefix}k${i}`, cost: c.costs[i]! }) as LimitSpec);
          const at = c.atBack === undefined ? undefined : times[times.length - 1 - c.atBack];
          times.push(now);
          const args = [limits.length, ...limits.map((l) => l.key), ...encodeRedisArgs(limits, c.mode, now, at)];
          const expected = await real.call('EVALSHA', REDIS_CONSUME_SHA, ...args).catch(() => real.call('EVAL', REDIS_CONSUME_SCRIPT, ...args));
          const actual = await mock.call('EVALSHA', REDIS_CONSUME_SHA, ...args).catch(() => mock.call('EVAL', REDIS_CONSUME_SCRIPT, ...args));
          expect(actual).toBe(expected);
          for (let i = 0; i < 4; i++) await real.persist(`${prefix}k${i}`);
          for (let i = 0; i < 4; i++) expect(mock.server.get(`${prefix}k${i}`) ?? null).toBe(await real.get(`${prefix}k${i}`));
        }
        await real.unlink(...[0, 1, 2, 3].map((i) => `${prefix}k${i}`));
      }),
      {
        numRuns: 150,
        examples: [[ciFailure]],
      },
    );
  });

  it('decides as a real Redis through RedisStore, the time from a shared clock, in batches too', async () => {
    const clock = manualClock(1_700_000_000_000);
    const prefix = uniquePrefix('mockstore');
    const onReal = new RedisStore({ client: real, clock, keyPrefix: prefix });
    const onMock = new RedisStore({ client: mockRedis(), clock, keyPrefix: prefix });
    const specs: LimitSpec[] = [
      { key: 'u:fw', algorithm: 'fixed-window', limit: 5, windowMs: 1000, cost: 1 },
      { key: 'u:sw', algorithm: 'sliding-window', limit: 7, windowMs: 2000, cost: 1 },
      { key: 'u:sl', algorithm: 'sliding-log', limit: 4, windowMs: 1500, cost: 1, soft: true },
      { key: 'u:tb', algorithm: 'token-bucket', capacity: 6, refillRate: 2.5, initialTokens: 2, cost: 1 },
      { key: 'u:lb', algorithm: 'leaky-bucket', capacity: 5, leakRate: 3.3, cost: 1 },
      { key: 'u:gc', algorithm: 'gcra', limit: 3, windowMs: 900, burst: 4, cost: 1 },
    ];
    let seed = 17;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let step = 0; step < 60; step++) {
      clock.advance(Math.floor(rand() * 400));
      const calls = Array.from({ length: 1 + Math.floor(rand() * 6) }, () => specs.filter(() => rand() < 0.5).map((s) => ({ ...s, cost: Math.floor(rand() * 4) - (rand() < 0.1 ? 2 : 0) })));
      const live = calls.filter((c) => c.length > 0);
      // Made together: each store batches them into one EVALSHA.
      const [a, b] = await Promise.all([Promise.all(live.map((l) => onReal.consume(l))), Promise.all(live.map((l) => onMock.consume(l)))]);
      expect(b).toEqual(a);
    }
    expect(await onMock.reset({ pattern: 'u:*' })).toBe(await onReal.reset({ pattern: 'u:*' }));
  });
});

describe('RedisStore on a faulty mockRedis', () => {
  const spec: LimitSpec = { key: 'k', algorithm: 'fixed-window', limit: 2, windowMs: 60_000, cost: 1 };
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reloads the script with EVAL after a restart (NOSCRIPT), once', async () => {
    const mock = mockRedis();
    const store = new RedisStore({ client: mock });
    await store.consume([spec]);
    expect(mock.calls.byName).toEqual({ EVALSHA: 1, EVAL: 1 });
    await store.consume([spec]);
    mock.server.flushScripts();
    expect((await store.consume([spec])).allowed).toBe(false);
    expect(mock.calls.byName).toEqual({ EVALSHA: 3, EVAL: 2 });
  });

  it('rejects with ERR_LIMITRATE_STORE on an injected error, and reset through SCAN and UNLINK fails the same way', async () => {
    const mock = mockRedis();
    const store = new RedisStore({ client: mock });
    await store.consume([spec]);
    mock.fail();
    const error = await store.consume([spec]).catch((e: unknown) => e);
    expect(isLimitRateError(error, 'ERR_LIMITRATE_STORE')).toBe(true);
    expect((error as Error).cause).toMatchObject({ injected: true, code: 'ECONNREFUSED' });
    await expect(store.reset({ all: true })).rejects.toMatchObject({ code: 'ERR_LIMITRATE_STORE' });
    mock.fail(false);
    mock.failNext(1);
    await expect(store.reset({ all: true })).rejects.toMatchObject({ code: 'ERR_LIMITRATE_STORE' });
    expect(await store.reset({ all: true })).toBe(1);
    expect(mock.calls.byName).toMatchObject({ SCAN: 3, UNLINK: 1 });
  });

  it('bounds a hung command by commandTimeoutMs (ERR_LIMITRATE_STORE_TIMEOUT)', async () => {
    vi.useFakeTimers();
    const mock = mockRedis({ timeout: Infinity });
    const store = new RedisStore({ client: mock, commandTimeoutMs: 250 });
    mock.fail();
    const pending = store.consume([spec]).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(250);
    expect(await pending).toMatchObject({ code: 'ERR_LIMITRATE_STORE_TIMEOUT' });
  });
});
