// What metrics and tracing packages plug into a limiter (`metrics:` and `tracing:` in the
// configuration): a check's outcome and (sampled) duration, store operations, and for
// tracing a scope around each check with its phases. Core measures; the packages export.
import type { EventBus } from '../events/bus.js';
import type { Store } from '../stores/types.js';
import type { RateLimitResult } from '../types.js';

/** How a check ended, as metrics label it. */
export type CheckOutcome = 'allowed' | 'blocked' | 'slowed' | 'logged';

/**
 * One finished check, for `onCheck` and `onTimedCheck`. Valid during the call only: the
 * limiter reuses the object for the next check, so copy what you keep (a scope's `end`
 * gets its own).
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
   * Seconds the check took, when it was timed, else undefined. Timing costs two reads of
   * the precise clock, more than the rest of a check on the memory store, so the limiter
   * times a sample of checks: see {@link Instrumentation.timingsPerSecond}.
   */
  readonly durationSeconds: number | undefined;
  /**
   * How many checks this timing stands for: the checks since the previous timed one, this
   * one included (1 when every check is timed). 0 when the check was not timed, or was
   * timed only for a tracer's scope.
   */
  readonly timingWeight: number;
}

/**
 * Counts of checks for one plan and endpoint, kept by the limiter for instrumentations that
 * set `counts: true` and read at export time (see {@link InstrumentedLimiter.checkCounts}).
 * Counting takes a few additions per check, where a hook call per check would cost more.
 * Every number only grows, for the limiter's lifetime.
 */
export interface CheckCounts {
  readonly plan: string;
  readonly endpoint: string;
  readonly allowed: number;
  readonly blocked: number;
  readonly slowed: number;
  readonly logged: number;
  /** Dollars charged (summed in micro-dollars, so sums never drift). */
  readonly cost: number;
  readonly tokens: number;
  /**
   * The latest timed check with limits (see `timingsPerSecond`: every check while checks
   * are rarer, then one every 10 ms or so): its `limits` give the usage and capacity of each.
   */
  readonly latest: RateLimitResult | undefined;
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

/** A check about to start, for `startCheck`. Valid during the call only (the limiter refills the object for the next check). */
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
  /**
   * The check counts per plan and endpoint, when some instrumentation set `counts: true`:
   * live objects, updated as checks run; read them when you export. Past 10,000 distinct
   * plan and endpoint pairs, further pairs are counted together under plan and endpoint
   * `other` (the first pairs keep their own).
   */
  readonly checkCounts?: () => readonly CheckCounts[];
}

/**
 * A metrics or tracing integration. Every hook is optional and synchronous; a hook that
 * throws is reported as a `callback_error` event and never affects a check.
 *
 * What each costs a check, cheapest first: `counts` (a few additions), `onTimedCheck` (a
 * sample of checks, at most `timingsPerSecond`), `onCheck` (a call per check), `startCheck`
 * (a tracer's scope per check).
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
   * Keep counts of checks per plan and endpoint for this instrumentation to read when it
   * exports (`checkCounts()` on what `attach` gets).
   */
  readonly counts?: boolean;
  /**
   * How many checks a second, at most, are timed for `onTimedCheck` and for `onCheck`'s
   * `durationSeconds` (default 100; the most any instrumentation asks for applies). Below
   * that rate every check is timed; above it one in N, N following the traffic, each timing
   * weighted by the checks it stands for. `Infinity` times every check.
   */
  readonly timingsPerSecond?: number;
  /** Called once, when a limiter is built with it. What it returns is called by `limiter.close()`. */
  attach?(limiter: InstrumentedLimiter): void | (() => void | Promise<void>);
  /** Every check, as it finishes (timed ones carry `durationSeconds`). */
  onCheck?(record: CheckRecord): void;
  /** Timed checks only (see `timingsPerSecond`), each with its `timingWeight`. */
  onTimedCheck?(record: CheckRecord): void;
  onStoreOperation?(record: StoreOperationRecord): void;
  /** Tracing: a scope for this check, or undefined to leave it untraced. */
  startCheck?(start: CheckStart): CheckScope | undefined;
}
