// redisAnalytics() and readRedisAnalytics() against a real Redis: exact round trips (totals,
// plans, endpoints, users, micro-dollars, latency histogram), several writers, bounded users
// under a spray, TTLs on every key, hostile identifiers, capped blocks, expiring instances.
import { isLimitRateError, type AnalyticsBucket, type BlockRecord } from '@limitrate/core';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRedisAnalytics, redisAnalytics } from '../src/index.js';
import { MAX_ID_LENGTH, storedId } from '../src/analytics/codec.js';
import { analyticsKeys } from '../src/analytics/keys.js';
import { batch, block, comparable, counts, expectedReport, HOUR, instance, MINUTE, minute } from './analytics-fixtures.js';
import { REDIS_SERVER_BIN, startRedis, uniquePrefix, type TestRedis } from './redis-server.js';

const available = REDIS_SERVER_BIN !== undefined || process.env.LIMITRATE_REDIS_URL !== undefined;
let redis: TestRedis;
let client: Redis;

/** An analytics prefix of its own (no trailing colon needed; braces are not allowed). */
const prefixFor = (label: string) => uniquePrefix(`analytics-${label}`).slice(0, -1);

/** Every key under a prefix, with its PTTL. */
async function keysWithTtl(prefix: string): Promise<Map<string, number>> {
  const found = await client.keys(`${analyticsKeys(prefix).tag.replace(/[*?[\]\\]/g, '\\$&')}*`);
  const out = new Map<string, number>();
  for (const k of found) out.set(k, await client.pttl(k));
  return out;
}

describe.skipIf(!available)('redis analytics', () => {
  beforeAll(async () => {
    redis = await startRedis();
    client = redis.client();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('round-trips a batch exactly: totals, plans, endpoints, users, otherUsers, micro-dollars, latency', async () => {
    const prefix = prefixFor('rt');
    const now = Date.now();
    const m0 = Math.floor(now / MINUTE) * MINUTE;
    const minutes: AnalyticsBucket[] = [
      minute(m0 - MINUTE, {
        pairs: [
          ['free', 'POST|/api/chat', counts(7, 2, 0.1, 300)],
          ['pro', 'GET|/api/items', counts(4, 0, 0.2, 0)],
        ],
        users: [
          ['u1', 'free', 'POST|/api/chat', counts(5, 2, 0.07, 200)],
          ['u2', 'pro', 'GET|/api/items', counts(4, 0, 0.2, 0)],
        ],
        other: counts(2, 0, 0.03, 100),
        latencies: [0.4, 1.25, 3, 120.5],
        errors: 1,
      }),
      minute(m0, {
        pairs: [['free', 'POST|/api/chat', counts(3, 1, 0.000123, 50)]],
        users: [['u1', 'free', 'POST|/api/chat', counts(3, 1, 0.000123, 50)]],
        latencies: [0.02, 7000],
      }),
    ];
    const blocks = [block(now - 50_000, 'u1'), block(now - 1000, 'u1')];
    const inst = instance('i-1');
    const sink = redisAnalytics({ client, prefix });
    await sink.write(batch(inst, minutes, blocks));

    for (const range of ['now', 'hour', 'day'] as const) {
      const query = { range, top: 100, blocks: 100 };
      const report = await readRedisAnalytics(client, query, { prefix, now });
      const expected = expectedReport(now, minutes, blocks.map((b) => ({ ...b, instance: 'i-1' })), [inst], query);
      expect(comparable(report), range).toEqual(comparable(expected));
      expect(report.totals).toMatchObject({ requests: 14, blocked: 3, tokens: 350 });
      expect(report.totals.cost).toBe(0.300123);
      expect(report.source.kind).toBe('redis');
      expect(report.source.instances.map((i) => i.id)).toEqual(['i-1']);
    }

    // Raw storage: integers only (micro-dollars, microseconds), the histogram adds up.
    const keys = analyticsKeys(prefix);
    const pair = await client.hget(keys.minute(m0 - MINUTE), JSON.stringify(['free', 'POST|/api/chat']));
    expect(pair).toBe('7,5,0,2,0,0,100000,300');
    const hourPair = await client.hget(keys.hour(Math.floor(m0 / HOUR) * HOUR), JSON.stringify(['free', 'POST|/api/chat']));
    expect(hourPair).toBe(Math.floor(m0 / HOUR) === Math.floor((m0 - MINUTE) / HOUR) ? '10,7,0,3,0,0,100123,350' : '3,2,0,1,0,0,123,50');
    const store = (await client.hget(keys.minute(m0 - MINUTE), 's'))!.split(',').map(Number);
    expect(store.slice(0, 3)).toEqual([5, 1, 125_150]); // 5 operations (1 an error), 125.15 ms in µs
    expect(store.slice(3).reduce((a, b) => a + b, 0)).toBe(4); // the histogram counts the 4 timed ones
    const report = await readRedisAnalytics(client, { range: 'hour' }, { prefix, now });
    expect(report.store).toMatchObject({ operations: 7, errors: 1, latencyP99Ms: 10_000, status: 'degraded' }); // an error in the previous minute
    expect(report.store.latencyAvgMs).toBeCloseTo((0.4 + 1.25 + 3 + 120.5 + 0.02 + 7000) / 7, 9);
  });

  it('never drifts on cost: 10,000 writes of $0.1 sum to exactly $1,000', async () => {
    const prefix = prefixFor('drift');
    const sink = redisAnalytics({ client, prefix });
    const m0 = Math.floor(Date.now() / MINUTE) * MINUTE;
    const writes = [];
    for (let i = 0; i < 100; i++) {
      const users: NonNullable<Parameters<typeof minute>[1]['users']> = [];
      for (let j = 0; j < 100; j++) users.push([`u${j}`, 'free', 'GET|/a', counts(1, 0, 0.1)]);
      writes.push(sink.write(batch(instance('i'), [minute(m0, { pairs: [['free', 'GET|/a', counts(100, 0, 10)]], users })])));
    }
    await Promise.all(writes);
    const report = await readRedisAnalytics(client, { range: 'hour', top: 1000 }, { prefix });
    expect(report.totals.cost).toBe(1000);
    expect(report.users).toHaveLength(100);
    for (const u of report.users) expect(u.cost).toBe(10);
  });

  it('applies a batch sent again (same sequence, after a write that timed out but went through) once', async () => {
    const prefix = prefixFor('once');
    const sink = redisAnalytics({ client, prefix });
    const m0 = Math.floor(Date.now() / MINUTE) * MINUTE;
    const inst = instance('web-1');
    const delta = (n: number) => [minute(m0, { pairs: [['free', 'GET|/a', counts(n, 0, 0)]] })];
    await sink.write(batch(inst, delta(3), [], { sequence: 1 }));
    await sink.write(batch(inst, delta(3), [], { sequence: 1 })); // the retry of a write that had gone through
    await sink.write(batch(inst, delta(4), [], { sequence: 2 }));
    await sink.write(batch(inst, delta(100), [], { sequence: 1 })); // older than what was applied
    // Another instance counts on its own sequence.
    const other = redisAnalytics({ client, prefix });
    await other.write(batch(instance('web-2'), delta(5), [], { sequence: 1 }));
    await other.close?.();
    const report = await readRedisAnalytics(client, { range: 'hour' }, { prefix });
    expect(report.totals.requests).toBe(12);
    expect(await client.hget(analyticsKeys(prefix).applied, JSON.stringify('web-1'))).toBe('2');
    await sink.close?.();
    // Leaving forgets the instance's sequence.
    expect(await client.hget(analyticsKeys(prefix).applied, JSON.stringify('web-1'))).toBeNull();
  });

  it('adds up two independent writers (two sinks, two instances) into one fleet report', async () => {
    const prefix = prefixFor('two');
    const now = Date.now();
    const m0 = Math.floor(now / MINUTE) * MINUTE;
    const a = redisAnalytics({ client, prefix });
    const b = redisAnalytics({ url: redis.url, prefix });
    const ia = instance('web-1', now - 120_000);
    const ib = instance('web-2', now - 30_000);
    const ma = [minute(m0, { pairs: [['free', 'GET|/a', counts(10, 3, 0.5)]], users: [['shared', 'free', 'GET|/a', counts(6, 3, 0.3)], ['only-a', 'free', 'GET|/a', counts(4, 0, 0.2)]], latencies: [1, 2] })];
    const mb = [
      minute(m0, { pairs: [['free', 'GET|/a', counts(5, 1, 0.25)], ['pro', 'GET|/b', counts(2)]], users: [['shared', 'free', 'GET|/a', counts(5, 1, 0.25)], ['only-b', 'pro', 'GET|/b', counts(2)]], latencies: [3] }),
      minute(m0 - MINUTE, { pairs: [['pro', 'GET|/b', counts(1)]], users: [['only-b', 'pro', 'GET|/b', counts(1)]] }),
    ];
    await Promise.all([a.write(batch(ia, ma, [block(now - 2000, 'shared')])), b.write(batch(ib, mb, [block(now - 1000, 'shared')]))]);
    const report = await readRedisAnalytics(client, { range: 'hour', top: 10 }, { prefix });
    expect(report.totals).toMatchObject({ requests: 18, blocked: 4, cost: 0.75 });
    expect(report.users.find((u) => u.user === 'shared')).toMatchObject({ requests: 11, blocked: 4, cost: 0.55 });
    expect(report.endpoints.map((e) => [e.endpoint, e.requests])).toEqual([
      ['GET|/a', 15],
      ['GET|/b', 3],
    ]);
    expect(report.store.operations).toBe(3);
    expect(report.source.instances.map((i) => i.id)).toEqual(['web-1', 'web-2']);
    expect(report.store.uptimeSeconds).toBeGreaterThanOrEqual(119);
    expect(report.store.uptimeSeconds).toBeLessThan(140);
    expect(report.recentBlocks.map((x) => x.instance)).toEqual(['web-2', 'web-1']);
    // The same as one process that saw everything.
    const expected = expectedReport(report.generatedAt, [...ma, ...mb], [], [ia, ib], { range: 'hour', top: 10 });
    expect(report.totals).toEqual(expected.totals);
    expect(report.users).toEqual(expected.users);
    expect(report.plans).toEqual(expected.plans);
    expect(report.series).toEqual(expected.series);
    await Promise.all([a.close!(), b.close!()]);
  });

  it('keeps users bounded under a spray of 10,000 unique users; totals stay exact through otherUsers', async () => {
    const prefix = prefixFor('spray');
    const keys = analyticsKeys(prefix);
    const sink = redisAnalytics({ client, prefix });
    const m0 = Math.floor(Date.now() / MINUTE) * MINUTE;
    const h0 = Math.floor(m0 / HOUR) * HOUR;
    const top = 50;
    let requests = 0;
    let cost = 0;
    // 100 batches of 100 new users each (1 request, $0.001), and 3 heavy users in every batch.
    for (let i = 0; i < 100; i++) {
      const users: NonNullable<Parameters<typeof minute>[1]['users']> = [];
      for (let j = 0; j < 100; j++) users.push([`spray-${i}-${j}-${'z'.repeat(20)}`, 'free', 'GET|/a', counts(1, 0, 0.001)]);
      for (const heavy of ['heavy-1', 'heavy-2', 'heavy-3']) users.push([heavy, 'free', 'GET|/a', counts(5, 1, 0.01)]);
      requests += 115;
      cost += 100 * 1000 + 3 * 10_000; // micro-dollars
      await sink.write(batch(instance('i'), [minute(m0, { pairs: [['free', 'GET|/a', counts(115, 3, 0.13)]], users })], [], { topUsers: top }));
      expect(await client.hlen(keys.minuteUsers(m0))).toBeLessThanOrEqual(2 * top);
      expect(await client.hlen(keys.hourUsers(h0))).toBeLessThanOrEqual(2 * top);
    }
    // One batch with 10,000 users at once.
    const users: NonNullable<Parameters<typeof minute>[1]['users']> = [];
    for (let j = 0; j < 10_000; j++) users.push([`burst-${j}`, 'pro', 'GET|/b', counts(1)]);
    await sink.write(batch(instance('i'), [minute(m0, { pairs: [['pro', 'GET|/b', counts(10_000)]], users })], [], { topUsers: top }));
    requests += 10_000;
    expect(await client.hlen(keys.minuteUsers(m0))).toBeLessThanOrEqual(2 * top);
    expect(await client.hlen(keys.hourUsers(h0))).toBeLessThanOrEqual(2 * top);
    expect(await client.hlen(keys.minute(m0))).toBe(3); // otherUsers and the 2 pairs
    const report = await readRedisAnalytics(client, { range: 'hour', top: 1000 }, { prefix });
    expect(report.totals.requests).toBe(requests);
    expect(Math.round(report.totals.cost * 1e6)).toBe(cost);
    const listed = report.users.reduce((s, u) => s + u.requests, 0);
    expect(listed + report.otherUsers.requests).toBe(requests);
    // The heavy users are never folded away.
    expect(report.users.slice(0, 3).map((u) => [u.user, u.requests]).sort()).toEqual([
      ['heavy-1', 500],
      ['heavy-2', 500],
      ['heavy-3', 500],
    ]);
    const usage = async (key: string) => (await client.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) as number;
    const minuteBytes = (await usage(keys.minute(m0))) + (await usage(keys.minuteUsers(m0)));
    const hourBytes = (await usage(keys.hour(h0))) + (await usage(keys.hourUsers(h0)));
    console.log(`[analytics] after 20,000 unique users (topUsers ${top}): minute bucket ${minuteBytes} bytes, hour bucket ${hourBytes} bytes`);
    expect(minuteBytes).toBeLessThan(32 * 1024);
    expect(hourBytes).toBeLessThan(32 * 1024);
  }, 60_000);

  it('sets a TTL on every key, never longer than the retention (minute keys at most minuteRetentionMs)', async () => {
    const prefix = prefixFor('ttl');
    const now = Date.now();
    const m0 = Math.floor(now / MINUTE) * MINUTE;
    const spec = { pairs: [['free', 'GET|/a', counts(1)]], users: [['u', 'free', 'GET|/a', counts(1)]], latencies: [1] } as Parameters<typeof minute>[1];
    const sink = redisAnalytics({ client, prefix, minuteRetentionMs: 2 * HOUR });
    await sink.write(batch(instance('i'), [minute(m0, spec), minute(m0 - 90 * MINUTE, spec)], [block(now, 'u')], { retentionMs: 3 * HOUR }));
    const found = await keysWithTtl(prefix);
    // 2 minutes x 2 hashes, 2 hours x 2 hashes (the 2 minutes are always in different hours), blocks and instances (2).
    expect(found.size).toBe(4 + 4 + 3);
    for (const [key, ttl] of found) {
      expect(ttl, key).toBeGreaterThan(0);
      expect(ttl, key).toBeLessThanOrEqual(3 * HOUR);
      if (key.includes('}:m:')) expect(ttl, key).toBeLessThanOrEqual(2 * HOUR);
    }
    // The minute of 90 minutes ago expires 2 hours after its start; its hour 3 hours after the hour's start.
    const old = m0 - 90 * MINUTE;
    expect(found.get(analyticsKeys(prefix).minute(old))).toBeLessThanOrEqual(old + 2 * HOUR - now + 1000);
    // A retention shorter than minuteRetentionMs caps the minutes too; a delta already past retention is not written.
    const short = prefixFor('ttl-short');
    await redisAnalytics({ client, prefix: short }).write(batch(instance('i'), [minute(m0, spec), minute(m0 - 3 * HOUR, spec)], [], { retentionMs: HOUR }));
    const shortKeys = await keysWithTtl(short);
    for (const [key, ttl] of shortKeys) expect(ttl, key).toBeLessThanOrEqual(HOUR);
    expect([...shortKeys.keys()].some((k) => k.includes(String(m0 - 3 * HOUR)))).toBe(false);
  });

  it('round-trips hostile identifiers without collisions; huge ones are stored shortened and still distinct', async () => {
    const prefix = prefixFor('hostile');
    const ids = ['', ' ', ':', '::', '|', 'a|b', '["x"]', '[', '{', '}', '{}', 'o', 's', 'ключ', '用户', '🙂', '\uD800', '\uDC00x', 'e\u0301', '%7B', '\u0000', 'a\nb', '"', '\\', 'x'.repeat(MAX_ID_LENGTH)];
    const m0 = Math.floor(Date.now() / MINUTE) * MINUTE;
    const users = ids.map((id, i) => [id, 'free', 'GET|/a', counts(i + 1)] as [string, string, string, ReturnType<typeof counts>]);
    const pairs: Array<[string, string, ReturnType<typeof counts>]> = [
      ['a|b', 'c', counts(1)],
      ['a', 'b|c', counts(2)],
      ['\uD800', 'x', counts(3)],
      ['\uFFFD', 'x', counts(4)],
      ['o', 's', counts(5)],
    ];
    const hugeA = 'x'.repeat(10_240);
    const hugeB = `${'x'.repeat(10_239)}y`;
    users.push([hugeA, 'free', 'GET|/a', counts(1000)], [hugeB, 'free', 'GET|/a', counts(2000)]);
    const sink = redisAnalytics({ client, prefix });
    await sink.write(batch(instance('i'), [minute(m0, { pairs, users })], [block(Date.now(), '\uD800:|{}', 'p|l', 'GET|/a:b'), block(Date.now(), hugeA)]));
    const report = await readRedisAnalytics(client, { range: 'now', top: 1000, blocks: 10 }, { prefix });
    const byUser = new Map(report.users.map((u) => [u.user, u.requests]));
    ids.forEach((id, i) => expect(byUser.get(id), JSON.stringify(id.slice(0, 20))).toBe(i + 1));
    expect(byUser.get(storedId(hugeA))).toBe(1000);
    expect(byUser.get(storedId(hugeB))).toBe(2000);
    expect(storedId(hugeA)).not.toBe(storedId(hugeB));
    expect(storedId(hugeA).length).toBeLessThan(MAX_ID_LENGTH + 30);
    expect(report.users).toHaveLength(ids.length + 2);
    expect(new Map(report.plans.map((p) => [p.plan, p.requests]))).toEqual(
      new Map([
        ['o', 5],
        ['\uFFFD', 4],
        ['\uD800', 3],
        ['a', 2],
        ['a|b', 1],
      ]),
    );
    expect(report.recentBlocks.map((b) => [b.user, b.plan, b.endpoint])).toContainEqual(['\uD800:|{}', 'p|l', 'GET|/a:b']);
    expect(report.recentBlocks.map((b) => b.user)).toContain(storedId(hugeA));
  });

  it('caps the blocks list, newest first', async () => {
    const prefix = prefixFor('blocks');
    const sink = redisAnalytics({ client, prefix });
    const t = Date.now() - 60_000;
    const all: BlockRecord[] = [];
    for (let w = 0; w < 4; w++) {
      const blocks = Array.from({ length: 5 }, (_, i) => block(t + w * 5 + i, `u${w * 5 + i}`));
      all.push(...blocks);
      await sink.write(batch(instance('i'), [], blocks, { recentBlocks: 8 }));
    }
    const stored = await client.lrange(analyticsKeys(prefix).blocks, 0, -1);
    expect(stored).toHaveLength(8);
    expect(stored.map((s) => (JSON.parse(s) as BlockRecord).user)).toEqual(all.slice(-8).reverse().map((b) => b.user));
    const report = await readRedisAnalytics(client, { range: 'now', blocks: 100 }, { prefix });
    expect(report.recentBlocks.map((b) => b.user)).toEqual(all.slice(-8).reverse().map((b) => b.user));
    // A batch with more blocks than the cap keeps its newest.
    await sink.write(batch(instance('i'), [], Array.from({ length: 20 }, (_, i) => block(t + 100 + i, `late${i}`)), { recentBlocks: 3 }));
    expect((await client.lrange(analyticsKeys(prefix).blocks, 0, -1)).map((s) => (JSON.parse(s) as BlockRecord).user)).toEqual(['late19', 'late18', 'late17']);
  });

  it('reports live instances only; an instance that stops writing is forgotten, one that closes leaves at once', async () => {
    const prefix = prefixFor('inst');
    const keys = analyticsKeys(prefix);
    const now = Date.now();
    const quick = redisAnalytics({ client, prefix, instanceTimeoutMs: 1000 });
    const steady = redisAnalytics({ client, prefix });
    await quick.write(batch(instance('quick', now - 500_000), []));
    await steady.write(batch(instance('steady', now - 50_000), []));
    let report = await readRedisAnalytics(client, {}, { prefix });
    expect(report.source.instances.map((i) => i.id)).toEqual(['quick', 'steady']);
    expect(report.store.uptimeSeconds).toBeGreaterThanOrEqual(500);
    expect(report.store.name).toBe('redis');
    const seen = report.source.instances[1]!.lastSeen;
    expect(Math.abs(seen - Date.now())).toBeLessThan(5000); // the server's clock
    await new Promise((r) => setTimeout(r, 1100));
    report = await readRedisAnalytics(client, {}, { prefix });
    expect(report.source.instances.map((i) => i.id)).toEqual(['steady']);
    expect(report.store.uptimeSeconds).toBeLessThan(100); // the oldest *live* instance
    expect(await client.hlen(keys.instances)).toBe(2); // until the next write prunes it
    await steady.write(batch(instance('steady', now - 50_000), []));
    expect(await client.hkeys(keys.instances)).toEqual([JSON.stringify('steady')]);
    await steady.close!();
    expect(await client.hlen(keys.instances)).toBe(0);
    report = await readRedisAnalytics(client, {}, { prefix });
    expect(report.source.instances).toEqual([]);
    expect(report.store.name).toBe('unknown');
  });

  it('reads what the range needs: minutes for now and hour, hours for day', async () => {
    const prefix = prefixFor('ranges');
    const now = Date.now();
    const m0 = Math.floor(now / MINUTE) * MINUTE;
    const ago = (minutes: number) => minute(m0 - minutes * MINUTE, { pairs: [['free', 'GET|/a', counts(minutes + 1)]] });
    const minutes = [ago(0), ago(4), ago(5), ago(59), ago(60), ago(3 * 60), ago(23 * 60), ago(25 * 60)];
    const sink = redisAnalytics({ client, prefix });
    await sink.write(batch(instance('i'), minutes));
    const sum = (r: Awaited<ReturnType<typeof readRedisAnalytics>>) => r.totals.requests;
    expect(sum(await readRedisAnalytics(client, { range: 'now' }, { prefix, now }))).toBe(1 + 5);
    expect(sum(await readRedisAnalytics(client, { range: 'hour' }, { prefix, now }))).toBe(1 + 5 + 6 + 60);
    const day = await readRedisAnalytics(client, { range: 'day' }, { prefix, now });
    // Hours: the 24 hour buckets up to the current one; the minute of 25 h ago may or may not fall in the oldest.
    const h0 = Math.floor(now / HOUR) * HOUR;
    const inDay = minutes.filter((m) => Math.floor(m.start / HOUR) * HOUR >= h0 - 23 * HOUR).reduce((s, m) => s + m.pairs[0]!.requests, 0);
    expect(sum(day)).toBe(inDay);
    expect(day.series).toHaveLength(24);
    expect(day.range.resolution).toBe('hour');
    // Without `now`, the server's clock decides (one round trip).
    expect(sum(await readRedisAnalytics(client, { range: 'hour' }, { prefix }))).toBeGreaterThanOrEqual(1);
  });

  it('refuses bad options with coded errors', async () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return isLimitRateError(e) ? [e.code, (e as { path?: string }).path] : ['not coded', String(e)];
      }
      return ['no error'];
    };
    expect(code(() => redisAnalytics({ client, url: redis.url }))).toEqual(['ERR_LIMITRATE_INVALID_CONFIG', 'redisAnalytics.client']);
    expect(code(() => redisAnalytics({ prefix: 'a{b}' }))).toEqual(['ERR_LIMITRATE_INVALID_CONFIG', 'redisAnalytics.prefix']);
    expect(code(() => redisAnalytics({ prefix: '' }))).toEqual(['ERR_LIMITRATE_INVALID_CONFIG', 'redisAnalytics.prefix']);
    expect(code(() => redisAnalytics({ minuteRetentionMs: 60_000 }))).toEqual(['ERR_LIMITRATE_INVALID_CONFIG', 'redisAnalytics.minuteRetentionMs']);
    expect(code(() => redisAnalytics({ instanceTimeoutMs: -1 }))).toEqual(['ERR_LIMITRATE_INVALID_CONFIG', 'redisAnalytics.instanceTimeoutMs']);
    await expect(readRedisAnalytics(client, { range: 'week' as 'day' })).rejects.toMatchObject({ code: 'ERR_LIMITRATE_INVALID_REQUEST' });
    await expect(readRedisAnalytics(client, {}, { prefix: '{x}' })).rejects.toMatchObject({ code: 'ERR_LIMITRATE_INVALID_CONFIG' });
    // Writing without a client, url or attach.
    await expect(redisAnalytics().write(batch(instance('i'), []))).rejects.toMatchObject({ code: 'ERR_LIMITRATE_INVALID_CONFIG' });
    // After close.
    const sink = redisAnalytics({ client, prefix: prefixFor('closed') });
    await sink.close!();
    await expect(sink.write(batch(instance('i'), []))).rejects.toMatchObject({ code: 'ERR_LIMITRATE_CLOSED' });
    // A url sink closes its own client; a given client stays open.
    const own = redisAnalytics({ url: redis.url, prefix: prefixFor('own') });
    await own.write(batch(instance('i'), []));
    await own.close!();
    expect(await client.ping()).toBe('PONG');
  });

  it('a failing Redis rejects the write with a coded error', async () => {
    const sink = redisAnalytics({ url: 'redis://127.0.0.1:1', prefix: prefixFor('down'), commandTimeoutMs: 2000 });
    const error = await sink.write(batch(instance('i'), [])).catch((e: unknown) => e);
    expect(isLimitRateError(error)).toBe(true);
    expect((error as { code: string }).code).toMatch(/^ERR_LIMITRATE_STORE/);
    await sink.close!();
  });
});
