// What a handler may learn about the decision on its request: `rateLimitInfo(request)`.
import { rateLimitInfo as infoOf, type HttpDecision, type RateLimitInfo } from '@limitrate/core';

export type { RateLimitInfo } from '@limitrate/core';

const byRequest = new WeakMap<object, RateLimitInfo>();

/** Remembers the decision on `request` for {@link rateLimitInfo}. */
export function remember(request: object, d: Pick<HttpDecision<unknown>, 'user' | 'plan' | 'endpoint' | 'result'>): void {
  byRequest.set(request, infoOf(d));
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
