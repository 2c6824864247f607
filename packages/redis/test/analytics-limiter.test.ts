// redisAnalytics() inside a RateLimiter: it shares the limiter's RedisStore connection
// (given, configured as { type: 'redis' }, or behind a ResilientStore), refuses a store that
// is not Redis with a coded error, and the fleet report matches the process's own.
import { ConfigError, MemoryStore, RateLimiter, ResilientStore, type LimitRateEvent, type Policies } from '@limitrate/core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRedisAnalytics, redisAnalytics, RedisStore } from '../src/index.js';
import { REDIS_SERVER_BIN, startRedis, uniquePrefix, type TestRedis } from './redis-server.js';

const available = REDIS_SERVER_BIN !== undefined || process.env.LIMITRATE_REDIS_URL !== undefined;
let redis: TestRedis;
let client: Redis;
const policies: Policies = { free: { rate: { maxPerMinute: 10 } } };
const prefixFor = (label: string) => uniquePrefix(`analytics-${label}`).slice(0, -1);

async function traffic(limiter: RateLimiter): Promise<void> {
  for (let i = 0; i < 12; i++) await limiter.check({ userId: 'alice', plan: 'free', endpoint: 'POST|/api/chat' });
  for (let i = 0; i < 3; i++) await limiter.check({ userId: 'bob:{x}', plan: 'free', endpoint: 'GET|/api/items' });
}

describe('attach', () => {
  it('refuses a limiter store that is not Redis, with a coded error and a hint', () => {
    const sink = redisAnalytics();
    let error: unknown;
    try {
      sink.attach!({ store: new MemoryStore() });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ code: 'ERR_LIMITRATE_INVALID_CONFIG', path: 'analytics.sink' });
    expect((error as ConfigError).issues[0]!.hint).toMatch(/redisAnalytics\(\{ url/);
    expect((error as Error).message).toMatch(/"memory" store/);
  });

  it('surfaces in a limiter on the memory store: thrown at construction, or reported as a callback_error', async () => {
    const events: LimitRateEvent[] = [];
    let thrown: unknown;
    let limiter: RateLimiter | undefined;
    try {
      limiter = new RateLimiter({ policies, analytics: { sink: redisAnalytics() }, onEvent: (e) => void events.push(e) });
    } catch (e) {
      thrown = e;
    }
    await limiter?.events.flush(); // listeners run asynchronously
    const reported = events.find((e) => e.type === 'callback_error');
    const error = thrown ?? (reported?.type === 'callback_error' ? reported.error.cause : undefined);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ code: 'ERR_LIMITRATE_INVALID_CONFIG', path: 'analytics.sink' });
    await limiter?.close();
  });
});

describe.skipIf(!available)('in a limiter', () => {
  beforeAll(async () => {
    redis = await startRedis();
    client = redis.client();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it("shares a RedisStore's connection; the fleet report equals the process report", async () => {
    const prefix = prefixFor('shared');
    const store = new RedisStore({ client, keyPrefix: uniquePrefix('store') });
    const limiter = new RateLimiter({ policies, store, analytics: { sink: redisAnalytics({ prefix }), instanceId: 'web-1' } });
    await traffic(limiter);
    await limiter.analytics!.flush();
    const query = { range: 'hour', top: 10, blocks: 10 } as const;
    const own = limiter.analytics!.report(query);
    const fleet = await readRedisAnalytics(client, query, { prefix });
    expect(fleet.totals).toEqual(own.totals);
    expect(fleet.totals).toMatchObject({ requests: 15, blocked: 2 });
    expect(fleet.users).toEqual(own.users);
    expect(fleet.endpoints).toEqual(own.endpoints);
    expect(fleet.plans).toEqual(own.plans);
    expect(fleet.recentBlocks).toEqual(own.recentBlocks);
    expect(fleet.store.operations).toBe(own.store.operations);
    expect(fleet.source.instances.map((i) => [i.id, i.store])).toEqual([['web-1', 'redis']]);
    await limiter.close();
    // close() wrote what was left and left the fleet; the store (passed in) stays usable.
    expect((await readRedisAnalytics(client, query, { prefix })).source.instances).toEqual([]);
    await store.close();
    expect(await client.ping()).toBe('PONG');
  });

  it("uses the connection of a store configured as { type: 'redis', url } once it has loaded", async () => {
    const prefix = prefixFor('deferred');
    const limiter = new RateLimiter({ policies, store: { type: 'redis', url: redis.url, keyPrefix: uniquePrefix('deferred') }, analytics: { sink: redisAnalytics({ prefix }) } });
    await traffic(limiter);
    await limiter.analytics!.flush();
    const fleet = await readRedisAnalytics(client, { range: 'now' }, { prefix });
    expect(fleet.totals).toMatchObject({ requests: 15, blocked: 2, allowed: 13 });
    expect(fleet.users.map((u) => u.user).sort()).toEqual(['alice', 'bob:{x}']);
    await limiter.close();
  });

  it('runs the README example', async () => {
    const url = redis.url;
    const prefix = prefixFor('readme');
    const limiter = new RateLimiter({
      policies: { free: { rate: { maxPerMinute: 10 } }, pro: { rate: { maxPerMinute: 600 } } },
      store: { type: 'redis', url, keyPrefix: uniquePrefix('readme') },
      analytics: { sink: redisAnalytics({ prefix }) }, // shares the store's connection
    });
    await limiter.check({ userId: 'u1', plan: 'free', endpoint: 'POST|/api/chat' });
    await limiter.close();

    const reader = new Redis(url);
    const report = await readRedisAnalytics(reader, { range: 'hour', filter: { plan: 'free' }, top: 10 }, { prefix });
    expect([report.totals.requests, report.users[0]?.user, report.source.instances.length]).toEqual([1, 'u1', 0]); // closed: left the fleet
    await reader.quit();
  });

  it('finds the RedisStore behind a ResilientStore', async () => {
    const prefix = prefixFor('resilient');
    const store = new ResilientStore(new RedisStore({ client, keyPrefix: uniquePrefix('res') }), { insurance: new MemoryStore() });
    const limiter = new RateLimiter({ policies, store, analytics: { sink: redisAnalytics({ prefix }) } });
    await traffic(limiter);
    await limiter.analytics!.flush();
    expect((await readRedisAnalytics(client, {}, { prefix })).totals.requests).toBe(15);
    await limiter.close();
  });

  it('two limiters (a fleet of two) add up; each flushes on its own timer', async () => {
    const prefix = prefixFor('fleet');
    const make = (id: string) =>
      new RateLimiter({ policies, store: new RedisStore({ client, keyPrefix: uniquePrefix('fleet') }), analytics: { sink: redisAnalytics({ url: redis.url, prefix }), instanceId: id, flushInterval: 100 } });
    const a = make('a');
    const b = make('b');
    await Promise.all([traffic(a), traffic(b)]);
    // Each flushes on its own timer (every 100 ms): no flush() call here.
    let fleet = await readRedisAnalytics(client, { range: 'hour' }, { prefix });
    for (let i = 0; i < 100 && fleet.totals.requests < 30; i++) {
      await new Promise((r) => setTimeout(r, 50));
      fleet = await readRedisAnalytics(client, { range: 'hour' }, { prefix });
    }
    expect(fleet.totals).toMatchObject({ requests: 30, blocked: 4 });
    expect(fleet.source.instances.map((i) => i.id)).toEqual(expect.arrayContaining(['a', 'b']));
    await Promise.all([a.close(), b.close()]);
  });
});
