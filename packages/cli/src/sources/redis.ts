// The Redis source: the fleet-wide report every instance's redisAnalytics() sink writes,
// read with readRedisAnalytics over an ioredis client that keeps reconnecting in the background.
import { readRedisAnalytics } from '@limitrate/redis';
import { Redis, type RedisOptions } from 'ioredis';
import { CliError, messageOf, usageError } from '../errors.js';
import type { AnalyticsReport, ReportQuery } from '../report-types.js';
import { networkCode, networkReason } from './network.js';
import { redactUrl } from './redact.js';
import type { ReportSource } from './types.js';

/** The reader: `readRedisAnalytics` from @limitrate/redis (replaceable in tests). */
export type RedisReportReader = (client: Redis, query: ReportQuery, options: { prefix?: string; commandTimeoutMs?: number }) => Promise<AnalyticsReport>;

/** Options of `createRedisSource`. */
export interface RedisSourceOptions {
  /** `redis://[:password@]host:6379[/db]`, `rediss://` for TLS (a bare `host:port` means redis://). */
  url: string;
  /** The key prefix the sinks write under (default @limitrate/redis's, `limitrate:analytics`). */
  prefix?: string;
  /** Give up on a connection attempt after this long (default 2 s). */
  connectTimeoutMs?: number;
  /** Give up on a read after this long (default 5 s). */
  timeoutMs?: number;
  /** Options merged over the CLI's ioredis options. */
  redisOptions?: RedisOptions;
  /** The reader (default `readRedisAnalytics`). */
  read?: RedisReportReader;
}

/**
 * A `--redis` value as a URL ioredis reads (a bare `host:port` gets `redis://`), or a usage error.
 *
 * @example
 * ```ts
 * redisUrl('127.0.0.1:6380'); // 'redis://127.0.0.1:6380'
 * ```
 */
export function redisUrl(text: string): string {
  const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `redis://${text}`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw usageError(`--redis ${JSON.stringify(text)} is not a Redis URL: write e.g. redis://127.0.0.1:6379 or rediss://:password@host:6380`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw usageError(`--redis ${JSON.stringify(redactUrl(parsed))} is not redis:// or rediss://`);
  }
  if (parsed.hostname === '') throw usageError(`--redis ${JSON.stringify(text)} has no host: write e.g. redis://127.0.0.1:6379`);
  return url;
}

/** Every message of an error and its causes, for matching Redis replies. */
function messages(error: unknown): string {
  const out: string[] = [];
  let current: unknown = error;
  for (let i = 0; i < 5 && current !== undefined && current !== null; i++) {
    out.push(messageOf(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return out.join(' | ');
}

/** The `code` of an error or its causes (`ERR_LIMITRATE_STORE_TIMEOUT`...). */
function codes(error: unknown): string[] {
  const out: string[] = [];
  let current: unknown = error;
  for (let i = 0; i < 5 && typeof current === 'object' && current !== null; i++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') out.push(code);
    current = (current as { cause?: unknown }).cause;
  }
  return out;
}

/**
 * A source that reads the shared Redis analytics (`redisAnalytics()` sinks) over ioredis:
 * lazy connection, a short connect timeout, one retry per command, and reconnection in the
 * background so a dashboard recovers when Redis comes back. Failures reject with a CliError:
 * `ERR_LIMITRATE_CLI_UNREACHABLE`, `ERR_LIMITRATE_CLI_TIMEOUT`,
 * `ERR_LIMITRATE_CLI_UNAUTHORIZED` (NOAUTH, WRONGPASS) or `ERR_LIMITRATE_CLI_REDIS`.
 *
 * @example
 * ```ts
 * const source = createRedisSource({ url: 'redis://127.0.0.1:6379' });
 * try { console.log((await source.fetch({ range: 'hour' })).totals.requests); }
 * finally { await source.close(); }
 * ```
 */
export function createRedisSource(options: RedisSourceOptions): ReportSource {
  const url = redisUrl(options.url);
  const shown = redactUrl(url);
  const { prefix, connectTimeoutMs = 2000, timeoutMs = 5000, read = readRedisAnalytics as RedisReportReader } = options;
  let lastError: unknown;
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: connectTimeoutMs,
    maxRetriesPerRequest: 1,
    // Never give up: the dashboard shows the error and recovers when Redis is back.
    retryStrategy: (times: number) => Math.min(250 * times, 2000),
    ...options.redisOptions,
  });
  // Without a listener ioredis prints every connection error; remember the last one instead.
  client.on('error', (error: unknown) => {
    lastError = error;
  });
  client.on('ready', () => {
    lastError = undefined;
  });
  let closed = false;

  const explain = (error: unknown): CliError => {
    if (error instanceof CliError) return error;
    const text = messages(error);
    const errorCodes = codes(error);
    if (/\b(NOAUTH|WRONGPASS)\b|invalid password|invalid username-password/i.test(text)) {
      return new CliError('ERR_LIMITRATE_CLI_UNAUTHORIZED', `${shown} refused the credentials (${text.slice(0, 160)}) — put them in the URL: redis://user:password@host:6379`, { cause: error });
    }
    if (errorCodes.includes('ERR_LIMITRATE_INVALID_REQUEST')) return usageError(messageOf(error));
    const connection = networkCode(lastError) ?? networkCode(error);
    const down = client.status !== 'ready' || /max retries per request|Connection is closed|Stream isn't writeable/i.test(text);
    if (down) {
      const reason = networkReason(connection) ?? (lastError === undefined ? 'not connected' : messageOf(lastError));
      return new CliError('ERR_LIMITRATE_CLI_UNREACHABLE', `cannot reach ${shown}: ${reason} — is Redis running there (and the URL's host and port right)?`, { cause: error });
    }
    if (errorCodes.includes('ERR_LIMITRATE_STORE_TIMEOUT') || /timed? ?out/i.test(text)) {
      return new CliError('ERR_LIMITRATE_CLI_TIMEOUT', `${shown} did not answer within ${Number((timeoutMs / 1000).toFixed(3))}s — is Redis overloaded? (--timeout waits longer)`, { cause: error });
    }
    return new CliError('ERR_LIMITRATE_CLI_REDIS', `reading the analytics from ${shown} failed: ${messageOf(error)}`, { cause: error });
  };

  return {
    describe: shown,
    async fetch(query: ReportQuery): Promise<AnalyticsReport> {
      if (closed) throw new CliError('ERR_LIMITRATE_CLI_REDIS', `the source ${shown} is closed`);
      try {
        return await read(client, query, { ...(prefix === undefined ? {} : { prefix }), commandTimeoutMs: timeoutMs });
      } catch (error) {
        throw explain(error);
      }
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      if (client.status === 'ready') {
        try {
          await client.quit();
          return;
        } catch {
          // Fall through to a hard disconnect.
        }
      }
      client.disconnect();
    },
  };
}
