// The framework-free request and result types of the RateLimiter.
import type { AlgorithmName } from './algorithms/types.js';
import type { LimitRateError } from './errors/index.js';
import type { LimitKind } from './policy/compile.js';
import type { ActionOnExceed } from './policy/types.js';

/**
 * One request, described without any framework. Adapters build it from their request.
 *
 * @example
 * ```ts
 * await limiter.check({ userId: 'u1', plan: 'free', endpoint: 'POST|/api/chat' });
 * ```
 */
export interface RateLimitRequest<TReq = unknown> {
  /** Who is counted: a user id, an API key, or the client IP. Any string; escaped in keys. */
  userId: string;
  /** `'METHOD|/path'` (a route template such as `/users/:id` when known), or a path with `method`. */
  endpoint?: string;
  method?: string;
  /** Plan name (default: the limiter's default plan). */
  plan?: string;
  /** When the request arrived (ms); informational, decisions use the limiter's or store's clock. */
  timestamp?: number;
  ip?: string;
  orgId?: string;
  teamId?: string;
  region?: string;
  /** The request's cost in dollars, if known (otherwise the rule's `estimateCost` runs). */
  cost?: number;
  /** The request's token count, if known (otherwise token limits only check there is room). */
  tokens?: number;
  metadata?: Record<string, unknown>;
  /** The framework's own request, handed to `estimateCost` and `getUserOverride`. */
  raw?: TReq;
}

/** Units a limit counts. */
export type LimitUnit = 'requests' | 'tokens' | 'usd';

/** The state of one limit after a check. */
export interface LimitStatus {
  /** `rate:1m`, `tokens:1h`, `cost:1d`, `rate:bucket`, ... */
  id: string;
  kind: LimitKind;
  unit: LimitUnit;
  algorithm: AlgorithmName;
  /** `1s`, `1m`, `1h`, `1d`, or `bucket`. */
  window: string;
  windowMs: number;
  /** Store key (pass it to `reset({ key })`). */
  key: string;
  /** Capacity (dollars for cost limits; includes `burst`). */
  limit: number;
  used: number;
  remaining: number;
  resetInSeconds: number;
  /** Whether this limit refused the request's cost. */
  exceeded: boolean;
  /** Set when exceeded: seconds until the same request fits (undefined when it never can). */
  retryAfterSeconds: number | undefined;
  /** True when the request alone is larger than the limit: it will never be admitted. */
  exceedsCapacity: boolean;
  action: ActionOnExceed;
}

/** Why a request was not simply allowed. */
export type DecisionReason =
  | 'rate_limited'
  | 'token_limit_exceeded'
  | 'cost_exceeded'
  | 'store_error'
  | 'callback_error'
  | 'unknown_plan';

/**
 * The decision for one request.
 * `allowed` says whether the request may proceed (true for `slowdown` after the delay,
 * `allow-and-log`, and anything in `dryRun`). `current` / `limit` / `remaining` describe the
 * limit that decided (or, when allowed, the one closest to running out).
 */
export interface RateLimitResult {
  allowed: boolean;
  action: 'allow' | 'block' | 'slowdown' | 'allow-and-log';
  reason: DecisionReason | undefined;
  current: number;
  limit: number;
  remaining: number;
  resetInSeconds: number;
  /** Seconds to wait before retrying (set when a limit was exceeded and waiting can help). */
  retryAfter: number | undefined;
  /** The exceeded limit that decided the action. */
  blockedBy: LimitStatus | undefined;
  limits: LimitStatus[];
  /** Delay to apply for `slowdown`, in ms (0 otherwise). */
  slowdownMs: number;
  /** True when `dryRun` turned a block or slowdown into an allow; `action` then says what would have happened. */
  dryRun: boolean;
  user: string;
  plan: string;
  /** Canonical endpoint, `METHOD|/path`. */
  endpoint: string;
  /** The policy key that applied, `defaults`, or `''` when none did. */
  policy: string;
  /** Dollars this request was charged (0 when unknown or not charged). */
  cost: number;
  /** Tokens this request was charged. */
  tokens: number;
  /** True when the store or a callback failed and the failure policy decided. */
  degraded: boolean;
  error: LimitRateError | undefined;
  /** When the decision was taken (ms, store time). */
  timestamp: number;
}

/** Usage known only after the response. */
export interface ActualUsage {
  tokens?: number;
  /** Dollars. */
  cost?: number;
  /**
   * Requests to count against the rate limits: 1 is what check() counted; 0 gives it back
   * (for "do not count successful/failed requests").
   */
  requests?: number;
}

/** What `record()` changed. */
export interface RecordResult {
  /** False when the store failed (the error is reported as a `store_error` event too). */
  recorded: boolean;
  /** Tokens charged (+) or refunded (-). */
  tokens: number;
  /** Dollars charged (+) or refunded (-). */
  cost: number;
  /** Requests counted (+) or given back (-). */
  requests: number;
  limits: LimitStatus[];
  error?: LimitRateError;
}

/** What `reset()` deletes. */
export type ResetTarget =
  | { userId: string; endpoint?: string; method?: string }
  | { endpoint: string; method?: string; userId?: undefined }
  | { key: string | readonly string[] }
  | { all: true };
