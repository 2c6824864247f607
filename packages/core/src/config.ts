// The RateLimiter's configuration type and how it resolves defaults (store, default plan,
// failure policy, timeouts).
import type { Clock } from './clock.js';
import type { DryRunEvent, LimitRateEvent } from './events/types.js';
import type { Policies, UserOverride } from './policy/types.js';
import { MemoryStore } from './stores/memory.js';
import type { Store } from './stores/types.js';

/** `store` as configuration: the in-process memory store with its options. */
export interface MemoryStoreConfig {
  type: 'memory';
  maxKeys?: number;
  cleanupIntervalMs?: number;
}

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
  /** Where state lives (default: a MemoryStore). */
  store?: MemoryStoreConfig | Store;
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
}

/** Builds the store a configuration asks for. */
export function createStore(store: MemoryStoreConfig | Store | undefined, clock: Clock | undefined): Store {
  if (store !== undefined && 'consume' in store) return store;
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
