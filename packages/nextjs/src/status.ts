// Quota status for frontends ("47 of 100 left"): a GET route handler and a function that
// report a caller's limits without counting anything.
import type { RateLimitStatus } from '@limitrate/core';
import type { NextRequest } from 'next/server';

/** Anything that can report a caller's status: a `withRateLimit` wrapper or a `rateLimitProxy`. */
export interface StatusSource {
  status(request: NextRequest, endpoint?: string): Promise<RateLimitStatus>;
}

/**
 * A caller's quota for `endpoint` (default: the endpoint of this request), counting nothing.
 *
 * @example
 * ```ts
 * const limit = withRateLimit(options);
 * export const GET = async (request: NextRequest) => Response.json(await getRateLimitStatus(limit, request, 'POST|/api/chat'));
 * ```
 */
export function getRateLimitStatus(source: StatusSource, request: NextRequest, endpoint?: string): Promise<RateLimitStatus> {
  return source.status(request, endpoint);
}

/**
 * A GET route handler answering with the caller's quota as JSON (`used`, `limit`,
 * `remaining`, `resetIn`, `plan`, `percentage`, `endpoint`, every limit), uncached. A
 * failure answers 500 without detail.
 *
 * @example
 * ```ts
 * // app/api/quota/route.ts
 * import { createStatusEndpoint } from '@limitrate/nextjs';
 * import { limit } from '../../../lib/limit';
 *
 * export const GET = createStatusEndpoint(limit, { endpoint: 'POST|/api/chat' });
 * ```
 */
export function createStatusEndpoint(source: StatusSource, options: { endpoint?: string } = {}): (request: NextRequest) => Promise<Response> {
  return async function statusEndpoint(request: NextRequest): Promise<Response> {
    try {
      const status = await source.status(request, options.endpoint);
      return Response.json(status, { headers: { 'Cache-Control': 'no-store' } });
    } catch {
      return Response.json({ ok: false, error: 'Failed to get the rate limit status' }, { status: 500, headers: { 'Cache-Control': 'no-store' } });
    }
  };
}
