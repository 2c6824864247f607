// The Redis source: against a closed port (connection refused), and against a private
// redis-server written by @limitrate/redis's own sink: the fleet report, the prefix, a
// password it lacks, and recovery after Redis restarts.
import { redisAnalytics } from '@limitrate/redis';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliError } from '../src/errors.js';
import { createRedisSource, redisUrl } from '../src/sources/redis.js';
import type { ReportSource } from '../src/sources/types.js';
import { TRAFFIC, trafficBucket, block } from './fixtures.js';
import { closedPort } from './http-server.js';
import { REDIS_SERVER_BIN, startPrivateRedis, type PrivateRedis } from './redis-server.js';

async function failure(source: ReportSource): Promise<CliError> {
  try {
    await source.fetch({ range: 'now' });
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    return error as CliError;
  }
  throw new Error('expected the fetch to fail');
}

/**
 * Writes TRAFFIC (this minute) and a block under `prefix`, as an app's sink would. The sink
 * is not closed (closing makes its instance leave the fleet); its client is ours.
 */
async function writeFleet(url: string, prefix: string, instance: string): Promise<void> {
  const client = new Redis(url);
  const sink = redisAnalytics({ client, prefix });
  const now = Date.now();
  try {
    await sink.write({
      instance: { id: instance, startedAt: now - 60_000, lastSeen: now, store: 'redis' },
      sequence: 1,
      flushIntervalMs: 5000,
      minutes: [trafficBucket(TRAFFIC.map((t) => ({ ...t, minutesAgo: 0 })), now, [0.4, 1.2])],
      blocks: [block({ at: now - 1000, user: 'alice' }, now)],
      retentionMs: 48 * 3_600_000,
      topUsers: 100,
      recentBlocks: 100,
    });
  } finally {
    await client.quit();
  }
}

describe('createRedisSource', () => {
  it('reads --redis values as redis:// URLs, and refuses others', () => {
    expect(redisUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(redisUrl('127.0.0.1:6380')).toBe('redis://127.0.0.1:6380');
    expect(redisUrl('rediss://:pw@host:6380/1')).toBe('rediss://:pw@host:6380/1');
    expect(() => redisUrl('http://127.0.0.1:6379')).toThrow(/is not redis:\/\/ or rediss:\/\//);
    expect(() => redisUrl('redis://')).toThrow(expect.objectContaining({ code: 'ERR_LIMITRATE_CLI_USAGE' }));
  });

  it('shows the URL without its password', async () => {
    const source = createRedisSource({ url: 'redis://:s3cret@127.0.0.1:6379/2' });
    expect(source.describe).toBe('redis://127.0.0.1:6379/2');
    await source.close();
  });

  it('a closed port: connection refused, is Redis running', async () => {
    const port = await closedPort();
    const source = createRedisSource({ url: `redis://127.0.0.1:${port}`, connectTimeoutMs: 500 });
    try {
      const error = await failure(source);
      expect(error.code).toBe('ERR_LIMITRATE_CLI_UNREACHABLE');
      expect(error.message).toBe(`cannot reach redis://127.0.0.1:${port}: connection refused — is Redis running there (and the URL's host and port right)?`);
    } finally {
      await source.close();
    }
  });

  describe.skipIf(REDIS_SERVER_BIN === undefined)('with a redis-server', () => {
    let redis: PrivateRedis;
    beforeAll(async () => {
      redis = await startPrivateRedis();
    });
    afterAll(async () => {
      await redis?.stop();
    });

    it('reads the report the sinks wrote, under the given prefix', async () => {
      await writeFleet(redis.url, 'cli-test', 'web-1');
      const source = createRedisSource({ url: redis.url, prefix: 'cli-test' });
      try {
        const report = await source.fetch({ range: 'now', filter: { plan: 'free' } });
        expect(report.source.kind).toBe('redis');
        expect(report.source.instances.map((i) => i.id)).toEqual(['web-1']);
        expect(report.totals).toMatchObject({ requests: 145, blocked: 10, slowed: 5 });
        expect(report.users.map((u) => u.user)).toEqual(['alice', 'bob']);
        expect(report.recentBlocks.map((b) => b.user)).toEqual(['alice']);
        expect(report.store.name).toBe('redis');
        const other = createRedisSource({ url: redis.url });
        try {
          expect((await other.fetch({ range: 'now' })).totals.requests).toBe(0);
        } finally {
          await other.close();
        }
      } finally {
        await source.close();
      }
    });

    it('recovers when Redis comes back', async () => {
      const source = createRedisSource({ url: redis.url, prefix: 'cli-recover', connectTimeoutMs: 500 });
      try {
        await writeFleet(redis.url, 'cli-recover', 'web-1');
        expect((await source.fetch({ range: 'now' })).totals.requests).toBe(376);
        await redis.stop();
        const error = await failure(source);
        expect(error.code).toBe('ERR_LIMITRATE_CLI_UNREACHABLE');
        await redis.start();
        await writeFleet(redis.url, 'cli-recover', 'web-2');
        // The client reconnects by itself in the background; a later fetch succeeds.
        let report;
        for (let i = 0; i < 100 && report === undefined; i++) {
          report = await source.fetch({ range: 'now' }).catch(() => undefined);
          if (report === undefined) await new Promise((r) => setTimeout(r, 100));
        }
        expect(report?.source.instances.map((i) => i.id)).toEqual(['web-2']);
        expect(report?.totals.requests).toBe(376);
      } finally {
        await source.close();
      }
    });

    it('a password it lacks, or a wrong one: refused credentials', async () => {
      const locked = await startPrivateRedis(['--requirepass', 'right-password']);
      const none = createRedisSource({ url: locked.url });
      const wrong = createRedisSource({ url: `redis://:wrong-password@127.0.0.1:${locked.port}` });
      const right = createRedisSource({ url: `redis://:right-password@127.0.0.1:${locked.port}` });
      try {
        const refused = await failure(none);
        expect(refused.code).toBe('ERR_LIMITRATE_CLI_UNAUTHORIZED');
        expect(refused.message).toMatch(/refused the credentials .* put them in the URL: redis:\/\/user:password@host:6379/);
        const bad = await failure(wrong);
        expect(bad.code).toBe('ERR_LIMITRATE_CLI_UNAUTHORIZED');
        expect(bad.message).not.toContain('wrong-password');
        expect((await right.fetch({ range: 'now' })).version).toBe(1);
      } finally {
        await Promise.all([none.close(), wrong.close(), right.close()]);
        await locked.stop();
      }
    });
  });
});
