// The RateLimiter's configuration type and how it resolves defaults (store, default plan,
// failure policy, timeouts).
import type { Clock } from './clock.js';
import type { AnalyticsRecorder } from './analytics/recorder.js';
import type { AnalyticsOptions } from './analytics/types.js';
import type { Instrumentation } from './instrument/types.js';
import type { DryRunEvent, LimitRateEvent } from './events/types.js';
import type { Policies, UserOverride } from './policy/types.js';
import { DeferredStore } from './stores/deferred.js';
import { MemoryStore } from './stores/memory.js';
import type { Store } from './stores/types.js';

/** `store` as configuration: the in-process memory store with its options. */
export interface MemoryStoreConfig {
  type: 'memory';
  maxKeys?: number;
  cleanupIntervalMs?: number;
}

/**
 * `store` as configuration: Redis or Valkey through @limitrate/redis (installed next to
 * core, with ioredis), which the limiter loads itself. Every other field goes to
 * `new RedisStore(...)` (see its options: `keyPrefix`, `commandTimeoutMs`, `maxBatch`, ...).
 */
export interface RedisStoreConfig {
  type: 'redis';
  /** `redis://user:pass@host:6379/0` or `rediss://...` (default `redis://127.0.0.1:6379`). */
  url?: string;
  /** Your own ioredis client (standalone or Cluster) instead of a URL. */
  client?: unknown;
  keyPrefix?: string;
  commandTimeoutMs?: number;
  hashTags?: boolean;
  maxBatch?: number;
}

/**
 * `store` as configuration: Upstash Redis over HTTP through @limitrate/upstash (installed
 * next to core, with @upstash/redis). Without `url` or `token`, the store reads
 * UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN.
 */
export interface UpstashStoreConfig {
  type: 'upstash';
  url?: string;
  token?: string;
  /** Your own @upstash/redis client instead of url and token. */
  client?: unknown;
  keyPrefix?: string;
  timeoutMs?: number;
}

/** `store: { client }`: a Redis client (ioredis, or a compatible one), as with `type: 'redis'`. */
export interface ClientStoreConfig {
  client: unknown;
  keyPrefix?: string;
  commandTimeoutMs?: number;
  hashTags?: boolean;
  maxBatch?: number;
}

/** Every form `store` takes: a configuration, or a Store instance. */
export type StoreOption = MemoryStoreConfig | RedisStoreConfig | UpstashStoreConfig | ClientStoreConfig | Store;

/**
 * Configuration of a {@link RateLimiter}.
 *
 * @example
 * ```ts
 * const config: RateLimiterConfig = {
 *   policies: { free: { rate: { maxPerMinute: 10 } }, pro: { rate: { maxPerMinute: 100 } } },
 *   onStoreError: 'allow',
 * };
 * ```
 */
export interface RateLimiterConfig<TReq = unknown> {
  /** Plans and their limits. */
  policies: Policies<TReq>;
  /**
   * Where state lives (default: a MemoryStore): a Store instance, or a configuration
   * (`{ type: 'memory' }`, `{ type: 'redis', url }`, `{ type: 'upstash', url, token }`,
   * `{ client }`). The Redis and Upstash stores come from their packages, which the limiter
   * loads itself; `limiter.ready()` tells when that is done.
   */
  store?: StoreOption;
  /** Time source for the default memory store and events (default: the system clock). */
  clock?: Clock;
  /** Plan for requests that name none (default: `free` if defined, else the first plan). */
  defaultPlan?: string;
  /**
   * A request naming a plan that is not in `policies`: `default` applies the default plan
   * (the default), `allow` lets it through unlimited, `block` refuses it. Always emits
   * `unknown_plan`.
   */
  onUnknownPlan?: 'default' | 'allow' | 'block';
  /** Static per-user limits (they win over `getUserOverride`). */
  userOverrides?: Record<string, UserOverride>;
  /** Per-user limits looked up at request time (cache them on your side). Failures fall back to the plan. */
  getUserOverride?: (userId: string, req: TReq) => UserOverride | null | undefined | Promise<UserOverride | null | undefined>;
  /** How long getUserOverride may take (default 1,000 ms). */
  userOverrideTimeoutMs?: number;
  /** When the store or estimateCost fails: `allow` (default) or `block`. */
  onStoreError?: 'allow' | 'block';
  /** v3 name of `onStoreError`. */
  onRedisError?: 'allow' | 'block';
  /** Longest wait for a remote store before the failure policy applies (default 1,000 ms). */
  storeTimeoutMs?: number;
  /** Never block or slow anything; report what would have happened. */
  dryRun?: boolean;
  /** Receives each request `dryRun` let through that would have been blocked or slowed. */
  dryRunLogger?: (event: DryRunEvent) => void | Promise<void>;
  /** Receives every event. */
  onEvent?: (event: LimitRateEvent) => void | Promise<void>;
  /**
   * Metrics: one instrumentation or several (`prometheusMetrics()` from
   * @limitrate/prometheus, `datadogMetrics()` from @limitrate/datadog, or your own).
   */
  metrics?: Instrumentation | readonly Instrumentation[];
  /** Tracing: `opentelemetryTracing()` from @limitrate/opentelemetry, or your own. */
  tracing?: Instrumentation;
  /**
   * Keep analytics for the inspector endpoint and `npx limitrate dashboard`: per-minute and
   * per-hour counts per endpoint, plan and user (the busiest users), cost per user, recent
   * blocks and store health. `true` for the defaults, or options (`topUsers`,
   * `recentBlocks`, `retention`, a shared `sink` such as `redisAnalytics()` from
   * @limitrate/redis). Read it with `limiter.analytics.report()`. Off by default. Another
   * limiter's `analytics` (its recorder) makes this one count into it (an adapter's route
   * limiters counting into the app's): that limiter keeps running and closing it.
   */
  analytics?: boolean | AnalyticsOptions | AnalyticsRecorder;
}

/** Builds the store a configuration asks for. */
export function createStore(store: StoreOption | undefined, clock: Clock | undefined): Store {
  if (store !== undefined && 'consume' in store) return store;
  if (store !== undefined && 'type' in store && (store.type === 'redis' || store.type === 'upstash')) {
    return new DeferredStore(store.type, store as unknown as Record<string, unknown>, clock);
  }
  if (store !== undefined && 'client' in store) return new DeferredStore('redis', store as unknown as Record<string, unknown>, clock);
  const memory = store as MemoryStoreConfig | undefined;
  return new MemoryStore({
    ...(memory?.maxKeys !== undefined ? { maxKeys: memory.maxKeys } : {}),
    ...(memory?.cleanupIntervalMs !== undefined ? { cleanupIntervalMs: memory.cleanupIntervalMs } : {}),
    ...(clock !== undefined ? { clock } : {}),
  });
}

/** The plan used when a request names none: `defaultPlan`, else `free`, else the first plan. */
export function defaultPlanOf(config: { policies: object; defaultPlan?: string | undefined }): string {
  if (config.defaultPlan !== undefined) return config.defaultPlan;
  if (Object.prototype.hasOwnProperty.call(config.policies, 'free')) return 'free';
  return Object.keys(config.policies)[0]!;
}
