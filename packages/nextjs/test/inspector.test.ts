// limit.inspector({ token }) on Next.js: the cases every adapter passes on an App Router route handler (packages/testing/test/inspector-cases.ts), the proxy, the Pages Router, and the edge.
import { ConfigError, type AnalyticsReport } from '@limitrate/core';
import type { NextRequest } from 'next/server';
import { describe, expect, it } from 'vitest';
import { bearer, describeInspectorCases, endpointsOf, INSPECTOR_POLICIES, INSPECTOR_TOKEN, thrown } from '../../testing/test/inspector-cases.js';
import { as, byHeader, nextRequest, ok, read, useHarness } from './helpers.js';

const planHeader = (req: { headers: Headers }): string => req.headers.get('x-plan') ?? 'free';

describe('inspector', () => {
  const h = useHarness();

  describe('App Router', () => {
    describeInspectorCases({
      async serve() {
        const limit = h.withRateLimit({ identifyUser: byHeader, identifyPlan: planHeader, analytics: true, routes: ['/api/items/[id]'], policies: INSPECTOR_POLICIES });
        const inspector = limit.inspector({ token: INSPECTOR_TOKEN });
        return h.serveApp([
          { method: 'GET', path: '/limitrate', handler: inspector },
          { method: 'POST', path: '/limitrate', handler: inspector },
          { method: 'POST', path: '/api/chat', handler: limit(ok) },
          { method: 'GET', path: '/api/items/[id]', handler: limit(ok) },
        ]);
      },
      anyMethodPath: '/limitrate',
      limiter: (options) => h.withRateLimit(options),
    });
  });

  it('throws a ConfigError at inspector() with analytics off, from rateLimitProxy and withRateLimitApi too', () => {
    for (const off of [h.rateLimitProxy({ policies: INSPECTOR_POLICIES }), h.withRateLimitApi({ policies: INSPECTOR_POLICIES })]) {
      const error = thrown(() => off.inspector({ token: INSPECTOR_TOKEN }));
      expect(error).toBeInstanceOf(ConfigError);
      expect(error).toMatchObject({ code: 'ERR_LIMITRATE_INVALID_CONFIG', path: 'analytics' });
    }
  });

  it('rateLimitProxy: the proxy answers the inspector before its limiter, with what the proxy counted', async () => {
    const limit = h.rateLimitProxy({ identifyUser: byHeader, analytics: true, routes: ['/api/items/[id]'], policies: { free: { rate: { maxPerMinute: 1 } } } });
    const inspect = limit.inspector({ token: INSPECTOR_TOKEN });
    const proxy = (request: NextRequest) => (request.nextUrl.pathname === '/limitrate' ? inspect(request) : limit(request));
    /** The proxy's answer, or the route's when the proxy lets the request go on. */
    const route = async (request: NextRequest): Promise<Response> => {
      const answer = await proxy(request);
      return answer.headers.get('x-middleware-next') === '1' ? ok(request) : answer;
    };
    const c = await h.serveApp([
      { method: 'GET', path: '/limitrate', handler: proxy },
      { method: 'GET', path: '/api/items/[id]', handler: route },
    ]);
    expect(await c.statuses('/api/items/1', 2, as('dora'))).toEqual([200, 429]);
    const r = await c.get('/limitrate', bearer());
    expect(r.status).toBe(200);
    expect(r.headers.get('ratelimit-limit')).toBeNull();
    const report = r.body as unknown as AnalyticsReport;
    expect(report.totals).toMatchObject({ requests: 2, blocked: 1 });
    expect(endpointsOf(report)).toEqual({ 'GET|/api/items/:id': [2, 1] });
    expect(report.recentBlocks[0]).toMatchObject({ user: 'dora', endpoint: 'GET|/api/items/:id' });
    expect((await c.get('/limitrate')).status).toBe(401);
  });

  it('withRateLimitApi: a Pages Router API route serves the report through apiResolver', async () => {
    const limit = h.withRateLimitApi({ identifyUser: (req) => String(req.headers['x-user']), analytics: true, policies: { free: { rate: { maxPerMinute: 1 } } } });
    const api = limit((_req, res) => {
      res.status(200).json({ ok: true });
    });
    const inspector = limit.inspector({ token: INSPECTOR_TOKEN });
    const c = await h.servePages((req, res) => (req.url?.startsWith('/api/limitrate') ? inspector(req, res) : api(req, res)));
    expect(await c.statuses('/api/hello', 2, { 'x-user': 'eve' })).toEqual([200, 429]);
    const r = await c.get('/api/limitrate?range=hour', bearer());
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const report = r.body as unknown as AnalyticsReport;
    expect(report.range.name).toBe('hour');
    expect(report.totals).toMatchObject({ requests: 2, blocked: 1 });
    expect(report.recentBlocks[0]).toMatchObject({ user: 'eve', endpoint: 'GET|/api/hello' });
    const head = await c.request('/api/limitrate', { method: 'HEAD', headers: { 'x-limitrate-token': INSPECTOR_TOKEN } });
    expect([head.status, head.text]).toEqual([200, '']);
    const none = await c.get('/api/limitrate');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="limitrate"');
    expect((await c.request('/api/limitrate', { method: 'POST', headers: bearer() })).status).toBe(405);
    expect((await c.get('/api/limitrate?range=week', bearer())).body).toMatchObject({ code: 'ERR_LIMITRATE_INVALID_REQUEST' });
  });

  it('called directly with a NextRequest (as on the edge runtime)', async () => {
    const limit = h.withRateLimit({ identifyUser: () => 'u', analytics: true, policies: INSPECTOR_POLICIES });
    await limit(ok)(nextRequest('/api/x'));
    const r = await read(limit.inspector({ token: INSPECTOR_TOKEN })(nextRequest('/limitrate?top=1', { headers: bearer() })));
    expect(r.status).toBe(200);
    expect((r.body as unknown as AnalyticsReport).totals.requests).toBe(1);
  });

  it('during next build, a missing token fails the first request instead of the build', async () => {
    const limit = h.withRateLimit({ identifyUser: () => 'u', analytics: true, policies: INSPECTOR_POLICIES });
    const before = process.env.NEXT_PHASE;
    process.env.NEXT_PHASE = 'phase-production-build';
    let handler: (request: NextRequest) => Response;
    try {
      handler = limit.inspector({ token: process.env.LIMITRATE_TEST_UNSET_TOKEN! });
    } finally {
      if (before === undefined) delete process.env.NEXT_PHASE;
      else process.env.NEXT_PHASE = before;
    }
    const error = thrown(() => handler(nextRequest('/limitrate', { headers: bearer() })));
    expect(error).toMatchObject({ code: 'ERR_LIMITRATE_INVALID_CONFIG', path: 'inspector.token' });
    // Outside the build, the same mistake throws at once.
    expect(thrown(() => limit.inspector({ token: process.env.LIMITRATE_TEST_UNSET_TOKEN! }))).toBeInstanceOf(ConfigError);
  });
});
