// UpstashStore on @limitrate/testing's mockUpstash: the store conformance suite (time from
// the suite's clock, and from the mock's TIME), the differential suite against MemoryStore,
// the same answers as UpstashStore through the local REST server on a real Redis, a real
// @upstash/redis client over the mock's requester, and faults through the store.
import { isLimitRateError, manualClock, type AlgorithmSpec, type LimitSpec } from '@limitrate/core';
import { defineStoreConformance } from '@limitrate/testing';
import { Redis } from '@upstash/redis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { describeDifferential } from '../../redis/test/differential-suite.js';
import { REDIS_SERVER_BIN } from '../../redis/test/redis-server.js';
// The source, not the build: @limitrate/testing depends on nothing here, so no build order to keep.
import { mockUpstash, type MockUpstash } from '@limitrate/testing';
import { UpstashStore } from '../src/index.js';
import { startHarness, uniquePrefix, type Harness } from './harness.js';

/** UpstashStore's client type is @upstash/redis's class; the mock has the part of it the store uses. */
const asClient = (mock: MockUpstash) => mock as unknown as Redis;

defineStoreConformance(
  { describe, it },
  { name: 'UpstashStore on mockUpstash (clock injected)', create: ({ clock, namespace }) => new UpstashStore({ client: asClient(mockUpstash({ clock })), clock, keyPrefix: `${namespace}:` }) },
);
defineStoreConformance(
  { describe, it },
  { name: "UpstashStore on mockUpstash (the mock's TIME)", create: ({ clock, namespace }) => new UpstashStore({ client: asClient(mockUpstash({ clock })), keyPrefix: `${namespace}:` }) },
);

describeDifferential('UpstashStore on mockUpstash', (clock) => new UpstashStore({ client: asClient(mockUpstash()), clock }));

describe.skipIf(REDIS_SERVER_BIN === undefined && !process.env.LIMITRATE_REDIS_URL)('mockUpstash against the REST server on a real Redis', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('gives the same answers through UpstashStore, hostile keys and resets included', async () => {
    const clock = manualClock(1_700_000_000_000);
    const prefix = uniquePrefix('mockup');
    const onReal = new UpstashStore({ client: h.upstash(), clock, keyPrefix: prefix });
    const onMock = new UpstashStore({ client: asClient(mockUpstash()), clock, keyPrefix: prefix });
    const keys = ['u1:GET|/a', 'ü\uFFFF:x', 'lone\uD800:y', '{tag}:*?[z]'];
    const specs: AlgorithmSpec[] = [
      { algorithm: 'sliding-window', limit: 4, windowMs: 1000 },
      { algorithm: 'token-bucket', capacity: 3, refillRate: 1.5, initialTokens: 1 },
      { algorithm: 'sliding-log', limit: 3, windowMs: 700 },
      { algorithm: 'gcra', limit: 5, windowMs: 2000, burst: 2 },
    ];
    let seed = 5;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let step = 0; step < 50; step++) {
      clock.advance(Math.floor(rand() * 300));
      const limits = specs.map((s, i) => ({ ...s, key: keys[i]!, cost: Math.floor(rand() * 3) }) as LimitSpec).filter(() => rand() < 0.7);
      if (limits.length === 0) continue;
      expect(await onMock.consume(limits)).toEqual(await onReal.consume(limits));
    }
    for (const selector of [{ pattern: 'lone*' }, { keys: [keys[0]!, 'nope'] }, { all: true as const }]) {
      expect(await onMock.reset(selector)).toBe(await onReal.reset(selector));
    }
  });
});

describe('mockUpstash behind UpstashStore', () => {
  const spec: LimitSpec = { key: 'k', algorithm: 'fixed-window', limit: 2, windowMs: 60_000, cost: 1 };
  afterEach(() => {
    vi.useRealTimers();
  });

  it("is a Requester: new Redis(mock.client) is a real @upstash/redis client on the mock's data", async () => {
    const mock = mockUpstash();
    const redis = new Redis(mock.client);
    const store = new UpstashStore({ client: redis });
    expect((await store.consume([spec])).allowed).toBe(true);
    expect(await redis.set('plain', 'text')).toBe('OK');
    expect(await redis.get('plain')).toBe('text');
    expect(await redis.dbsize()).toBe(2);
    expect(mock.calls.byName).toMatchObject({ EVALSHA: 1, EVAL: 1, SET: 1, GET: 1, DBSIZE: 1 });
  });

  it('fails with ERR_LIMITRATE_STORE on an injected error, and aborts a hung request at timeoutMs', async () => {
    const mock = mockUpstash({ timeout: Infinity });
    const store = new UpstashStore({ client: asClient(mock), timeoutMs: 200 });
    mock.failNext(1, 'error');
    const error = await store.consume([spec]).catch((e: unknown) => e);
    expect(isLimitRateError(error, 'ERR_LIMITRATE_STORE')).toBe(true);
    vi.useFakeTimers();
    mock.fail();
    const pending = store.reset({ all: true }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(200);
    expect(await pending).toMatchObject({ code: 'ERR_LIMITRATE_STORE_TIMEOUT' });
    expect(mock.calls).toMatchObject({ failed: 1, timedOut: 1 });
  });
});
