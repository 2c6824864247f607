// Quota status for frontends ("47 of 100 left"): a route handler and a function that report
// the caller's limits without counting anything, in LimitRate v3's shape (used, limit,
// remaining, resetIn, plan, percentage) plus every limit.
import { LimitRateError, type RateLimitStatus } from '@limitrate/core';
import type { FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import type { LimitRateHandle } from './plugin.js';

const isHandle = (v: unknown): v is LimitRateHandle => typeof v === 'object' && v !== null && 'http' in v && 'limiter' in v && 'status' in v;

/** The limiter registered in the request's route context (or a parent). */
function handleOf(request: FastifyRequest): LimitRateHandle {
  const handle = (request.server as { limitrate?: unknown }).limitrate;
  if (!isHandle(handle)) {
    throw new LimitRateError('ERR_LIMITRATE_INVALID_CONFIG', "@limitrate/fastify is not registered in this route's context", {
      hint: 'Register the plugin in the context that declares the route, or a parent of it, or pass app.limitrate explicitly',
    });
  }
  return handle;
}

/**
 * The caller's quota on an endpoint (default: the request's own), counting nothing. The
 * limiter is the one registered in the route's context, or the one given.
 *
 * @example
 * ```ts
 * app.get('/api/me', async (request) => {
 *   const chat = await getRateLimitStatus(request, 'POST|/api/chat');
 *   return { chatsLeft: chat.remaining };
 * });
 * ```
 */
export function getRateLimitStatus(request: FastifyRequest, endpoint?: string): Promise<RateLimitStatus>;
export function getRateLimitStatus(limiter: LimitRateHandle, request: FastifyRequest, endpoint?: string): Promise<RateLimitStatus>;
export async function getRateLimitStatus(a: FastifyRequest | LimitRateHandle, b?: FastifyRequest | string, c?: string): Promise<RateLimitStatus> {
  if (isHandle(a)) return a.status(b as FastifyRequest, c);
  return handleOf(a).status(a, b as string | undefined);
}

/**
 * A GET handler answering with the caller's quota as JSON (on the endpoint given, or the
 * one requested), with `Cache-Control: no-store`. Errors answer 500 without detail.
 *
 * @example
 * ```ts
 * app.get('/api/quota', createStatusEndpoint({ endpoint: 'POST|/api/chat' }));
 * ```
 */
export function createStatusEndpoint(options?: { endpoint?: string }): RouteHandlerMethod;
export function createStatusEndpoint(limiter: LimitRateHandle, options?: { endpoint?: string }): RouteHandlerMethod;
export function createStatusEndpoint(a?: LimitRateHandle | { endpoint?: string }, b?: { endpoint?: string }): RouteHandlerMethod {
  const limiter = isHandle(a) ? a : undefined;
  const endpoint = (isHandle(a) ? b : a)?.endpoint;
  return async function statusEndpoint(request: FastifyRequest, reply: FastifyReply) {
    try {
      const status = await (limiter ?? handleOf(request)).status(request, endpoint);
      void reply.header('cache-control', 'no-store');
      return status;
    } catch {
      void reply.code(500);
      return { ok: false, error: 'Failed to get the rate limit status' };
    }
  };
}
