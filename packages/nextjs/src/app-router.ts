// withRateLimit(options)(handler): rate limiting for App Router route handlers (and Pages
// Router API routes on the edge runtime, which have the same shape). The limiter is built
// once, when the wrapper is made; each request is decided before the handler runs, and the
// handler's Response carries the headers back. After-response work (tokens, skip*, in-flight
// slots) runs once the response body has been sent.
import type { HttpDecision, HttpLimiter, HttpLimiterOptions, InspectorOptions, RateLimiter, RateLimitStatus } from '@limitrate/core';
import type { NextRequest } from 'next/server';
import { delay } from './delay.js';
import { remember } from './info.js';
import { routeInspector } from './inspector.js';
import { buildLimiter, type RouteOptions } from './limiter.js';
import { ParamTemplates } from './params.js';
import { describeWeb, pathOf } from './request.js';
import { addHeaders, isResponse, onBodyEnd, refusalResponse } from './response.js';
import { statusOfThrown } from './thrown.js';

/** Options of `withRateLimit`: core's HTTP options (callbacks get the NextRequest; `extractTokenUsage` the handler's Response), plus `routes`. */
export interface WithRateLimitOptions extends HttpLimiterOptions<NextRequest, Response>, RouteOptions {}

/** A route handler as Next.js calls it: the request, and `{ params }` (a promise) for dynamic routes. */
export type RouteHandler<C, R extends Response | void> = (request: NextRequest, context: C) => R | Promise<R>;

/** The wrapped handler: same arguments (the context may be left out when its type is unknown), a refusal or the handler's answer. */
export type RateLimitedHandler<C, R extends Response | void> = (request: NextRequest, ...context: unknown extends C ? [context?: C] : [context: C]) => Promise<R | Response>;

/** What `withRateLimit(options)` returns: wrap handlers with it; they share its limiter. */
export interface RateLimitWrapper {
  <C = unknown, R extends Response | void = Response | void>(handler: RouteHandler<C, R>): RateLimitedHandler<C, R>;
  /** The framework-free limiter (check, peek, record, reset, events, ready). */
  readonly limiter: RateLimiter<NextRequest>;
  /** The shared HTTP engine. */
  readonly http: HttpLimiter<NextRequest, Response>;
  /** A caller's quota for this request (or for `endpoint`), counting nothing. */
  status(request: NextRequest, endpoint?: string): Promise<RateLimitStatus>;
  /**
   * A route handler serving this limiter's analytics report as JSON, for
   * `npx limitrate dashboard --url <app>/limitrate --token <token>`. It answers 401 without
   * the token (`Authorization: Bearer <token>` or `X-LimitRate-Token`), 405 for methods but
   * GET and HEAD, 400 for a bad query (`range`, `top`, `blocks`, `user`, `plan`,
   * `endpoint`). Needs `analytics: true` in the options and a token of at least 8
   * characters: throws a ConfigError otherwise. Export it unwrapped, so that it
   * is not limited itself, from a route handler that imports the same wrapper as the routes.
   *
   * @example
   * ```ts
   * // app/limitrate/route.ts (`limit` is the module-level withRateLimit(...) your routes use)
   * import { limit } from '../../lib/limit';
   *
   * export const GET = limit.inspector({ token: process.env.LIMITRATE_INSPECTOR_TOKEN! });
   * ```
   */
  inspector(options: InspectorOptions): (request: Request) => Response;
  /** Deliver pending events and webhooks and close the store. */
  close(): Promise<void>;
}

/** A stand-in response for outcomes without one (the handler threw, returned nothing, or nobody was left to answer). */
const placeholder = (status: number): Response => new Response(null, { status });

/** The client went away before the handler ran: nobody reads this. */
const CLIENT_GONE = 499;

/**
 * Rate limiting for App Router route handlers. Call it once per set of options (at module
 * level: the limiter and its counters live as long as the module) and wrap each handler.
 *
 * @example
 * ```ts
 * // app/api/chat/route.ts
 * import { withRateLimit } from '@limitrate/nextjs';
 *
 * export const POST = withRateLimit({
 *   identifyUser: (req) => req.headers.get('x-api-key') ?? 'anonymous',
 *   policies: { free: { rate: { maxPerMinute: 10 } } },
 * })(async (request) => {
 *   return Response.json({ reply: 'hello' });
 * });
 * ```
 */
export function withRateLimit(options: WithRateLimitOptions): RateLimitWrapper {
  const { http, routes } = buildLimiter<NextRequest, Response>(options);
  const trusted = http.readsForwardedFor;

  /** The decision on a request (the route template from `routes`, else from the handler's params). */
  async function decide(request: NextRequest, context: unknown, templates: ParamTemplates): Promise<HttpDecision<Response>> {
    const path = pathOf(request);
    const route = routes.match(path) ?? (await templates.of(path, context));
    return http.decide(describeWeb(request, path, route, trusted));
  }

  const wrap = function rateLimit<C, R extends Response | void>(handler: RouteHandler<C, R>): RateLimitedHandler<C, R> {
    const templates = new ParamTemplates();
    return async function rateLimitedHandler(request: NextRequest, ...rest: unknown[]): Promise<R | Response> {
      const context = rest[0] as C;
      const d = await decide(request, context, templates);
      if (d.action === 'refuse') return refusalResponse(d);
      remember(request, d);
      const done = d.done;
      const signal = request.signal as AbortSignal | undefined;
      if (signal?.aborted === true || (d.delayMs > 0 && !(await delay(d.delayMs, signal)))) {
        // The client left while the limiter decided or during the slowdown: the handler is
        // not run, and the after-response work happens now.
        const gone = placeholder(CLIENT_GONE);
        done?.({ statusCode: CLIENT_GONE, completed: false, res: gone });
        return gone;
      }
      let res: R;
      try {
        res = await handler(request, context);
      } catch (error) {
        const status = statusOfThrown(error);
        done?.({ statusCode: status, completed: true, res: placeholder(status) });
        throw error;
      }
      if (!isResponse(res)) {
        // Next.js answers 500 for a handler that returns no Response.
        done?.({ statusCode: 500, completed: true, res: placeholder(500) });
        return res;
      }
      const out = addHeaders(res, d.headers);
      if (done === undefined) return out as R | Response;
      // extractTokenUsage gets the handler's own Response (its body has been sent by then).
      return onBodyEnd(out, request.method, signal, (completed) => done({ statusCode: out.status, completed, res }));
    };
  };

  return Object.assign(wrap, {
    limiter: http.limiter,
    http,
    status: async (request: NextRequest, endpoint?: string) => {
      const path = pathOf(request);
      return http.status(describeWeb(request, path, routes.match(path), trusted), endpoint);
    },
    inspector: (inspectorOptions: InspectorOptions) => routeInspector(() => http.limiter, inspectorOptions),
    close: () => http.close(),
  }) as RateLimitWrapper;
}
