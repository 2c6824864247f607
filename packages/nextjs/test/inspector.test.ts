// limit.inspector({ token }): the analytics report as JSON for the dashboard, served over
// real HTTP through Next.js's own request and response code: an App Router route handler
// (withRateLimit), a proxy answering it before its limiter (rateLimitProxy), and a Pages
// Router API route (withRateLimitApi); the token check, refusals and configuration errors.
import { ConfigError, type AnalyticsReport } from '@limitrate/core';
import type { NextRequest } from 'next/server';
import { describe, expect, it } from 'vitest';
import type { InspectorOptions } from '../src/index.js';
import { as, byHeader, nextRequest, ok, read, useHarness } from './helpers.js';

const TOKEN = 'inspector-secret-42';
const bearer = (token = TOKEN): Record<string, string> => ({ authorization: `Bearer ${token}` });

const POLICIES = {
  free: { endpoints: { 'POST|/api/chat': { rate: { maxPerMinute: 2 } } }, defaults: { rate: { maxPerMinute: 100 } } },
  pro: { rate: { maxPerMinute: 100 } },
};
const planHeader = (req: { headers: Headers }): string => req.headers.get('x-plan') ?? 'free';

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (error) {
    return error;
  }
  throw new Error('did not throw');
}

/** The report's endpoints as `{ endpoint: [requests, blocked] }`. */
const endpointsOf = (report: AnalyticsReport) => Object.fromEntries(report.endpoints.map((e) => [e.endpoint, [e.requests, e.blocked]]));

describe('inspector', () => {
  const h = useHarness();

  /** An app whose routes share one wrapper, with the inspector at /limitrate, and some traffic: 6 checks, 1 blocked. */
  async function serve() {
    const limit = h.withRateLimit({ identifyUser: byHeader, identifyPlan: planHeader, analytics: true, routes: ['/api/items/[id]'], policies: POLICIES });
    const inspector = limit.inspector({ token: TOKEN });
    const c = await h.serveApp([
      { method: 'GET', path: '/limitrate', handler: inspector },
      { method: 'POST', path: '/limitrate', handler: inspector },
      { method: 'POST', path: '/api/chat', handler: limit(ok) },
      { method: 'GET', path: '/api/items/[id]', handler: limit(ok) },
    ]);
    const chat = (user: string, plan = 'free') => c.request('/api/chat', { method: 'POST', headers: as(user, { 'x-plan': plan }) });
    expect([(await chat('alice')).status, (await chat('alice')).status, (await chat('alice')).status]).toEqual([200, 200, 429]);
    expect((await chat('bob', 'pro')).status).toBe(200);
    expect((await c.get('/api/items/1', as('alice'))).status).toBe(200);
    expect((await c.get('/api/items/2', as('alice'))).status).toBe(200);
    return c;
  }

  it('App Router: answers the report: totals, endpoints (by route template), plans, users and the recent block, counting itself nowhere', async () => {
    const c = await serve();
    const r = await c.get('/limitrate', bearer());
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.headers.get('ratelimit-limit')).toBeNull();
    const report = r.body as unknown as AnalyticsReport;
    expect(report).toMatchObject({ version: 1, range: { name: 'now' }, filter: null, source: { kind: 'process' } });
    expect(report.totals).toMatchObject({ requests: 6, allowed: 5, blocked: 1 });
    expect(endpointsOf(report)).toEqual({ 'POST|/api/chat': [4, 1], 'GET|/api/items/:id': [2, 0] });
    expect(report.plans.map((p) => [p.plan, p.requests])).toEqual([
      ['free', 5],
      ['pro', 1],
    ]);
    expect(report.users.map((u) => [u.user, u.requests, u.blocked])).toEqual([
      ['alice', 5, 1],
      ['bob', 1, 0],
    ]);
    expect(report.recentBlocks).toHaveLength(1);
    expect(report.recentBlocks[0]).toMatchObject({ user: 'alice', plan: 'free', endpoint: 'POST|/api/chat', reason: 'rate_limited', limit: 'rate:1m', capacity: 2 });
    expect(((await c.get('/limitrate', bearer())).body as unknown as AnalyticsReport).totals.requests).toBe(6);
  });

  it('App Router: takes the query (?range=hour&plan=free), the X-LimitRate-Token header, and HEAD', async () => {
    const c = await serve();
    const r = await c.get('/limitrate?range=hour&plan=free', bearer());
    expect(r.status).toBe(200);
    const report = r.body as unknown as AnalyticsReport;
    expect(report.range.name).toBe('hour');
    expect(report.series).toHaveLength(60);
    expect(report.filter).toEqual({ plan: 'free' });
    expect(report.totals).toMatchObject({ requests: 5, blocked: 1 });
    expect(report.plans.map((p) => p.plan)).toEqual(['free']);
    const byHeaderToken = await c.get('/limitrate', { 'x-limitrate-token': TOKEN });
    expect(byHeaderToken.status).toBe(200);
    expect((byHeaderToken.body as unknown as AnalyticsReport).totals.requests).toBe(6);
    const head = await c.request('/limitrate', { method: 'HEAD', headers: bearer() });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(head.text).toBe('');
  });

  it('App Router: refuses without the token (401 with WWW-Authenticate), with a wrong one (401), POST (405) and a bad query (400)', async () => {
    const c = await serve();
    const none = await c.get('/limitrate');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="limitrate"');
    expect(none.body).toMatchObject({ ok: false, code: 'ERR_LIMITRATE_UNAUTHORIZED' });
    expect(none.text).not.toContain('alice');
    const wrong = await c.get('/limitrate', bearer('inspector-secret-43'));
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toBe('Bearer realm="limitrate"');
    expect(wrong.body).toMatchObject({ code: 'ERR_LIMITRATE_UNAUTHORIZED' });
    const post = await c.request('/limitrate', { method: 'POST', headers: bearer() });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect(post.body).toMatchObject({ ok: false, code: 'ERR_LIMITRATE_METHOD_NOT_ALLOWED' });
    const week = await c.get('/limitrate?range=week', bearer());
    expect(week.status).toBe(400);
    expect(week.body).toMatchObject({ ok: false, code: 'ERR_LIMITRATE_INVALID_REQUEST' });
  });

  it('throws a ConfigError at inspector() without a token, with a short one, or with analytics off (each helper)', () => {
    const limit = h.withRateLimit({ analytics: true, policies: POLICIES });
    for (const options of [undefined, {}, { token: '' }, { token: 'short' }]) {
      const error = thrown(() => limit.inspector(options as unknown as InspectorOptions));
      expect(error).toBeInstanceOf(ConfigError);
      expect(error).toMatchObject({ code: 'ERR_LIMITRATE_INVALID_CONFIG', path: 'inspector.token' });
    }
    for (const off of [h.withRateLimit({ policies: POLICIES }), h.rateLimitProxy({ policies: POLICIES }), h.withRateLimitApi({ policies: POLICIES })]) {
      const error = thrown(() => off.inspector({ token: TOKEN }));
      expect(error).toBeInstanceOf(ConfigError);
      expect(error).toMatchObject({ code: 'ERR_LIMITRATE_INVALID_CONFIG', path: 'analytics' });
    }
  });

  it('rateLimitProxy: the proxy answers the inspector before its limiter, with what the proxy counted', async () => {
    const limit = h.rateLimitProxy({ identifyUser: byHeader, analytics: true, routes: ['/api/items/[id]'], policies: { free: { rate: { maxPerMinute: 1 } } } });
    const inspect = limit.inspector({ token: TOKEN });
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
    const inspector = limit.inspector({ token: TOKEN });
    const c = await h.servePages((req, res) => (req.url?.startsWith('/api/limitrate') ? inspector(req, res) : api(req, res)));
    expect(await c.statuses('/api/hello', 2, { 'x-user': 'eve' })).toEqual([200, 429]);
    const r = await c.get('/api/limitrate?range=hour', bearer());
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const report = r.body as unknown as AnalyticsReport;
    expect(report.range.name).toBe('hour');
    expect(report.totals).toMatchObject({ requests: 2, blocked: 1 });
    expect(report.recentBlocks[0]).toMatchObject({ user: 'eve', endpoint: 'GET|/api/hello' });
    const head = await c.request('/api/limitrate', { method: 'HEAD', headers: { 'x-limitrate-token': TOKEN } });
    expect([head.status, head.text]).toEqual([200, '']);
    const none = await c.get('/api/limitrate');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="limitrate"');
    expect((await c.request('/api/limitrate', { method: 'POST', headers: bearer() })).status).toBe(405);
    expect((await c.get('/api/limitrate?range=week', bearer())).body).toMatchObject({ code: 'ERR_LIMITRATE_INVALID_REQUEST' });
  });

  it('called directly with a NextRequest (as on the edge runtime)', async () => {
    const limit = h.withRateLimit({ identifyUser: () => 'u', analytics: true, policies: POLICIES });
    await limit(ok)(nextRequest('/api/x'));
    const r = await read(limit.inspector({ token: TOKEN })(nextRequest('/limitrate?top=1', { headers: bearer() })));
    expect(r.status).toBe(200);
    expect((r.body as unknown as AnalyticsReport).totals.requests).toBe(1);
  });
});
