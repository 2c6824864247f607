// What every adapter tells the app's handlers about a request's limits (`req.rateLimit` in
// Express, `request.rateLimit` in Fastify, `c.get('rateLimit')` in Hono, `rateLimitInfo()`
// in Next.js): one shape, built from the HTTP decision in one place.
import type { RateLimitResult } from '../types.js';
import type { HttpDecision } from './engine.js';

/**
 * A request's limits as its handler sees them.
 *
 * @example
 * ```ts
 * app.get('/api/items', (req, res) => res.json({ items: [], left: req.rateLimit?.remaining }));
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
  /** Who was counted (identifyUser's answer, or the client IP). */
  user: string;
  plan: string;
  /** The endpoint key (`POST|/api/chat`, `GET|/api/users/:id`). */
  endpoint: string;
  /** The full result, when a check ran (undefined for skipped and allowlisted requests). */
  result: RateLimitResult | undefined;
}

/**
 * The {@link RateLimitInfo} of an HTTP decision.
 *
 * @example
 * ```ts
 * const d = await http.decide(info);
 * req.rateLimit = rateLimitInfo(d);
 * ```
 */
export function rateLimitInfo(d: Pick<HttpDecision<unknown>, 'user' | 'plan' | 'endpoint' | 'result'>): RateLimitInfo {
  const r = d.result;
  if (r === undefined || r.limits.length === 0) {
    const used = r?.current ?? 0;
    return { limit: Infinity, used, current: used, remaining: Infinity, reset: r?.resetInSeconds ?? 0, resetTime: undefined, policy: r?.policy ?? '', rule: r?.blockedBy?.id, user: d.user, plan: d.plan, endpoint: d.endpoint, result: r };
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
