// The inspector handlers of the Next.js helpers (`limit.inspector({ token })`): an App Router
// route handler (Request in, Response out; edge-safe) and a Pages Router API route, each
// serving the limiter's analytics report as JSON to `npx limitrate dashboard` through core's
// framework-free inspector.
import { createInspector, type InspectedLimiter, type InspectorOptions, type InspectorRequest } from '@limitrate/core';
import type { NextApiRequest, NextApiResponse } from 'next';

/** The query string of a URL or request target (without `?`), as search parameters. */
function queryOf(url: string | undefined): URLSearchParams {
  const raw = url ?? '';
  const at = raw.indexOf('?');
  if (at < 0) return new URLSearchParams();
  const hash = raw.indexOf('#', at);
  return new URLSearchParams(raw.slice(at + 1, hash < 0 ? undefined : hash));
}

/** `next build` is running (it loads route modules, often without the runtime's secrets). */
function building(): boolean {
  return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.NEXT_PHASE === 'phase-production-build';
}

/**
 * Core's inspector for `limiter()`. A configuration error (no token, analytics off) throws
 * now, except while `next build` loads the module: then it throws at the first request, so
 * that a build without the runtime's secrets still succeeds.
 */
function inspectorOf(limiter: () => InspectedLimiter, options: InspectorOptions): (request: InspectorRequest) => ReturnType<ReturnType<typeof createInspector>> {
  try {
    return createInspector(limiter, options);
  } catch (error) {
    if (!building()) throw error;
    let inspect: ReturnType<typeof createInspector> | undefined;
    return (request) => (inspect ??= createInspector(limiter, options))(request);
  }
}

/**
 * A route handler answering the inspector's requests for the limiter `limiter()` returns.
 * Throws a ConfigError now when the token is missing or shorter than 8 characters, or
 * analytics is off (during `next build`, at the first request instead).
 *
 * @example
 * ```ts
 * // app/limitrate/route.ts
 * export const GET = routeInspector(() => limit.limiter, { token: process.env.LIMITRATE_INSPECTOR_TOKEN! });
 * ```
 */
export function routeInspector(limiter: () => InspectedLimiter, options: InspectorOptions): (request: Request) => Response {
  const inspect = inspectorOf(limiter, options);
  return function limitrateInspector(request: Request): Response {
    const answer = inspect({ method: request.method, query: queryOf(request.url), header: (name) => request.headers.get(name) ?? undefined });
    return new Response(request.method === 'HEAD' ? null : answer.body, { status: answer.status, headers: answer.headers });
  };
}

/** A Pages Router request as core's inspector sees it. */
function describeNode(req: NextApiRequest): InspectorRequest {
  return {
    method: req.method ?? 'GET',
    query: queryOf(req.url),
    header(name) {
      const value = req.headers?.[name];
      return Array.isArray(value) ? value.join(', ') : value;
    },
  };
}

/**
 * A Pages Router API route answering the inspector's requests for the limiter
 * `limiter()` returns. Throws a ConfigError now, as `routeInspector` does.
 *
 * @example
 * ```ts
 * // pages/api/limitrate.ts
 * export default apiInspector(() => limit.limiter, { token: process.env.LIMITRATE_INSPECTOR_TOKEN! });
 * ```
 */
export function apiInspector(limiter: () => InspectedLimiter, options: InspectorOptions): (req: NextApiRequest, res: NextApiResponse) => void {
  const inspect = inspectorOf(limiter, options);
  return function limitrateApiInspector(req: NextApiRequest, res: NextApiResponse): void {
    const answer = inspect(describeNode(req));
    res.statusCode = answer.status;
    for (const [name, value] of answer.headers) res.setHeader(name, value);
    if (req.method === 'HEAD') res.end();
    else res.end(answer.body);
  };
}
