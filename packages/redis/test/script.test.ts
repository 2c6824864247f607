// The script: its SHA is what Redis computes, each consume is exactly one EVALSHA, and
// after SCRIPT FLUSH (or a restart) a consume falls back to EVAL once, then EVALSHA again.
// Runs on a private server: it reads server-wide counters and flushes the script cache.
import type { LimitSpec } from '@limitrate/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_CONSUME_SCRIPT as CONSUME_SCRIPT, REDIS_CONSUME_SHA as CONSUME_SHA } from '@limitrate/core';
import { RedisStore } from '../src/index.js';
import { clientCommands, delta } from './commandstats.js';
import { REDIS_SERVER_BIN, startPrivateRedis, uniquePrefix, type TestRedis } from './redis-server.js';

let redis: TestRedis;
let admin: ReturnType<TestRedis['client']>;
const commandCounts = () => clientCommands(admin);

const FOUR: LimitSpec[] = [
  { key: 'a', algorithm: 'fixed-window', limit: 100, windowMs: 60_000, cost: 1 },
  { key: 'b', algorithm: 'sliding-log', limit: 100, windowMs: 60_000, cost: 1 },
  { key: 'c', algorithm: 'token-bucket', capacity: 100, refillRate: 1, cost: 1 },
  { key: 'd', algorithm: 'gcra', limit: 100, windowMs: 60_000, cost: 1, soft: true },
];

describe.skipIf(REDIS_SERVER_BIN === undefined)('the consume script', () => {
  beforeAll(async () => {
    redis = await startPrivateRedis();
    admin = redis.client();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('has the SHA that SCRIPT LOAD reports', async () => {
    expect(await admin.script('LOAD', CONSUME_SCRIPT)).toBe(CONSUME_SHA);
  });

  it('costs exactly one EVALSHA per consume, even for a set of four limits', async () => {
    const client = redis.client();
    const store = new RedisStore({ client, keyPrefix: uniquePrefix('one') });
    await store.consume(FOUR); // connects and makes sure the script is loaded
    const sent: string[] = [];
    const send = client.sendCommand.bind(client);
    client.sendCommand = (command, stream) => {
      sent.push(command.name);
      return send(command, stream);
    };
    const before = await commandCounts();
    for (let i = 0; i < 10; i++) await store.consume(FOUR, { mode: i % 3 === 0 ? 'peek' : 'consume' });
    expect(delta(before, await commandCounts())).toEqual({ evalsha: 10 });
    expect(sent).toEqual(Array(10).fill('EVALSHA'));
  });

  it('after SCRIPT FLUSH, one consume costs one extra round trip (EVAL), and only once', async () => {
    const store = new RedisStore({ client: redis.client(), keyPrefix: uniquePrefix('flush') });
    await store.consume(FOUR);
    await admin.script('FLUSH');
    const before = await commandCounts();
    const first = await store.consume(FOUR);
    expect(first).toMatchObject({ allowed: true, committed: true });
    expect(first.limits[0]!.used).toBe(2);
    const mid = await commandCounts();
    expect(delta(before, mid)).toEqual({ evalsha: 1, eval: 1 });
    for (let i = 0; i < 5; i++) await store.consume(FOUR);
    expect(delta(mid, await commandCounts())).toEqual({ evalsha: 5 });
  });

  it('concurrent consumes after a flush all succeed', async () => {
    const store = new RedisStore({ client: redis.client(), keyPrefix: uniquePrefix('race') });
    await admin.script('FLUSH');
    const results = await Promise.all(Array.from({ length: 50 }, () => store.consume([FOUR[0]!])));
    expect(results.filter((r) => r.allowed)).toHaveLength(50);
    expect(results.map((r) => r.limits[0]!.used).sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  it('survives a Redis restart: reconnects, reloads the script, starts from empty state', async () => {
    const store = new RedisStore({ client: redis.client(), keyPrefix: uniquePrefix('restart') });
    expect((await store.consume(FOUR)).limits[0]!.used).toBe(1);
    expect((await store.consume(FOUR)).limits[0]!.used).toBe(2);
    await redis.restart!();
    let after: Awaited<ReturnType<RedisStore['consume']>> | undefined;
    for (let i = 0; i < 50 && after === undefined; i++) {
      after = await store.consume(FOUR).catch(async (error: unknown) => {
        expect(error).toMatchObject({ code: expect.stringMatching(/^ERR_LIMITRATE_STORE/) });
        await new Promise((r) => setTimeout(r, 100));
        return undefined;
      });
    }
    expect(after).toMatchObject({ allowed: true, committed: true });
    expect(after!.limits[0]!.used).toBe(1); // no persistence: the new server starts empty
  });
});
