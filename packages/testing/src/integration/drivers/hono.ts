// Hono 4 with @limitrate/hono: `app.use('*', limitrate(options))`, the test's routes, and
// the not-found handler answering every other request; app.fetch is called with Node
// bindings (`c.env.incoming`, where the adapter reads the client's address), as
// @hono/node-server does.
import type { IncomingMessage } from 'node:http';
import type { RateLimiter, RateLimitInfo } from '@limitrate/core';
import { buffered, encodeResult, nodeServer, serve, webRequest, writeWeb } from '../node.js';
import type { IntegrationRouteHandler } from '../types.js';
import { exported, type Driver, type StartContext, type Started } from './types.js';

/** The parts of Hono used here. */
interface Bindings {
  incoming: IncomingMessage;
}
interface HonoContext {
  env: Bindings | undefined;
  req: { param(): Record<string, string> };
  get(key: 'rateLimit'): RateLimitInfo | undefined;
  body(data: string | Uint8Array | null, status: number, headers: Record<string, string>): Response;
}
type Handler = (c: HonoContext) => Promise<Response>;
interface HonoApp {
  use(path: string, middleware: unknown): void;
  on(method: string, path: string, handler: Handler): void;
  notFound(handler: Handler): void;
  onError(handler: (error: unknown, c: HonoContext) => Response): void;
  fetch(request: Request, env: Bindings): Response | Promise<Response>;
}
interface Middleware {
  readonly limiter: RateLimiter<unknown> | undefined;
  close(): Promise<void>;
}

export const honoDriver: Driver = {
  adapterPackage: '@limitrate/hono',
  install: 'npm install --save-dev @limitrate/hono hono',
  incomingOf: (raw) => (raw as HonoContext | undefined)?.env?.incoming,
  async start(ctx: StartContext): Promise<Started> {
    const Hono = exported<new () => HonoApp>(ctx.load('hono'), 'Hono', 'hono');
    const limitrate = exported<(options: Record<string, unknown>) => Middleware>(ctx.adapter, 'limitrate', '@limitrate/hono');
    const middleware = limitrate(ctx.options);
    const app = new Hono();
    const handle = (handler: IntegrationRouteHandler): Handler =>
      async function route(c) {
        const { status, headers, payload } = encodeResult(await handler(ctx.routeRequest(c.env?.incoming, c, c.req.param(), c.get('rateLimit'))));
        return c.body(payload ?? null, status, headers);
      };
    app.use('*', middleware);
    for (const route of ctx.routes) app.on(route.method, route.path, handle(route.handler));
    app.notFound(handle(ctx.fallback));
    // A route that throws answers 500, without Hono's console.error.
    app.onError((_error, c) => c.body('Internal Server Error', 500, { 'content-type': 'text/plain; charset=utf-8' }));
    const server = nodeServer(
      buffered(ctx.bodies, async (req, res, read) => {
        const aborted = new AbortController();
        res.once('close', () => {
          if (!res.writableFinished) aborted.abort();
        });
        const response = await app.fetch(webRequest(Request, req, read.bytes, aborted.signal), { incoming: req });
        await writeWeb(res, response);
      }),
    );
    return serve(server, middleware);
  },
};
