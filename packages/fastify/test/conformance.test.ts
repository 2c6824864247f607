// @limitrate/fastify against the adapter conformance suite of @limitrate/testing: the same
// behaviours every LimitRate adapter shows, on a real Fastify 5 app over HTTP.
import { defineAdapterConformance, type AdapterHarness, type RouteSpec } from '@limitrate/testing';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { describe, it } from 'vitest';
import { limitrate, type LimitRateOptions } from '../src/index.js';

const harness: AdapterHarness<FastifyRequest, FastifyReply> = {
  name: 'fastify 5',
  async start(options, routes: readonly RouteSpec[]) {
    const app = Fastify({ logger: false });
    await app.register(limitrate, options as unknown as LimitRateOptions);
    for (const route of routes) {
      app.route({
        method: route.method,
        url: route.path,
        handler: async (req, reply) => {
          const tokens = route.echoTokensFrom === undefined ? undefined : req.headers[route.echoTokensFrom];
          if (typeof tokens === 'string') reply.header('x-tokens-used', tokens);
          const status = route.status ?? 200;
          return reply.code(status).send({ ok: status < 400, route: route.path });
        },
      });
    }
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
  },
  requestHeader: (req, name) => {
    const v = req.headers[name.toLowerCase()];
    return typeof v === 'string' ? v : undefined;
  },
  responseHeader: (reply, name) => {
    const v = reply.getHeader(name);
    return v === undefined ? undefined : String(v);
  },
};

defineAdapterConformance({ describe, it }, harness);
