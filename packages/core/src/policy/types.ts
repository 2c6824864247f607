// Configuration types: plans, endpoint policies, rate / token / cost rules and user
// overrides, in the shape LimitRate v3 users already write, plus the v4 additions.
import type { AlgorithmName } from '../algorithms/types.js';

/** What happens when a limit is exceeded. */
export type ActionOnExceed = 'block' | 'slowdown' | 'allow-and-log';

/**
 * Request-rate and token limits. Several `maxPer*` fields mean several limits, all
 * enforced ("10 per minute and 1,000 per day").
 *
 * @example
 * ```ts
 * const rule: RateRule = { maxPerMinute: 10, maxPerDay: 1000, burst: 5, actionOnExceed: 'block' };
 * ```
 */
export interface RateRule {
  maxPerSecond?: number;
  maxPerMinute?: number;
  maxPerHour?: number;
  maxPerDay?: number;
  /** Extra requests allowed on top of each `maxPer*` limit (v3 semantics: the limit becomes `maxPer* + burst`). */
  burst?: number;
  /** Token limits, weighted by the request's token count. */
  maxTokensPerMinute?: number;
  maxTokensPerHour?: number;
  maxTokensPerDay?: number;
  /** Algorithm for every limit of this rule (default `fixed-window`). */
  algorithm?: AlgorithmName;
  /** token-bucket / leaky-bucket / gcra: most units admitted at once. */
  capacity?: number;
  /** token-bucket: tokens added per second (instead of a `maxPer*` field). */
  refillRate?: number;
  /** token-bucket: tokens a new bucket starts with (default: capacity). */
  initialTokens?: number;
  /** leaky-bucket: units drained per second (instead of a `maxPer*` field). */
  leakRate?: number;
  /** Default `block`. */
  actionOnExceed?: ActionOnExceed;
  /** Delay for `slowdown`, in ms (default 500, at most 60,000). */
  slowdownMs?: number;
}

/**
 * Spending caps in dollars (any currency, really), counted in integer micro-units so sums
 * never drift.
 *
 * @example
 * ```ts
 * const cost: CostRule = { estimateCost: (req) => 0.002, hourlyCap: 0.10, dailyCap: 1 };
 * ```
 */
export interface CostRule<TReq = unknown> {
  /** The request's cost in dollars. Not needed when the request carries `cost`. */
  estimateCost?: (req: TReq) => number | Promise<number>;
  hourlyCap?: number;
  dailyCap?: number;
  /** Algorithm for the caps (default `fixed-window`). */
  algorithm?: AlgorithmName;
  /** Default `block`. */
  actionOnExceed?: ActionOnExceed;
  slowdownMs?: number;
  /** How long `estimateCost` may take (default 5,000 ms). */
  costEstimationTimeoutMs?: number;
}

/** In-flight limit of an endpoint (enforced by the HTTP adapters, which see a request finish). */
export interface ConcurrencyRule {
  max: number;
  queueTimeout?: number;
  maxQueueSize?: number;
  actionOnExceed?: 'queue' | 'block';
}

/**
 * The limits of one endpoint (or the defaults of a plan). An empty policy `{}` means "no
 * limits here", which exempts an endpoint from the plan's defaults.
 */
export interface EndpointPolicy<TReq = unknown> {
  rate?: RateRule;
  cost?: CostRule<TReq>;
  concurrency?: ConcurrencyRule;
}

/**
 * A plan: per-endpoint policies keyed `'METHOD|/path'` and defaults for every other
 * endpoint. `rate` / `cost` directly on the plan are shorthand for `defaults`.
 *
 * @example
 * ```ts
 * const free: PlanPolicy = {
 *   endpoints: { 'POST|/api/chat': { rate: { maxPerMinute: 10 } }, 'GET|/users/:id': { rate: { maxPerSecond: 5 } } },
 *   defaults: { rate: { maxPerMinute: 60 } },
 * };
 * ```
 */
export interface PlanPolicy<TReq = unknown> {
  endpoints?: Record<string, EndpointPolicy<TReq>>;
  defaults?: EndpointPolicy<TReq>;
  rate?: RateRule;
  cost?: CostRule<TReq>;
}

/** Plans by name. */
export type Policies<TReq = unknown> = Record<string, PlanPolicy<TReq>>;

/** Limits that replace a plan's for one user (v3 shape, plus tokens, burst and caps). */
export interface OverrideLimits {
  maxPerSecond?: number;
  maxPerMinute?: number;
  maxPerHour?: number;
  maxPerDay?: number;
  burst?: number;
  maxTokensPerMinute?: number;
  maxTokensPerHour?: number;
  maxTokensPerDay?: number;
  hourlyCap?: number;
  dailyCap?: number;
}

/**
 * A user's own limits. Each field replaces the same field of the plan's rule; an entry in
 * `endpoints` (keyed like policies) replaces the top-level fields for that endpoint.
 *
 * @example
 * ```ts
 * const overrides: Record<string, UserOverride> = {
 *   'user-vip': { maxPerMinute: 1000, reason: 'enterprise trial' },
 * };
 * ```
 */
export interface UserOverride extends OverrideLimits {
  /** For audit logs; not used by the limiter. */
  reason?: string;
  endpoints?: Record<string, OverrideLimits>;
}
