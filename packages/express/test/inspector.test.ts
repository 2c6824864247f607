// lr.inspector({ token }): the analytics report as JSON over real HTTP for the dashboard,
// its token check (Bearer or X-LimitRate-Token), its refusals, and its configuration errors.
import { ConfigError, type AnalyticsReport } from '@limitrate/core';
import { describe, expect, it } from 'vitest';
import type { InspectorOptions } from '../src/index.js';
import { as, byHeader, echo, EXPRESS_VERSIONS, planHeader, useHarness } from './helpers.js';

const TOKEN = 'inspector-secret-42';
const bearer = (token = TOKEN): Record<string, string> => ({ authorization: `Bearer ${token}` });

const POLICIES = {
  free: { endpoints: { 'POST|/api/chat': { rate: { maxPerMinute: 2 } } }, defaults: { rate: { maxPerMinute: 100 } } },
  pro: { rate: { maxPerMinute: 100 } },
};

describe.each(EXPRESS_VERSIONS)('%s: inspector', (_name, express) => {
  const h = useHarness(express);

  /** An app with the inspector mounted before the limiter, and some traffic: 6 checks, 1 blocked. */
  async function serve() {
    const lr = h.limitrate({ identifyUser: byHeader, identifyPlan: planHeader, analytics: true, policies: POLICIES });
    const app = h.app();
    app.get('/limitrate', lr.inspector({ token: TOKEN }));
    app.all('/limitrate-any', lr.inspector({ token: TOKEN }));
    app.use(lr);
    app.post('/api/chat', echo);
    app.get('/api/items/:id', echo);
    const c = await h.listen(app);
    const chat = (user: string, plan = 'free') => c.request('/api/chat', { method: 'POST', headers: as(user, { 'x-plan': plan }) });
    expect([(await chat('alice')).status, (await chat('alice')).status, (await chat('alice')).status]).toEqual([200, 200, 429]);
    expect((await chat('bob', 'pro')).status).toBe(200);
    expect((await c.get('/api/items/1', as('alice'))).status).toBe(200);
    expect((await c.get('/api/items/2', as('alice'))).status).toBe(200);
    return c;
  }

  it('answers the report: totals, endpoints (by route template), plans, users and the recent block, counting itself nowhere', async () => {
    const c = await serve();
    const r = await c.get<AnalyticsReport>('/limitrate', bearer());
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.headers.get('ratelimit-limit')).toBeNull(); // mounted before the limiter: not limited
    const report = r.body;
    expect(report).toMatchObject({ version: 1, range: { name: 'now' }, filter: null, source: { kind: 'process' } });
    expect(report.totals).toMatchObject({ requests: 6, allowed: 5, blocked: 1 });
    const endpoints = Object.fromEntries(report.endpoints.map((e) => [e.endpoint, [e.requests, e.blocked]]));
    expect(endpoints).toEqual({ 'POST|/api/chat': [4, 1], 'GET|/api/items/:id': [2, 0] });
    expect(report.plans.map((p) => [p.plan, p.requests])).toEqual([
      ['free', 5],
      ['pro', 1],
    ]);
    expect(report.users.map((u) => [u.user, u.requests, u.blocked])).toEqual([
      ['alice', 5, 1],
      ['bob', 1, 0],
    ]);
    expect(report.recentBlocks).toHaveLength(1);
    expect(report.recentBlocks[0]).toMatchObject({ user: 'alice', plan: 'free', endpoint: 'POST|/api/chat', reason: 'rate_limited', limit: 'rate:1m', used: 2, capacity: 2 });
    // Asking again changes nothing: the inspector's own requests are not counted.
    expect((await c.get<AnalyticsReport>('/limitrate', bearer())).body.totals.requests).toBe(6);
  });

  it('takes the query: ?range=hour&plan=free narrows the report', async () => {
    const c = await serve();
    const r = await c.get<AnalyticsReport>('/limitrate?range=hour&plan=free', bearer());
    expect(r.status).toBe(200);
    expect(r.body.range.name).toBe('hour');
    expect(r.body.series).toHaveLength(60);
    expect(r.body.filter).toEqual({ plan: 'free' });
    expect(r.body.totals).toMatchObject({ requests: 5, blocked: 1 });
    expect(r.body.plans.map((p) => p.plan)).toEqual(['free']);
    expect(r.body.users.map((u) => u.user)).toEqual(['alice']);
    const bob = await c.get<AnalyticsReport>('/limitrate?user=bob', bearer());
    expect(bob.body.totals).toMatchObject({ requests: 1, blocked: 0 });
    expect(bob.body.recentBlocks).toEqual([]);
  });

  it('accepts the token in X-LimitRate-Token, and answers HEAD with the headers only', async () => {
    const c = await serve();
    const r = await c.get<AnalyticsReport>('/limitrate', { 'x-limitrate-token': TOKEN });
    expect(r.status).toBe(200);
    expect(r.body.totals.requests).toBe(6);
    const head = await c.request('/limitrate', { method: 'HEAD', headers: bearer() });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(head.text).toBe('');
  });

  it('refuses without the token (401 with WWW-Authenticate), with a wrong one (401), other methods (405) and a bad query (400)', async () => {
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
    expect((await c.get('/limitrate', { 'x-limitrate-token': 'nope-nope-nope' })).status).toBe(401);
    const post = await c.request('/limitrate-any', { method: 'POST', headers: bearer() });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect(post.body).toMatchObject({ ok: false, code: 'ERR_LIMITRATE_METHOD_NOT_ALLOWED' });
    const week = await c.get('/limitrate?range=week', bearer());
    expect(week.status).toBe(400);
    expect(week.body).toMatchObject({ ok: false, code: 'ERR_LIMITRATE_INVALID_REQUEST' });
    expect((await c.get('/limitrate?top=lots', bearer())).status).toBe(400);
  });

  it('throws a ConfigError at inspector() without a token, with a short one, or with analytics off', () => {
    const lr = h.limitrate({ analytics: true, policies: POLICIES });
    const thrown = (f: () => unknown): unknown => {
      try {
        f();
      } catch (error) {
        return error;
      }
      throw new Error('did not throw');
    };
    for (const options of [undefined, {}, { token: '' }, { token: 'short' }, { token: 42 }]) {
      const error = thrown(() => lr.inspector(options as unknown as InspectorOptions));
      expect(error).toBeInstanceOf(ConfigError);
      expect(error).toMatchObject({ code: 'ERR_LIMITRATE_INVALID_CONFIG', path: 'inspector.token' });
    }
    const off = h.limitrate({ policies: POLICIES });
    const error = thrown(() => off.inspector({ token: TOKEN }));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ code: 'ERR_LIMITRATE_INVALID_CONFIG', path: 'analytics' });
  });
});
