// @limitrate/express against the adapter conformance suite of @limitrate/testing: the same
// behaviours every LimitRate adapter shows, on real Express 4 and 5 apps over HTTP.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defineAdapterConformance, type AdapterHarness, type RouteSpec } from '@limitrate/testing';
import type { Request, Response } from 'express';
import { describe, it } from 'vitest';
import { limitrate, type LimitRateOptions } from '../src/index.js';
import { EXPRESS_VERSIONS, type ExpressFactory } from './helpers.js';

function harness(name: string, express: ExpressFactory): AdapterHarness<Request, Response> {
  return {
    name,
    async start(options, routes: readonly RouteSpec[]) {
      const middleware = limitrate(options as unknown as LimitRateOptions);
      const app = express();
      app.use(middleware);
      for (const route of routes) {
        app[route.method.toLowerCase() as 'get' | 'post' | 'put' | 'delete'](route.path, (req: Request, res: Response) => {
          const tokens = route.echoTokensFrom === undefined ? undefined : req.get(route.echoTokensFrom);
          if (tokens !== undefined) res.set('x-tokens-used', tokens);
          res.status(route.status ?? 200).json({ ok: (route.status ?? 200) < 400, route: route.path });
        });
      }
      const server = createServer(app);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        async close() {
          server.closeAllConnections();
          await new Promise<void>((resolve) => server.close(() => resolve()));
          await middleware.close();
        },
      };
    },
    requestHeader: (req, name) => req.get(name),
    responseHeader: (res, name) => {
      const v = res.getHeader(name);
      return v === undefined ? undefined : String(v);
    },
  };
}

for (const [name, express] of EXPRESS_VERSIONS) defineAdapterConformance({ describe, it }, harness(name, express));
