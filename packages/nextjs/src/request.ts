// A Web request (NextRequest in route handlers and proxy.ts) as core's HTTP layer sees it.
// Next.js gives neither handlers nor the proxy the socket's address: the client address
// comes from X-Forwarded-For (or X-Real-IP) and only when proxies are trusted, as on Vercel.
import type { HttpRequestInfo } from '@limitrate/core';
import type { NextRequest } from 'next/server';

/** The URL path of a request, without the query: `nextUrl.pathname` on a NextRequest (basePath and locale removed). */
export function pathOf(request: Request): string {
  const next = (request as Partial<NextRequest>).nextUrl;
  if (next !== undefined && typeof next.pathname === 'string') return next.pathname;
  try {
    return new URL(request.url).pathname;
  } catch {
    return '/';
  }
}

/**
 * The request for `HttpLimiter.decide`. `trusted`: the limiter reads forwarded addresses
 * (`trustProxy` or `trustedProxyCount`); X-Real-IP stands in when X-Forwarded-For is absent.
 */
export function describeWeb(request: NextRequest, path: string, route: string | undefined, trusted: boolean): HttpRequestInfo<NextRequest> {
  let forwardedFor: string | undefined;
  if (trusted) forwardedFor = request.headers.get('x-forwarded-for') ?? request.headers.get('x-real-ip') ?? undefined;
  return { method: request.method, path, route, remoteAddress: undefined, forwardedFor, raw: request, signal: request.signal };
}
