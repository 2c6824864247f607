// The analytics scripts: their SHAs are what Redis computes, a write and a read each cost one
// round trip (EVALSHA), a script flush or a restart costs one EVAL and nothing else, and a
// Redis that hangs fails the write with ERR_LIMITRATE_STORE_TIMEOUT. Private server: it
// flushes the script cache and sleeps the server.
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRedisAnalytics, redisAnalytics } from '../src/index.js';
import { ANALYTICS_READ_SCRIPT, ANALYTICS_WRITE_SCRIPT } from '../src/analytics/scripts.js';
import { batch, counts, instance, MINUTE, minute } from './analytics-fixtures.js';
import { REDIS_SERVER_BIN, startPrivateRedis, uniquePrefix, type TestRedis } from './redis-server.js';

let redis: TestRedis;
let admin: Redis;
const prefixFor = (label: string) => uniquePrefix(`analytics-${label}`).slice(0, -1);

/** The commands a client sends, by name, from now on. */
function record(client: Redis): string[] {
  const sent: string[] = [];
  const send = client.sendCommand.bind(client);
  client.sendCommand = (command, stream) => {
    sent.push(command.name.toUpperCase());
    return send(command, stream);
  };
  return sent;
}

const delta = () => {
  const m0 = Math.floor(Date.now() / MINUTE) * MINUTE;
  return [minute(m0, { pairs: [['free', 'GET|/a', counts(3, 1, 0.25)]], users: [['u1', 'free', 'GET|/a', counts(3, 1, 0.25)]], latencies: [1] })];
};

describe.skipIf(REDIS_SERVER_BIN === undefined)('the analytics scripts', () => {
  beforeAll(async () => {
    redis = await startPrivateRedis();
    admin = redis.client();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('have the SHAs that SCRIPT LOAD reports', async () => {
    expect(await admin.script('LOAD', ANALYTICS_WRITE_SCRIPT.source)).toBe(ANALYTICS_WRITE_SCRIPT.sha);
    expect(await admin.script('LOAD', ANALYTICS_READ_SCRIPT.source)).toBe(ANALYTICS_READ_SCRIPT.sha);
  });

  it('cost one EVALSHA per write and per report; after SCRIPT FLUSH one EVAL more, once', async () => {
    const client = redis.client();
    const prefix = prefixFor('flush');
    const sink = redisAnalytics({ client, prefix });
    await sink.write(batch(instance('i'), delta()));
    await readRedisAnalytics(client, {}, { prefix });
    const sent = record(client);
    await sink.write(batch(instance('i'), delta()));
    await readRedisAnalytics(client, { range: 'day' }, { prefix });
    expect(sent.splice(0)).toEqual(['EVALSHA', 'EVALSHA']);

    await admin.script('FLUSH');
    await sink.write(batch(instance('i'), delta()));
    expect(sent.splice(0)).toEqual(['EVALSHA', 'EVAL']);
    await sink.write(batch(instance('i'), delta()));
    expect(sent.splice(0)).toEqual(['EVALSHA']);
    await admin.script('FLUSH');
    const report = await readRedisAnalytics(client, {}, { prefix });
    expect(sent.splice(0)).toEqual(['EVALSHA', 'EVAL']);
    expect(report.totals).toMatchObject({ requests: 12, blocked: 4, cost: 1 }); // every write counted once
  });

  it('survives a Redis restart: the next writes reload the script', async () => {
    const client = redis.client();
    const prefix = prefixFor('restart');
    const sink = redisAnalytics({ client, prefix });
    await sink.write(batch(instance('i'), delta()));
    await redis.restart!();
    let written = false;
    for (let i = 0; i < 50 && !written; i++) {
      written = await sink.write(batch(instance('i'), delta())).then(
        () => true,
        async (error: unknown) => {
          expect(error).toMatchObject({ code: expect.stringMatching(/^ERR_LIMITRATE_STORE/) });
          await new Promise((r) => setTimeout(r, 100));
          return false;
        },
      );
    }
    expect(written).toBe(true);
    expect((await readRedisAnalytics(client, {}, { prefix })).totals.requests).toBe(3); // no persistence: only the write after the restart
  });

  it('a Redis that hangs fails the write with ERR_LIMITRATE_STORE_TIMEOUT within commandTimeoutMs', async () => {
    const client = redis.client();
    const sink = redisAnalytics({ client, prefix: prefixFor('stall'), commandTimeoutMs: 150 });
    await sink.write(batch(instance('i'), delta()));
    const sleeper = redis.client();
    const sleeping = sleeper.call('DEBUG', 'SLEEP', '0.6');
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await expect(sink.write(batch(instance('i'), delta()))).rejects.toMatchObject({ code: 'ERR_LIMITRATE_STORE_TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(500);
    await sleeping;
  });
});
