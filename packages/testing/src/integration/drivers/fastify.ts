// Fastify 5 with @limitrate/fastify: `app.register(limitrate, options)`, the test's routes,
// and the not-found handler answering every other request (counted by path, as the plugin
// does for requests without a route), on a node:http server that reads bodies first.
import type { IncomingMessage, RequestListener, Server } from 'node:http';
import type { RateLimiter, RateLimitInfo } from '@limitrate/core';
import { buffered, encodeResult, nodeServer, urlOf } from '../node.js';
import type { IntegrationRouteHandler } from '../types.js';
import { exported, paramsOf, type Driver, type StartContext, type Started } from './types.js';

/** The parts of Fastify used here. */
interface FastifyRequest {
  raw: IncomingMessage;
  params?: unknown;
  rateLimit?: RateLimitInfo;
}
interface FastifyReply {
  code(status: number): FastifyReply;
  header(name: string, value: string): FastifyReply;
  send(payload?: string | Uint8Array): FastifyReply;
}
type RouteHandler = (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>;
interface FastifyApp {
  register(plugin: unknown, options: Record<string, unknown>): PromiseLike<unknown>;
  removeAllContentTypeParsers(): void;
  addContentTypeParser(type: string, parser: (request: FastifyRequest, payload: unknown, done: (error: Error | null, body?: unknown) => void) => void): void;
  route(options: { method: string; url: string; handler: RouteHandler; exposeHeadRoute?: boolean }): void;
  setNotFoundHandler(handler: RouteHandler): void;
  listen(options: { port: number; host: string }): Promise<string>;
  close(): Promise<void>;
  readonly server: Server;
  readonly limitrate?: { limiter?: RateLimiter<unknown> };
}
type FastifyFactory = (options: Record<string, unknown>) => FastifyApp;

export const fastifyDriver: Driver = {
  adapterPackage: '@limitrate/fastify',
  install: 'npm install --save-dev @limitrate/fastify fastify',
  incomingOf: (raw) => (raw as FastifyRequest | undefined)?.raw,
  async start(ctx: StartContext): Promise<Started> {
    const module = ctx.load('fastify');
    const fastify = (typeof module === 'function' ? module : exported<FastifyFactory>(module, 'fastify', 'fastify')) as unknown as FastifyFactory;
    const plugin = exported<unknown>(ctx.adapter, 'limitrate', '@limitrate/fastify');
    const app = fastify({
      logger: false,
      // Bodies are read before Fastify runs: every callback of the plugin can see them.
      serverFactory: (handler: RequestListener) => nodeServer(buffered(ctx.bodies, (req, res) => void handler(req, res))),
    });
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', (request, _payload, done) => done(null, ctx.bodies.get(request.raw)?.body));
    const handle = (handler: IntegrationRouteHandler): RouteHandler =>
      async function route(request, reply) {
        const { status, headers, payload } = encodeResult(await handler(ctx.routeRequest(request.raw, request, paramsOf(request.params), request.rateLimit)));
        reply.code(status);
        for (const [k, v] of Object.entries(headers)) reply.header(k, v);
        return reply.send(payload);
      };
    try {
      await app.register(plugin, ctx.options);
      const heads = new Set(ctx.routes.filter((r) => r.method === 'HEAD').map((r) => r.path));
      for (const route of ctx.routes) {
        app.route({ method: route.method, url: route.path, handler: handle(route.handler), ...(route.method === 'GET' && heads.has(route.path) ? { exposeHeadRoute: false } : {}) });
      }
      app.setNotFoundHandler(handle(ctx.fallback));
      await app.listen({ port: 0, host: '127.0.0.1' });
    } catch (error) {
      await app.close().catch(() => undefined);
      throw error;
    }
    const server = app.server;
    return {
      url: urlOf(server),
      limiter: app.limitrate?.limiter,
      async close() {
        server.closeAllConnections();
        // Closes the plugin's limiter too (its onClose hook).
        await app.close();
      },
    };
  },
};
