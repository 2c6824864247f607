// Key layout of the Redis analytics: every key starts with `{prefix}`, one Cluster hash tag,
// so that a batch (and a report) touches a single slot and runs as one script.
import { ConfigError } from '@limitrate/core';

/**
 * The default prefix of the analytics keys (inside the hash tag: `{limitrate:analytics}:...`).
 *
 * @example
 * ```ts
 * const report = await readRedisAnalytics(redis, {}, { prefix: DEFAULT_ANALYTICS_PREFIX });
 * ```
 */
export const DEFAULT_ANALYTICS_PREFIX = 'limitrate:analytics';

/** A lone UTF-16 surrogate: it has no UTF-8 form (ioredis would send U+FFFD). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The keys under one prefix. A bucket is two hashes: the bucket itself (`otherUsers`, store
 * health, one field per plan and endpoint) and its users (one field per user, plan and
 * endpoint), so that the users can be counted with HLEN.
 */
export interface AnalyticsKeys {
  /** `{prefix}`: the hash tag every key starts with. */
  readonly tag: string;
  /** The minute bucket starting at `start` (ms): `{prefix}:m:<start>`. */
  minute(start: number): string;
  /** Its users: `{prefix}:m:<start>:u`. */
  minuteUsers(start: number): string;
  /** The hour bucket starting at `start` (ms): `{prefix}:h:<start>`. */
  hour(start: number): string;
  /** Its users: `{prefix}:h:<start>:u`. */
  hourUsers(start: number): string;
  /** Recent blocks, newest first (a capped list of JSON records): `{prefix}:blocks`. */
  readonly blocks: string;
  /** Instances: id (JSON) → `<lastSeen> <InstanceInfo JSON>`: `{prefix}:instances`. */
  readonly instances: string;
  /** Instances: id (JSON) → when it stops being live (server ms): `{prefix}:instances:live`. */
  readonly live: string;
  /** Instances: id (JSON) → the last batch sequence applied (a batch sent again is not counted twice): `{prefix}:applied`. */
  readonly applied: string;
}

/**
 * The keys under `prefix` (already validated with {@link checkPrefix}).
 *
 * @example
 * ```ts
 * analyticsKeys('limitrate:analytics').minute(1_700_000_040_000); // '{limitrate:analytics}:m:1700000040000'
 * ```
 */
export function analyticsKeys(prefix: string): AnalyticsKeys {
  const tag = `{${prefix}}`;
  return {
    tag,
    minute: (start) => `${tag}:m:${start}`,
    minuteUsers: (start) => `${tag}:m:${start}:u`,
    hour: (start) => `${tag}:h:${start}`,
    hourUsers: (start) => `${tag}:h:${start}:u`,
    blocks: `${tag}:blocks`,
    instances: `${tag}:instances`,
    live: `${tag}:instances:live`,
    applied: `${tag}:applied`,
  };
}

/**
 * Validates a prefix: a non-empty string without braces (it becomes the hash tag, and a
 * brace would end or empty the tag) or lone surrogates, of at most 200 characters.
 * Throws a ConfigError naming `path`.
 */
export function checkPrefix(prefix: unknown, path: string): string {
  const bad = (message: string): never => {
    throw new ConfigError([{ path, code: 'ERR_LIMITRATE_INVALID_CONFIG', message, hint: `Use e.g. '${DEFAULT_ANALYTICS_PREFIX}' (the default), '<app>:analytics', without braces` }]);
  };
  if (typeof prefix !== 'string') return bad(`must be a string, got ${prefix === null ? 'null' : typeof prefix}`);
  if (prefix === '') return bad('must not be empty');
  if (prefix.length > 200) return bad(`must be at most 200 characters, got ${prefix.length}`);
  if (/[{}]/.test(prefix)) return bad('must not contain "{" or "}" (the prefix becomes the Redis Cluster hash tag of every key)');
  if (LONE_SURROGATE.test(prefix)) return bad('must be well-formed text (it holds a lone UTF-16 surrogate)');
  return prefix;
}
