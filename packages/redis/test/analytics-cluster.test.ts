// Redis analytics on a 3-master Redis Cluster: every key shares the `{prefix}` hash tag, so a
// batch is one EVALSHA on one master and a report one read; two writers add up; a script
// flush on the masters costs one EVAL; a RedisStore's Cluster client is shared.
import { RateLimiter } from '@limitrate/core';
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRedisAnalytics, redisAnalytics, RedisStore } from '../src/index.js';
import { analyticsKeys } from '../src/analytics/keys.js';
import { keySlot } from '../src/slot.js';
import { batch, block, counts, HOUR, instance, MINUTE, minute } from './analytics-fixtures.js';
import { startCluster, type TestCluster } from './cluster-helper.js';
import { REDIS_SERVER_BIN, uniquePrefix } from './redis-server.js';

const available = REDIS_SERVER_BIN !== undefined || process.env.LIMITRATE_REDIS_CLUSTER_NODES !== undefined;
let cluster: TestCluster;
let client: Cluster;
const prefixFor = (label: string) => uniquePrefix(`analytics-${label}`).slice(0, -1);

describe.skipIf(!available)('redis analytics on a Cluster', () => {
  beforeAll(async () => {
    cluster = await startCluster();
    client = cluster.client();
    await client.ping();
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('puts every key in one slot and reads back what two writers wrote', async () => {
    const prefix = prefixFor('cluster');
    const keys = analyticsKeys(prefix);
    const now = Date.now();
    const m0 = Math.floor(now / MINUTE) * MINUTE;
    const a = redisAnalytics({ client, prefix });
    const b = redisAnalytics({ client: cluster.client(), prefix });
    const spec = (n: number) => ({ pairs: [['free', 'POST|/api/chat', counts(n, 1, 0.5)]], users: [['{u}:1', 'free', 'POST|/api/chat', counts(n, 1, 0.5)]], latencies: [2] }) as Parameters<typeof minute>[1];
    await Promise.all([a.write(batch(instance('a'), [minute(m0, spec(4)), minute(m0 - MINUTE, spec(1))], [block(now, '{u}:1')])), b.write(batch(instance('b'), [minute(m0, spec(6))]))]);
    const report = await readRedisAnalytics(client, { range: 'hour' }, { prefix });
    expect(report.totals).toMatchObject({ requests: 11, blocked: 3, cost: 1.5 });
    expect(report.users).toMatchObject([{ user: '{u}:1', requests: 11 }]);
    expect(report.recentBlocks).toMatchObject([{ user: '{u}:1', instance: 'a' }]);
    expect(report.source.instances.map((i) => i.id)).toEqual(['a', 'b']);
    expect((await readRedisAnalytics(client, { range: 'day' }, { prefix })).totals.requests).toBe(11);
    const slot = keySlot(keys.blocks);
    const all = [keys.minute(m0), keys.minuteUsers(m0), keys.hour(Math.floor(m0 / HOUR) * HOUR), keys.hourUsers(0), keys.instances, keys.live];
    for (const k of all) {
      expect(keySlot(k), k).toBe(slot);
      expect(await client.cluster('KEYSLOT', k), k).toBe(slot);
    }
    expect(await client.pttl(keys.minute(m0))).toBeGreaterThan(0);
  });

  it('writes and reads after SCRIPT FLUSH on every master (private cluster only)', async (ctx) => {
    // A flush on a shared cluster would add an EVAL to other files' command counts.
    if (!cluster.isolated) ctx.skip();
    const prefix = prefixFor('flush');
    const sink = redisAnalytics({ client, prefix });
    const m0 = Math.floor(Date.now() / MINUTE) * MINUTE;
    await sink.write(batch(instance('i'), [minute(m0, { pairs: [['free', 'GET|/a', counts(2)]] })]));
    for (const node of client.nodes('master')) await node.script('FLUSH');
    await sink.write(batch(instance('i'), [minute(m0, { pairs: [['free', 'GET|/a', counts(3)]] })]));
    for (const node of client.nodes('master')) await node.script('FLUSH');
    expect((await readRedisAnalytics(client, {}, { prefix })).totals.requests).toBe(5);
  });

  it("shares a RedisStore's Cluster client inside a limiter", async () => {
    const prefix = prefixFor('limiter');
    const store = new RedisStore({ client, keyPrefix: uniquePrefix('cl') });
    const limiter = new RateLimiter({ policies: { free: { rate: { maxPerMinute: 2 } } }, store, analytics: { sink: redisAnalytics({ prefix }), instanceId: 'cl-1' } });
    for (let i = 0; i < 5; i++) await limiter.check({ userId: `u${i % 2}`, plan: 'free', endpoint: 'GET|/x' });
    await limiter.analytics!.flush();
    const fleet = await readRedisAnalytics(client, { range: 'now' }, { prefix });
    expect(fleet.totals).toEqual(limiter.analytics!.report({ range: 'now' }).totals);
    expect(fleet.totals).toMatchObject({ requests: 5, blocked: 1 });
    await limiter.close();
    await store.close();
  });
});
