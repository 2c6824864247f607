// @limitrate/hono against the adapter conformance suite of @limitrate/testing: the same
// behaviours every LimitRate adapter shows, on a real Hono app served by @hono/node-server.
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { defineAdapterConformance, type AdapterHarness, type RouteSpec } from '@limitrate/testing';
import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { describe, it } from 'vitest';
import { limitrate, type LimitRateOptions } from '../src/index.js';

const harness: AdapterHarness<Context, Response> = {
  name: 'hono on @hono/node-server',
  async start(options, routes: readonly RouteSpec[]) {
    const middleware = limitrate({ getConnInfo, ...(options as unknown as LimitRateOptions) });
    const app = new Hono();
    app.use('*', middleware);
    for (const route of routes) {
      app.on(route.method, route.path, (c) => {
        const tokens = route.echoTokensFrom === undefined ? undefined : c.req.header(route.echoTokensFrom);
        if (tokens !== undefined) c.header('x-tokens-used', tokens);
        const status = route.status ?? 200;
        return c.json({ ok: status < 400, route: route.path }, status as ContentfulStatusCode);
      });
    }
    const server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
    });
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      async close() {
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await middleware.close();
      },
    };
  },
  requestHeader: (c, name) => c.req.header(name),
  responseHeader: (res, name) => res.headers.get(name) ?? undefined,
};

defineAdapterConformance({ describe, it }, harness);
