// Express (4 or 5) with @limitrate/express: `app.use(limitrate(options))`, the test's routes,
// then a catch-all answering every other request, served by node:http on 127.0.0.1.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RateLimiter, RateLimitInfo } from '@limitrate/core';
import { buffered, nodeServer, serve, writeNode } from '../node.js';
import type { IntegrationRouteHandler } from '../types.js';
import { exported, paramsOf, type Driver, type StartContext, type Started } from './types.js';

/** The parts of Express used here. */
type Next = (error?: unknown) => void;
type Handler = (req: ExpressRequest, res: ServerResponse, next: Next) => void;
type ErrorHandler = (error: unknown, req: ExpressRequest, res: ServerResponse, next: Next) => void;
interface ExpressRequest extends IncomingMessage {
  params?: Record<string, string>;
  rateLimit?: RateLimitInfo;
  body?: unknown;
}
interface ExpressApp {
  (req: IncomingMessage, res: ServerResponse): void;
  use(handler: Handler | ErrorHandler): void;
  get(path: string, handler: Handler): void;
}
interface Middleware extends Handler {
  readonly limiter: RateLimiter<unknown>;
  close(): Promise<void>;
}

export const expressDriver: Driver = {
  adapterPackage: '@limitrate/express',
  install: 'npm install --save-dev @limitrate/express express',
  incomingOf: (raw) => raw as IncomingMessage,
  async start(ctx: StartContext): Promise<Started> {
    const express = ctx.load('express') as unknown as () => ExpressApp;
    const limitrate = exported<(options: Record<string, unknown>) => Middleware>(ctx.adapter, 'limitrate', '@limitrate/express');
    const middleware = limitrate(ctx.options);
    const app = express();
    const handle = (handler: IntegrationRouteHandler): Handler =>
      function route(req, res, next) {
        Promise.resolve()
          .then(() => handler(ctx.routeRequest(req, req, paramsOf(req.params), req.rateLimit)))
          .then((result) => writeNode(res, result), next);
      };
    app.use(middleware);
    for (const route of ctx.routes) (app as unknown as Record<string, (path: string, h: Handler) => void>)[route.method.toLowerCase()]!(route.path, handle(route.handler));
    app.use(handle(ctx.fallback));
    app.use(function failed(_error: unknown, _req: ExpressRequest, res: ServerResponse, _next: Next) {
      writeNode(res, { status: 500, body: 'Internal Server Error' });
    });
    // Express's body parsers are not needed: the body is read before Express runs.
    const server = nodeServer(
      buffered(ctx.bodies, (req, res, read) => {
        (req as ExpressRequest).body = read.body;
        app(req, res);
      }),
    );
    return serve(server, middleware);
  },
};
