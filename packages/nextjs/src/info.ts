// What a handler may learn about the decision on its request: `rateLimitInfo(request)`.
import type { HttpDecision, RateLimitResult } from '@limitrate/core';

/** The limiter's decision on a request, as its handler can read it. */
export interface RateLimitInfo {
  /** Who was counted (identifyUser's answer, or the client IP). */
  user: string;
  plan: string;
  /** The endpoint key (`POST|/api/chat`, `GET|/api/users/:id`). */
  endpoint: string;
  /** The full result (`remaining`, `limit`, `resetInSeconds`, every limit), when a check ran: undefined for skipped and allowlisted requests. */
  result: RateLimitResult | undefined;
}

const byRequest = new WeakMap<object, RateLimitInfo>();

/** Remembers the decision on `request` for {@link rateLimitInfo}. */
export function remember(request: object, d: Pick<HttpDecision<unknown>, 'user' | 'plan' | 'endpoint' | 'result'>): void {
  byRequest.set(request, { user: d.user, plan: d.plan, endpoint: d.endpoint, result: d.result });
}

/**
 * The decision the limiter made on this request, from inside a handler wrapped by
 * `withRateLimit` or `withRateLimitApi` (undefined for a request no limiter saw).
 *
 * @example
 * ```ts
 * export const POST = withRateLimit({ policies })(async (request) => {
 *   const left = rateLimitInfo(request)?.result?.remaining;
 *   return Response.json({ ok: true, left });
 * });
 * ```
 */
export function rateLimitInfo(request: object): RateLimitInfo | undefined {
  return byRequest.get(request);
}
