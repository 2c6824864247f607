// @limitrate/nextjs against the adapter conformance suite of @limitrate/testing: the same
// behaviours every LimitRate adapter shows, for App Router handlers (served through Next.js's
// request and response code) and Pages Router API routes (through apiResolver), over HTTP.
import { defineAdapterConformance, type AdapterHarness, type RouteSpec } from '@limitrate/testing';
import type { NextApiRequest, NextApiResponse } from 'next';
import type { NextRequest } from 'next/server';
import { describe, it } from 'vitest';
import { withRateLimit, withRateLimitApi, type WithRateLimitApiOptions, type WithRateLimitOptions } from '../src/index.js';
import { startApp, startPages } from './helpers.js';

/** `/users/:id` in Next.js's file syntax. */
const nextPath = (path: string): string => path.replace(/:([^/]+)/g, '[$1]');

const appRouter: AdapterHarness<NextRequest, Response> = {
  name: 'next.js app router',
  async start(options, routes: readonly RouteSpec[]) {
    const limit = withRateLimit(options as unknown as WithRateLimitOptions);
    const running = await startApp(
      routes.map((route) => ({
        method: route.method,
        path: nextPath(route.path),
        handler: limit(async (request: NextRequest) => {
          const tokens = route.echoTokensFrom === undefined ? null : request.headers.get(route.echoTokensFrom);
          const status = route.status ?? 200;
          return Response.json({ ok: status < 400, route: route.path }, { status, headers: tokens === null ? {} : { 'x-tokens-used': tokens } });
        }),
      })),
    );
    return {
      url: running.client.base,
      close: async () => {
        await running.close();
        await limit.close();
      },
    };
  },
  requestHeader: (req, name) => req.headers.get(name) ?? undefined,
  responseHeader: (res, name) => res.headers.get(name) ?? undefined,
};

const pagesRouter: AdapterHarness<NextApiRequest, NextApiResponse> = {
  name: 'next.js pages router',
  async start(options, routes: readonly RouteSpec[]) {
    // API routes do not know their template: a Pages app names them in `routes`.
    const limit = withRateLimitApi({ ...(options as unknown as WithRateLimitApiOptions), routes: routes.map((r) => r.path) });
    const running = await startPages(
      limit((req, res) => {
        const path = (req.url ?? '/').split('?')[0]!;
        const route = routes.find((r) => r.method === req.method && new RegExp(`^${r.path.replace(/:[^/]+/g, '[^/]+')}$`).test(path));
        if (route === undefined) return void res.status(404).json({ ok: false });
        const tokens = route.echoTokensFrom === undefined ? undefined : req.headers[route.echoTokensFrom];
        if (typeof tokens === 'string') res.setHeader('x-tokens-used', tokens);
        const status = route.status ?? 200;
        res.status(status).json({ ok: status < 400, route: route.path });
      }),
    );
    return {
      url: running.client.base,
      close: async () => {
        await running.close();
        await limit.close();
      },
    };
  },
  requestHeader: (req, name) => {
    const v = req.headers[name];
    return Array.isArray(v) ? v.join(', ') : v;
  },
  responseHeader: (res, name) => {
    const v = res.getHeader(name);
    return v === undefined ? undefined : String(v);
  },
};

defineAdapterConformance({ describe, it }, appRouter);
defineAdapterConformance({ describe, it }, pagesRouter);
