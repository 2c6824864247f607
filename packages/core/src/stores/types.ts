// The Store contract: a request's whole set of limits is decided and committed atomically,
// all or nothing, in one call (one round trip on a remote store).
import type { AlgorithmSpec } from '../algorithms/types.js';
import type { EventBus } from '../events/bus.js';
import type { Disposable } from '../events/types.js';

/** A value, or a promise of it: the memory store answers synchronously, remote stores do not. */
export type MaybePromise<T> = T | Promise<T>;

/** One limit of a request, as a store sees it. */
export type LimitSpec = AlgorithmSpec & {
  /** The store key (already escaped and namespaced by the limiter; the store may prefix it). */
  key: string;
  /** Units this request takes (0 = only check there is room; negative = refund). */
  cost: number;
  /**
   * A soft limit is decided and reported like the others but never vetoes the set: the
   * request goes through (and is counted) even when a soft limit is exceeded. Used for
   * `slowdown` and `allow-and-log` rules.
   */
  soft?: boolean;
};

/**
 * - `consume`: commit every limit if every hard limit admits its cost, else commit nothing.
 * - `peek`: decide, commit nothing.
 * - `force`: commit every limit whatever the decision (reconciling usage already incurred);
 *   negative costs refund units charged at `at`.
 */
export type ConsumeMode = 'consume' | 'peek' | 'force';

export interface ConsumeOptions {
  mode?: ConsumeMode;
  /** For refunds in `force` mode: when the refunded units were charged (ms). Defaults to now. */
  at?: number;
}

/** A store's answer for one limit. */
export interface LimitOutcome {
  /** Whether this limit admits the request's cost. */
  allowed: boolean;
  /** Capacity in units. */
  limit: number;
  /** Whole units left (after this call if it was committed). */
  remaining: number;
  /** Whole units in use (after this call if it was committed): `limit - remaining`, or more after a forced charge. */
  used: number;
  /** Milliseconds until the limit is fully available again. */
  resetMs: number;
  /** 0 when allowed; ms to wait before the same cost fits; -1 when it never can. */
  retryAfterMs: number;
}

/** A store's answer for a whole set. */
export interface ConsumeResult {
  /** True when every hard limit admitted the request (in `force` mode: when all did). */
  allowed: boolean;
  /** Whether the costs were written. */
  committed: boolean;
  /** The time the store decided at (ms): its clock, or its server's. */
  now: number;
  /** One outcome per limit, in the order given. */
  limits: LimitOutcome[];
}

/** What to delete. Patterns use `*` as the only wildcard; keys contain no `*` of their own. */
export type ResetSelector = { keys: readonly string[] } | { pattern: string } | { all: true };

/**
 * A place to keep limit state. Implementations must make `consume` atomic across all the
 * limits it is given, and must not throw synchronously: failures reject (or throw from an
 * async function), and the limiter applies the failure policy.
 *
 * @example
 * ```ts
 * const store = new MemoryStore();
 * const r = store.consume([{ key: 'u1:api', algorithm: 'fixed-window', limit: 10, windowMs: 60_000, cost: 1 }]);
 * ```
 */
export interface Store {
  /** Short name for events and metrics: `memory`, `redis`, `upstash`, ... */
  readonly name: string;
  consume(limits: readonly LimitSpec[], options?: ConsumeOptions): MaybePromise<ConsumeResult>;
  /** Delete state; resolves to the number of keys removed. */
  reset(selector: ResetSelector): MaybePromise<number>;
  /** Release timers and connections. Further calls fail with ERR_LIMITRATE_CLOSED. */
  close?(): MaybePromise<void>;
  /**
   * A store with events of its own (a circuit opening, a fallback used) emits them on every
   * bus it is attached to: each RateLimiter given the store attaches its own bus, and
   * disposes of the subscription when it closes.
   */
  attach?(bus: EventBus): Disposable;
}
