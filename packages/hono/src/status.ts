// Quota status for frontends ("47 of 100 left"): a handler and a function that report a
// caller's limits without counting anything, in LimitRate v3's shape (used, limit,
// remaining, resetIn, plan, percentage) plus every limit.
import type { RateLimitStatus } from '@limitrate/core';
import type { Context, Env, Handler } from 'hono';
import type { LimitRateHandles } from './middleware.js';

/**
 * A caller's quota, counting nothing: for the request's own endpoint, or for `endpoint`.
 *
 * @example
 * ```ts
 * const limiter = limitrate(options);
 * app.get('/api/quota', async (c) => c.json(await getRateLimitStatus(limiter, c, 'POST|/api/chat')));
 * ```
 */
export function getRateLimitStatus<E extends Env>(limiter: LimitRateHandles<E>, c: Context<E>, endpoint?: string): Promise<RateLimitStatus> {
  return limiter.status(c, endpoint);
}

/**
 * A GET handler that answers with the caller's quota as JSON (for the endpoint given, or
 * the one requested), never cached. Errors answer 500 without detail.
 *
 * @example
 * ```ts
 * app.get('/api/quota', createStatusEndpoint(limiter, { endpoint: 'POST|/api/chat' }));
 * ```
 */
export function createStatusEndpoint<E extends Env>(limiter: LimitRateHandles<E>, options: { endpoint?: string } = {}): Handler<E> {
  return async function statusEndpoint(c) {
    try {
      const status = await limiter.status(c, options.endpoint);
      return c.body(JSON.stringify(status), 200, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
    } catch {
      return c.body(JSON.stringify({ ok: false, error: 'Failed to get the rate limit status' }), 500, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
    }
  };
}
