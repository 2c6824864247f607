// `c.get('rateLimit')`: what the middleware tells the handlers about a request's limits,
// typed for every app through Hono's ContextVariableMap.
import type { HttpDecision, RateLimitResult } from '@limitrate/core';

/**
 * What the middleware puts on `c.get('rateLimit')`.
 *
 * @example
 * ```ts
 * app.get('/api/items', (c) => {
 *   const info: RateLimitInfo = c.get('rateLimit');
 *   return c.json({ items: [], remaining: info.remaining });
 * });
 * ```
 */
export interface RateLimitInfo {
  /** The limit that matters most (the one that refused, or the closest to running out); Infinity when none applies. */
  limit: number;
  used: number;
  /** Alias of `used` (LimitRate v3's name). */
  current: number;
  remaining: number;
  /** Seconds until that limit is fully available again. */
  reset: number;
  /** When that happens. */
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

declare module 'hono' {
  interface ContextVariableMap {
    /** Set by @limitrate/hono on every request it sees. */
    rateLimit: RateLimitInfo;
  }
}

/**
 * The `rateLimit` variable of a decision.
 *
 * @example
 * ```ts
 * c.set('rateLimit', rateLimitInfo(decision));
 * ```
 */
export function rateLimitInfo<TRes>(d: HttpDecision<TRes>): RateLimitInfo {
  const r = d.result;
  if (r === undefined || r.limits.length === 0) {
    return { limit: Infinity, used: r?.current ?? 0, current: r?.current ?? 0, remaining: Infinity, reset: r?.resetInSeconds ?? 0, resetTime: undefined, policy: r?.policy ?? '', rule: r?.blockedBy?.id, user: d.user, plan: d.plan, endpoint: d.endpoint, result: r };
  }
  return {
    limit: r.limit,
    used: r.current,
    current: r.current,
    remaining: r.remaining,
    reset: r.resetInSeconds,
    resetTime: new Date(r.timestamp + r.resetInSeconds * 1000),
    policy: r.policy,
    rule: r.blockedBy?.id,
    user: d.user,
    plan: d.plan,
    endpoint: d.endpoint,
    result: r,
  };
}
