// rateLimitProxy(options): many routes limited at once from Next.js's proxy.ts (the Node.js
// runtime, Next.js 16) or middleware.ts (the edge runtime too). Endpoint keys come from the
// route templates given in `routes`; an allowed request goes on (NextResponse.next(), or your
// own proxy's answer) carrying the headers, a refused one gets its 403/429/503.
// A proxy never sees the route's response, so options that need it are refused.
import type { ConfigIssue, HttpLimiter, HttpLimiterOptions, InspectorOptions, RateLimiter, RateLimitStatus } from '@limitrate/core';
import type { NextFetchEvent, NextRequest } from 'next/server';
import { delay } from './delay.js';
import { routeInspector } from './inspector.js';
import { buildLimiter, type RouteOptions } from './limiter.js';
import { describeWeb, pathOf } from './request.js';
import { addHeaders, isResponse, refusalResponse } from './response.js';

/** Options that need the response, which a proxy never sees. */
type AfterResponseOptions = 'extractTokenUsage' | 'skipSuccessfulRequests' | 'skipFailedRequests';

/** Options of `rateLimitProxy`: core's HTTP options (callbacks get the NextRequest) except those that need the response, plus `routes`. */
export interface RateLimitProxyOptions extends Omit<HttpLimiterOptions<NextRequest, never>, AfterResponseOptions>, RouteOptions {}

/** Your own proxy logic, run for requests the limiter lets through. */
export type ProxyFunction = (request: NextRequest, event: NextFetchEvent) => Response | null | undefined | void | Promise<Response | null | undefined | void>;

/** The proxy function to export from proxy.ts (or middleware.ts), with handles on its limiter. */
export interface RateLimitProxy {
  (request: NextRequest, event?: NextFetchEvent): Promise<Response>;
  readonly limiter: RateLimiter<NextRequest>;
  readonly http: HttpLimiter<NextRequest, never>;
  /** A caller's quota for this request (or for `endpoint`), counting nothing. */
  status(request: NextRequest, endpoint?: string): Promise<RateLimitStatus>;
  /**
   * A route handler serving this limiter's analytics report as JSON, for
   * `npx limitrate dashboard --url <app>/limitrate --token <token>`. It answers 401 without
   * the token (`Authorization: Bearer <token>` or `X-LimitRate-Token`), 405 for methods but
   * GET and HEAD, 400 for a bad query (`range`, `top`, `blocks`, `user`, `plan`,
   * `endpoint`). Needs `analytics: true` in the options and a token of at least 8
   * characters: throws a ConfigError otherwise. Answer it from proxy.ts itself,
   * before the limiter: Next.js bundles the proxy apart from the route handlers, which
   * would not see its counts.
   *
   * @example
   * ```ts
   * // proxy.ts
   * const limit = rateLimitProxy({ analytics: true, policies });
   * const inspect = limit.inspector({ token: process.env.LIMITRATE_INSPECTOR_TOKEN! });
   *
   * export function proxy(request: NextRequest, event: NextFetchEvent) {
   *   return request.nextUrl.pathname === '/limitrate' ? inspect(request) : limit(request, event);
   * }
   * ```
   */
  inspector(options: InspectorOptions): (request: Request) => Response;
  close(): Promise<void>;
}

const NEEDS_RESPONSE = 'a proxy never sees the response of the route';

/** The options a proxy cannot honour, as configuration issues. */
function proxyIssues(options: Record<string, unknown>, http: HttpLimiter<NextRequest, never> | undefined): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const unsupported = (path: string, message: string) => issues.push({ path, code: 'ERR_LIMITRATE_UNSUPPORTED_OPTION', message, hint: 'Wrap the route handler with withRateLimit() for this, or leave it out of the proxy' });
  if (options.extractTokenUsage !== undefined) unsupported('extractTokenUsage', `cannot be used in a proxy: ${NEEDS_RESPONSE}`);
  for (const key of ['skipSuccessfulRequests', 'skipFailedRequests'] as const) if (options[key] === true) unsupported(key, `cannot be used in a proxy: ${NEEDS_RESPONSE}`);
  if (http?.hasInFlightLimits === true) unsupported('policies', `in-flight (concurrency) limits cannot be used in a proxy: ${NEEDS_RESPONSE} end`);
  return issues;
}

/**
 * "Continue to the route": what `NextResponse.next()` returns (a Response with the
 * `x-middleware-next` header), built without importing `next/server` at run time, so that
 * this package also loads outside Next.js's bundler (plain Node.js ESM, test runners).
 */
const passThrough = (): Response => new Response(null, { headers: { 'x-middleware-next': '1' } });

/** The event Next.js passes; a stand-in when the proxy is called by hand. */
const NO_EVENT = { waitUntil: () => undefined } as unknown as NextFetchEvent;

/**
 * Rate limiting in `proxy.ts` (`middleware.ts` before Next.js 16) for every route its
 * `config.matcher` selects. Give the routes' templates in `routes` so that
 * `/api/users/1` and `/api/users/2` count as one endpoint; other paths are counted with
 * identifier-like segments (numbers, UUIDs) as `:id`. Pass your own proxy function as the
 * second argument to run it for allowed requests: the headers are added to its response.
 *
 * @example
 * ```ts
 * // proxy.ts
 * import { rateLimitProxy } from '@limitrate/nextjs';
 *
 * export const proxy = rateLimitProxy({
 *   trustProxy: true, // on Vercel, or behind a proxy that sets X-Forwarded-For
 *   routes: ['/api/users/[id]', '/api/posts/[...slug]'],
 *   policies: { free: { endpoints: { 'POST|/api/chat': { rate: { maxPerMinute: 10 } } }, defaults: { rate: { maxPerMinute: 100 } } } },
 * });
 *
 * export const config = { matcher: '/api/:path*' };
 * ```
 */
export function rateLimitProxy(options: RateLimitProxyOptions, next?: ProxyFunction): RateLimitProxy {
  const { http, routes } = buildLimiter<NextRequest, never>(options as HttpLimiterOptions<NextRequest, never>, (h) => proxyIssues(options as unknown as Record<string, unknown>, h));
  const trusted = http.readsForwardedFor;
  const proxy = async function rateLimitedProxy(request: NextRequest, event: NextFetchEvent = NO_EVENT): Promise<Response> {
    const path = pathOf(request);
    const d = await http.decide(describeWeb(request, path, routes.match(path), trusted));
    if (d.action === 'refuse') return refusalResponse(d);
    if (d.delayMs > 0) await delay(d.delayMs, request.signal);
    const own = next === undefined ? undefined : await next(request, event);
    return addHeaders(isResponse(own) ? own : passThrough(), d.headers);
  };
  return Object.assign(proxy, {
    limiter: http.limiter,
    http,
    status: (request: NextRequest, endpoint?: string) => {
      const path = pathOf(request);
      return http.status(describeWeb(request, path, routes.match(path), trusted), endpoint);
    },
    inspector: (inspectorOptions: InspectorOptions) => routeInspector(() => http.limiter, inspectorOptions),
    close: () => http.close(),
  });
}
