// What metrics and tracing packages plug into a limiter (`metrics:` and `tracing:` in the
// configuration): a check's outcome and (sampled) duration, store operations, and for
// tracing a scope around each check with its phases. Core measures; the packages export.
import type { EventBus } from '../events/bus.js';
import type { Store } from '../stores/types.js';
import type { RateLimitResult } from '../types.js';

/** How a check ended, as metrics label it. */
export type CheckOutcome = 'allowed' | 'blocked' | 'slowed' | 'logged';

/**
 * One finished check, for `onCheck`. Valid during the call only: the limiter reuses the
 * object for the next check, so copy what you keep (a scope's `end` gets its own).
 */
export interface CheckRecord {
  /** `check` (also `checkNow` and the HTTP adapters) or `checkCost`. */
  readonly operation: 'check' | 'checkCost';
  /**
   * `blocked`: refused. `slowed`: served after `result.slowdownMs`. `logged`: over a limit
   * but let through (`allow-and-log`, or `dryRun`). `allowed`: within every limit, or let
   * through by the failure policy (then `result.degraded` is true).
   */
  readonly outcome: CheckOutcome;
  /** The full result: plan, endpoint, user, every limit's usage, cost, tokens, error. */
  readonly result: RateLimitResult;
  /**
   * Seconds the check took, when this check was timed (see `timeEvery`), else undefined.
   * Timing costs two clock reads, a noticeable part of a check on the memory store.
   */
  readonly durationSeconds: number | undefined;
  /** How many checks this timing stands for in metrics: `timeEvery` when sampled, else 0 (a traced check is timed for its scope with weight 0). */
  readonly timingWeight: number;
}

/** One store operation, for `onStoreOperation` (every store but the in-process memory store's checks). */
export interface StoreOperationRecord {
  /** The store's name (`redis`, `upstash`, `memory`, ...). */
  readonly store: string;
  /** `consume` (a check), `peek`, `force` (usage reconciled after a response) or `reset`. */
  readonly operation: 'consume' | 'peek' | 'force' | 'reset';
  readonly status: 'success' | 'error';
  readonly durationSeconds: number;
  /** When it started, in ms since the epoch (with sub-millisecond precision). */
  readonly startTime: number;
  /** The error, when it failed. */
  readonly error?: unknown;
}

/** A check about to start, for `startCheck`. */
export interface CheckStart {
  readonly operation: 'check' | 'checkCost';
  /** As the request gave them (before defaults and validation). */
  readonly userId: unknown;
  readonly plan: unknown;
  readonly endpoint: unknown;
  /**
   * ms since the epoch, sub-millisecond precision, read from the clock when first asked
   * (a tracer that leaves the check unsampled need not read it).
   */
  readonly startTime: number;
}

/** What a tracing package keeps for one check (a span, typically). */
export interface CheckScope {
  /**
   * Runs the check inside the scope (a tracer makes its span the active one here, so that
   * store operations, which may finish later, are its children). Optional.
   */
  run?<T>(fn: () => T): T;
  /** A phase finished: `policy_lookup` (plan, endpoint, overrides). The store round trip arrives as `onStoreOperation`, while the scope is active. */
  phase?(name: 'policy_lookup', startTime: number, endTime: number, error?: unknown): void;
  /** The check finished with a result (a failure policy's answer included). */
  end(record: CheckRecord, endTime: number): void;
  /** The check threw (bad input, a store named in the config that cannot load). */
  fail(error: unknown, endTime: number): void;
}

/** What an instrumentation sees of the limiter it is attached to. */
export interface InstrumentedLimiter {
  readonly events: EventBus;
  /** The store as the limiter uses it. */
  readonly store: Store;
  readonly defaultPlan: string;
  /**
   * Requests running and waiting under in-flight (concurrency) limits, by plan and endpoint.
   * Set by the HTTP layer, after `attach`, when some endpoint has such a limit: keep the
   * object `attach` gets and read this when you export.
   */
  inFlight?: () => Array<{ plan: string; endpoint: string; inFlight: number; queued: number }>;
}

/**
 * A metrics or tracing integration. Every hook is optional and synchronous; a hook that
 * throws is reported as a `callback_error` event and never affects a check.
 *
 * @example
 * ```ts
 * const counting: Instrumentation = {
 *   name: 'counting',
 *   onCheck: (r) => counts.set(r.outcome, (counts.get(r.outcome) ?? 0) + 1),
 * };
 * const limiter = new RateLimiter({ policies, metrics: counting });
 * ```
 */
export interface Instrumentation {
  /** For errors and events: `prometheus`, `datadog`, `opentelemetry`, ... */
  readonly name: string;
  /**
   * Time one check in this many (default 1: every check). Reading the clock twice is a
   * noticeable part of a check on the memory store; a metrics package samples, and weighs
   * each timing by `timingWeight`.
   */
  readonly timeEvery?: number;
  /** Called once, when a limiter is built with it. What it returns is called by `limiter.close()`. */
  attach?(limiter: InstrumentedLimiter): void | (() => void | Promise<void>);
  onCheck?(record: CheckRecord): void;
  onStoreOperation?(record: StoreOperationRecord): void;
  /** Tracing: a scope for this check, or undefined to leave it untraced. */
  startCheck?(start: CheckStart): CheckScope | undefined;
}
