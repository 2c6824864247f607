// Next.js with @limitrate/nextjs: App Router route handlers wrapped by one
// `withRateLimit(options)`, served without `next build` by a node:http server that builds
// the NextRequest (X-Forwarded-For set to the peer when absent, as Next.js's server does),
// finds the handler, and writes its Response back.
import type { IncomingMessage } from 'node:http';
import type { RateLimiter, RateLimitInfo } from '@limitrate/core';
import { matchPath } from '../routes.js';
import { buffered, nodeServer, serve, webRequest, webResponse, writeWeb } from '../node.js';
import type { IntegrationRouteHandler } from '../types.js';
import { exported, type Driver, type StartContext, type Started } from './types.js';

/** The parts of Next.js and the adapter used here. */
interface NextRequest extends Request {
  readonly nextUrl: URL;
}
interface RouteContext {
  params: Promise<Record<string, string>>;
}
type Handler = (request: NextRequest, context?: RouteContext) => Promise<Response>;
interface Wrapper {
  (handler: Handler): Handler;
  readonly limiter: RateLimiter<unknown>;
  close(): Promise<void>;
}

/** The node request of each NextRequest this server made. */
const incomings = new WeakMap<object, IncomingMessage>();

export const nextjsDriver: Driver = {
  adapterPackage: '@limitrate/nextjs',
  install: 'npm install --save-dev @limitrate/nextjs next',
  incomingOf: (raw) => (typeof raw === 'object' && raw !== null ? incomings.get(raw) : undefined),
  async start(ctx: StartContext): Promise<Started> {
    const NextRequestClass = exported<new (url: string, init: RequestInit) => NextRequest>(ctx.load('next/server'), 'NextRequest', 'next');
    const withRateLimit = exported<(options: Record<string, unknown>) => Wrapper>(ctx.adapter, 'withRateLimit', '@limitrate/nextjs');
    const rateLimitInfo = exported<(request: object) => RateLimitInfo | undefined>(ctx.adapter, 'rateLimitInfo', '@limitrate/nextjs');
    // The routes' templates, so that `/users/1` and `/users/2` count as `/users/:id`.
    const own = ctx.options.routes;
    const templates = [...(Array.isArray(own) ? (own as unknown[]) : []), ...new Set(ctx.routes.filter((r) => r.path.includes(':')).map((r) => r.path))];
    const limit = withRateLimit(templates.length === 0 ? ctx.options : { ...ctx.options, routes: templates });
    const handle = (handler: IntegrationRouteHandler): Handler =>
      limit(async (request, context) => {
        const params = context === undefined ? {} : await context.params;
        return webResponse(await handler(ctx.routeRequest(incomings.get(request), request, params, rateLimitInfo(request))));
      });
    const routes = ctx.routes.map((route) => ({ route, handler: handle(route.handler) }));
    const fallback = handle(ctx.fallback);
    const server = nodeServer(
      buffered(ctx.bodies, async (req, res, read) => {
        const peer = req.socket.remoteAddress;
        if (req.headers['x-forwarded-for'] === undefined && peer !== undefined) {
          req.headers['x-forwarded-for'] = peer;
          req.rawHeaders.push('X-Forwarded-For', peer);
        }
        const aborted = new AbortController();
        res.once('close', () => {
          if (!res.writableFinished) aborted.abort();
        });
        const request = webRequest(NextRequestClass, req, read.bytes, aborted.signal);
        incomings.set(request, req);
        const path = request.nextUrl.pathname;
        let response: Response;
        try {
          const found = find(routes, req.method ?? 'GET', path);
          response = found === undefined ? await fallback(request) : await found.handler(request, { params: Promise.resolve(found.params) });
        } catch {
          response = new Response('Internal Server Error', { status: 500 });
        }
        await writeWeb(res, response);
      }),
    );
    return serve(server, limit);
  },
};

/** The route for a method and path (HEAD falls back to GET, as Next.js does), with its params. */
function find<R extends { route: { method: string; path: string } }>(routes: readonly R[], method: string, path: string): (R & { params: Record<string, string> }) | undefined {
  for (const m of method === 'HEAD' ? ['HEAD', 'GET'] : [method]) {
    for (const r of routes) {
      if (r.route.method !== m) continue;
      const params = matchPath(r.route.path, path);
      if (params !== undefined) return { ...r, params };
    }
  }
  return undefined;
}
