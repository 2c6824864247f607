// request.rateLimit: the decision in the shape @limitrate/express puts on req.rateLimit
// (the limit that matters most, what is left of it, when it resets, who and what was counted).
import type { HttpDecision, RateLimitResult } from '@limitrate/core';

/**
 * What the plugin puts on `request.rateLimit` (the same fields as `req.rateLimit` in
 * @limitrate/express).
 *
 * @example
 * ```ts
 * app.get('/api/items', async (request) => ({ items: [], left: request.rateLimit?.remaining }));
 * ```
 */
export interface RateLimitInfo {
  /** The limit that matters most (the one that refused, or the closest to running out); Infinity when none applies. */
  limit: number;
  used: number;
  /** Alias of `used` (express-rate-limit and LimitRate v3 name). */
  current: number;
  remaining: number;
  /** Seconds until that limit is fully available again. */
  reset: number;
  /** When that happens (undefined when no limit applies). */
  resetTime: Date | undefined;
  /** The policy key that applied (`POST|/api/chat`, `defaults`, or '' for none). */
  policy: string;
  /** Id of the limit that refused or slowed the request (`rate:1m`, `cost:1d`, ...). */
  rule: string | undefined;
  user: string;
  plan: string;
  endpoint: string;
  /** The full decision, when a check ran (undefined for skipped and allowlisted requests). */
  result: RateLimitResult | undefined;
}

/** The RateLimitInfo of a decision. */
export function rateLimitInfo<TRes>(d: HttpDecision<TRes>): RateLimitInfo {
  const result = d.result;
  if (result === undefined || result.limits.length === 0) {
    const used = result?.current ?? 0;
    return { limit: Infinity, used, current: used, remaining: Infinity, reset: result?.resetInSeconds ?? 0, resetTime: undefined, policy: result?.policy ?? '', rule: result?.blockedBy?.id, user: d.user, plan: d.plan, endpoint: d.endpoint, result };
  }
  return {
    limit: result.limit,
    used: result.current,
    current: result.current,
    remaining: result.remaining,
    reset: result.resetInSeconds,
    resetTime: new Date(result.timestamp + result.resetInSeconds * 1000),
    policy: result.policy,
    rule: result.blockedBy?.id,
    user: d.user,
    plan: d.plan,
    endpoint: d.endpoint,
    result,
  };
}
