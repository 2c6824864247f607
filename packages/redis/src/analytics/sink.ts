// redisAnalytics(): the analytics sink that gathers a whole fleet's analytics in Redis, one
// atomic script per batch, bounded (expiring keys, capped users and blocks).
import { ConfigError, LimitRateError, type AnalyticsBatch, type AnalyticsSink, type ConfigIssue, type InstanceInfo } from '@limitrate/core';
import { Redis, type Cluster } from 'ioredis';
import { encodeWrite, HOUR_MS } from './batch.js';
import { clientOfStore } from './client-of-store.js';
import { analyticsKeys, checkPrefix, DEFAULT_ANALYTICS_PREFIX } from './keys.js';
import { runScript, timed } from './run.js';
import { ANALYTICS_WRITE_SCRIPT } from './scripts.js';

/** Options of {@link redisAnalytics}. */
export interface RedisAnalyticsOptions {
  /** Your ioredis client (standalone or Cluster). Used, never closed. */
  client?: Redis | Cluster;
  /** A Redis URL: the sink creates its own client and closes it on close(). */
  url?: string;
  /**
   * Prefix of the keys, inside a Cluster hash tag: `{limitrate:analytics}:m:...` by
   * default. No braces. Give each app (each dashboard) its own.
   */
  prefix?: string;
  /**
   * How long a minute bucket is kept, ms (default and least: 2 hours; never longer than the
   * limiter's analytics `retention`). Reports read the last hour of minutes (the day view
   * reads hours); keep them longer to read older minutes yourself.
   */
  minuteRetentionMs?: number;
  /**
   * How long an instance counts as live after its last write, ms (default 60,000; at least
   * three of the instance's flush intervals, which every batch says).
   */
  instanceTimeoutMs?: number;
  /** Longest wait for one write, ms (default 5,000); past it the write fails and the limiter sends the same batch again at its next flush (applied once: see `sequence`). */
  commandTimeoutMs?: number;
}

type Client = Redis | Cluster;

const PATH = 'redisAnalytics';

function positive(issues: ConfigIssue[], name: keyof RedisAnalyticsOptions, value: unknown, fallback: number, min: number, hint: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    issues.push({ path: `${PATH}.${name}`, code: 'ERR_LIMITRATE_INVALID_CONFIG', message: `must be a number of ms, at least ${min}, got ${String(value)}`, hint });
    return fallback;
  }
  return value;
}

/**
 * A shared analytics sink on Redis: every instance of your app writes its analytics to
 * Redis (one atomic EVALSHA per flush), and `npx limitrate dashboard --redis <url>` or
 * {@link readRedisAnalytics} shows the whole fleet. Without `client` or `url` it uses the
 * limiter's own RedisStore connection (and throws ERR_LIMITRATE_INVALID_CONFIG when the
 * limiter's store is not a Redis store).
 *
 * Storage is bounded: minute and hour buckets expire (minutes after `minuteRetentionMs`,
 * hours after the limiter's analytics `retention`), each bucket keeps at most twice
 * `topUsers` users (the quietest fold into `otherUsers`, so totals stay exact), the blocks
 * list keeps `recentBlocks`, and instances are forgotten once they stop writing.
 *
 * @example
 * ```ts
 * import { RateLimiter } from '@limitrate/core';
 * import { redisAnalytics } from '@limitrate/redis';
 *
 * const limiter = new RateLimiter({
 *   policies: { free: { rate: { maxPerMinute: 10 } } },
 *   store: { type: 'redis', url: process.env.REDIS_URL },
 *   analytics: { sink: redisAnalytics() },
 * });
 * ```
 */
export function redisAnalytics(options: RedisAnalyticsOptions = {}): AnalyticsSink {
  const issues: ConfigIssue[] = [];
  if (typeof options !== 'object' || options === null) {
    issues.push({ path: PATH, code: 'ERR_LIMITRATE_INVALID_CONFIG', message: 'takes an options object', hint: 'Use redisAnalytics(), redisAnalytics({ url }) or redisAnalytics({ client })' });
    throw new ConfigError(issues);
  }
  const { client, url, prefix = DEFAULT_ANALYTICS_PREFIX } = options;
  if (client !== undefined && url !== undefined) {
    issues.push({ path: `${PATH}.client`, code: 'ERR_LIMITRATE_INVALID_CONFIG', message: 'client and url were both given', hint: 'Pass your ioredis client, or a URL for the sink to connect to, not both' });
  }
  if (client !== undefined && (typeof client !== 'object' || client === null || typeof (client as { call?: unknown }).call !== 'function')) {
    issues.push({ path: `${PATH}.client`, code: 'ERR_LIMITRATE_INVALID_CONFIG', message: 'must be an ioredis Redis or Cluster client', hint: "Pass e.g. new Redis(url) from 'ioredis'" });
  }
  if (url !== undefined && (typeof url !== 'string' || url === '')) {
    issues.push({ path: `${PATH}.url`, code: 'ERR_LIMITRATE_INVALID_CONFIG', message: `must be a Redis URL, got ${typeof url}`, hint: "Use e.g. 'redis://127.0.0.1:6379'" });
  }
  let keyPrefix = DEFAULT_ANALYTICS_PREFIX;
  try {
    keyPrefix = checkPrefix(prefix, `${PATH}.prefix`);
  } catch (error) {
    if (error instanceof ConfigError) issues.push(...error.issues);
    else throw error;
  }
  const minuteRetentionMs = positive(issues, 'minuteRetentionMs', options.minuteRetentionMs, 2 * HOUR_MS, 2 * HOUR_MS, 'Leave it out for 2 hours; reports read at most the last hour of minutes (the day view reads hours)');
  const instanceTimeoutMs = positive(issues, 'instanceTimeoutMs', options.instanceTimeoutMs, 60_000, 1, 'Leave it out for 60,000 (one minute)');
  const commandTimeoutMs = positive(issues, 'commandTimeoutMs', options.commandTimeoutMs, 5000, 1, 'Leave it out for 5,000');
  if (issues.length > 0) throw new ConfigError(issues);

  const keys = analyticsKeys(keyPrefix);
  let own: Redis | undefined;
  let resolved: Client | undefined = client;
  let pending: Promise<Client | undefined> | undefined;
  let attached = false;
  let closed = false;
  let last: InstanceInfo | undefined;
  let lastRetentionMs = 48 * HOUR_MS;

  /** The client to write with (the store's, once it has loaded, when shared). */
  async function connection(): Promise<Client> {
    if (resolved !== undefined) return resolved;
    if (url !== undefined) {
      own = new Redis(url, { maxRetriesPerRequest: 1 });
      // Errors reach the limiter through rejected writes; don't let ioredis print them too.
      own.on('error', () => undefined);
      return (resolved = own);
    }
    if (pending !== undefined) {
      const found = await pending;
      if (found === undefined) throw notRedis('the limiter’s store');
      return (resolved = found);
    }
    throw notRedis(attached ? 'the limiter’s store' : 'nothing (attach was never called)');
  }

  return {
    name: 'redis',

    attach({ store }) {
      attached = true;
      if (client !== undefined || url !== undefined) return;
      const found = clientOfStore(store);
      if (found === undefined) throw notRedis(describe(store));
      if (found instanceof Promise) {
        pending = found;
        // Seen by connection() on the first write; never an unhandled rejection.
        pending.catch(() => undefined);
      } else resolved = found;
    },

    async write(batch: AnalyticsBatch) {
      if (closed) throw closedError();
      const redis = await connection();
      const call = encodeWrite(keys, batch, { minuteRetentionMs, instanceTimeoutMs });
      await timed('write', commandTimeoutMs, () => runScript(redis, ANALYTICS_WRITE_SCRIPT, call.keys, call.args));
      last = batch.instance;
      lastRetentionMs = batch.retentionMs;
    },

    async close() {
      if (closed) return;
      closed = true;
      const redis = resolved;
      // Leave the fleet at once rather than after instanceTimeoutMs.
      if (redis !== undefined && last !== undefined && redis.status === 'ready') {
        const leave = encodeWrite(keys, { instance: last, sequence: 0, flushIntervalMs: 0, minutes: [], blocks: [], retentionMs: lastRetentionMs, topUsers: 1, recentBlocks: 1 }, { minuteRetentionMs, instanceTimeoutMs: 0 });
        await timed('close', commandTimeoutMs, () => runScript(redis, ANALYTICS_WRITE_SCRIPT, leave.keys, leave.args)).catch(() => undefined);
      }
      if (own === undefined) return;
      if (own.status !== 'ready') {
        own.disconnect();
        return;
      }
      try {
        await timed('close', commandTimeoutMs, () => own!.quit());
      } catch {
        own.disconnect();
      }
    },
  };
}

function describe(store: unknown): string {
  if (typeof store !== 'object' || store === null) return `a store of type ${typeof store}`;
  const name = (store as { name?: unknown }).name;
  return typeof name === 'string' ? `the "${name}" store` : 'a store without a name';
}

function notRedis(what: string): ConfigError {
  return new ConfigError([
    {
      path: 'analytics.sink',
      code: 'ERR_LIMITRATE_INVALID_CONFIG',
      message: `redisAnalytics() without client or url shares the limiter's RedisStore connection, but the limiter uses ${what}`,
      hint: "Give it a connection: redisAnalytics({ url: 'redis://...' }) or redisAnalytics({ client }), or use store: { type: 'redis', url }",
    },
  ]);
}

function closedError(): LimitRateError {
  return new LimitRateError('ERR_LIMITRATE_CLOSED', 'This Redis analytics sink has been closed', { hint: 'Create a new sink (one per limiter)' });
}
