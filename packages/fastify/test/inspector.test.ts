// app.limitrate.inspector({ token }): the analytics report as JSON over real HTTP for the
// dashboard, its token check (Bearer or X-LimitRate-Token), its refusals, its route left
// unlimited, routes with limits of their own in the report, and its configuration errors.
import { ConfigError, type AnalyticsReport } from '@limitrate/core';
import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { limitrate, type InspectorOptions } from '../src/index.js';
import { echo, planHeader, useHarness, userHeader } from './helpers.js';

const TOKEN = 'inspector-secret-42';
const bearer = (token = TOKEN): Record<string, string> => ({ authorization: `Bearer ${token}` });
const as = (user: string, plan = 'free'): Record<string, string> => ({ 'x-user': user, 'x-plan': plan });

const POLICIES = {
  free: { endpoints: { 'POST|/api/chat': { rate: { maxPerMinute: 2 } } }, defaults: { rate: { maxPerMinute: 100 } } },
  pro: { rate: { maxPerMinute: 100 } },
};

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (error) {
    return error;
  }
  throw new Error('did not throw');
}

describe('inspector', () => {
  const h = useHarness();

  /** An app with the inspector and some traffic: 7 checks, 2 blocked (one on a route with limits of its own). */
  async function serve() {
    const app = await h.limited({ identifyUser: userHeader, identifyPlan: planHeader, analytics: true, policies: POLICIES });
    app.get('/limitrate', { config: { limitrate: false } }, app.limitrate.inspector({ token: TOKEN }));
    app.get('/limitrate-plain', app.limitrate.inspector({ token: TOKEN }));
    app.route({ method: ['GET', 'POST'], url: '/limitrate-any', handler: app.limitrate.inspector({ token: TOKEN }) });
    app.post('/api/chat', echo);
    app.get('/api/items/:id', echo);
    app.post('/api/export', { config: { limitrate: { policies: { free: { rate: { maxPerMinute: 1 } } } } } }, echo);
    const c = await h.listen(app);
    const chat = (user: string, plan = 'free') => c.send('/api/chat', { method: 'POST', headers: as(user, plan) });
    expect([(await chat('alice')).status, (await chat('alice')).status, (await chat('alice')).status]).toEqual([200, 200, 429]);
    expect((await chat('bob', 'pro')).status).toBe(200);
    expect(await c.statuses('/api/items/1', 1, { headers: as('alice') })).toEqual([200]);
    expect(await c.statuses('/api/export', 2, { method: 'POST', headers: as('carol') })).toEqual([200, 429]);
    return c;
  }

  it('answers the report: totals, endpoints (by route template, routes with limits of their own too), plans, users and recent blocks', async () => {
    const c = await serve();
    const r = await c.send<AnalyticsReport>('/limitrate', { headers: bearer() });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(r.headers.get('cache-control')).toBe('no-store');
    const report = r.body;
    expect(report).toMatchObject({ version: 1, range: { name: 'now' }, filter: null, source: { kind: 'process', instances: [expect.objectContaining({ store: 'memory' })] } });
    expect(report.source.instances).toHaveLength(1);
    expect(report.totals).toMatchObject({ requests: 7, allowed: 5, blocked: 2 });
    const endpoints = Object.fromEntries(report.endpoints.map((e) => [e.endpoint, [e.requests, e.blocked]]));
    expect(endpoints).toEqual({ 'POST|/api/chat': [4, 1], 'GET|/api/items/:id': [1, 0], 'POST|/api/export': [2, 1] });
    expect(report.users.map((u) => [u.user, u.requests, u.blocked])).toEqual([
      ['alice', 4, 1],
      ['carol', 2, 1],
      ['bob', 1, 0],
    ]);
    expect(report.recentBlocks.map((b) => [b.user, b.endpoint, b.reason])).toEqual(
      expect.arrayContaining([
        ['alice', 'POST|/api/chat', 'rate_limited'],
        ['carol', 'POST|/api/export', 'rate_limited'],
      ]),
    );
    expect(report.recentBlocks).toHaveLength(2);
  });

  it('leaves its route unlimited: with config { limitrate: false }, and without any config', async () => {
    const c = await serve();
    for (const path of ['/limitrate', '/limitrate-plain', '/limitrate-any']) {
      const r = await c.send<AnalyticsReport>(path, { headers: bearer() });
      expect(r.status).toBe(200);
      expect(r.headers.get('ratelimit-limit')).toBeNull();
      expect(r.body.totals.requests).toBe(7);
    }
    expect((await c.send<AnalyticsReport>('/limitrate', { headers: bearer() })).body.endpoints.map((e) => e.endpoint)).not.toContain('GET|/limitrate');
  });

  it('a route config that limits the inspector is kept', async () => {
    const app = await h.limited({ identifyUser: () => 'ops', analytics: true, policies: { free: { rate: { maxPerMinute: 1 } } } });
    app.get('/limitrate', { config: { limitrate: true } }, app.limitrate.inspector({ token: TOKEN }));
    const c = await h.listen(app);
    expect(await c.statuses('/limitrate', 2, { headers: bearer() })).toEqual([200, 429]);
  });

  it('takes the query: ?range=hour&plan=free narrows the report', async () => {
    const c = await serve();
    const r = await c.send<AnalyticsReport>('/limitrate?range=hour&plan=free', { headers: bearer() });
    expect(r.status).toBe(200);
    expect(r.body.range.name).toBe('hour');
    expect(r.body.series).toHaveLength(60);
    expect(r.body.filter).toEqual({ plan: 'free' });
    expect(r.body.totals).toMatchObject({ requests: 6, blocked: 2 });
    expect(r.body.plans.map((p) => p.plan)).toEqual(['free']);
    const chats = await c.send<AnalyticsReport>('/limitrate?endpoint=chat&top=1', { headers: bearer() });
    expect(chats.body.totals).toMatchObject({ requests: 4, blocked: 1 });
    expect(chats.body.users.map((u) => u.user)).toEqual(['alice']);
  });

  it('accepts the token in X-LimitRate-Token, and answers HEAD with the headers only', async () => {
    const c = await serve();
    const r = await c.send<AnalyticsReport>('/limitrate', { headers: { 'x-limitrate-token': TOKEN } });
    expect(r.status).toBe(200);
    expect(r.body.totals.requests).toBe(7);
    const head = await c.send('/limitrate', { method: 'HEAD', headers: bearer() });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(head.text).toBe('');
  });

  it('refuses without the token (401 with WWW-Authenticate), with a wrong one (401), other methods (405) and a bad query (400)', async () => {
    const c = await serve();
    const none = await c.send('/limitrate');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="limitrate"');
    expect(none.body).toMatchObject({ ok: false, code: 'ERR_LIMITRATE_UNAUTHORIZED' });
    expect(none.text).not.toContain('alice');
    const wrong = await c.send('/limitrate', { headers: bearer('inspector-secret-43') });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toBe('Bearer realm="limitrate"');
    expect(wrong.body).toMatchObject({ code: 'ERR_LIMITRATE_UNAUTHORIZED' });
    const post = await c.send('/limitrate-any', { method: 'POST', headers: bearer() });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect(post.body).toMatchObject({ ok: false, code: 'ERR_LIMITRATE_METHOD_NOT_ALLOWED' });
    const week = await c.send('/limitrate?range=week', { headers: bearer() });
    expect(week.status).toBe(400);
    expect(week.body).toMatchObject({ ok: false, code: 'ERR_LIMITRATE_INVALID_REQUEST' });
  });

  it('throws a ConfigError at inspector() without a token, with a short one, or with analytics off', async () => {
    const app = await h.limited({ analytics: true, policies: POLICIES });
    for (const options of [undefined, {}, { token: '' }, { token: 'short' }]) {
      const error = thrown(() => app.limitrate.inspector(options as unknown as InspectorOptions));
      expect(error).toBeInstanceOf(ConfigError);
      expect(error).toMatchObject({ code: 'ERR_LIMITRATE_INVALID_CONFIG', path: 'inspector.token' });
    }
    const off = await h.limited({ policies: POLICIES });
    const error = thrown(() => off.limitrate.inspector({ token: TOKEN }));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ code: 'ERR_LIMITRATE_INVALID_CONFIG', path: 'analytics' });
  });

  it('a child context\'s registration has an inspector of its own', async () => {
    const app = h.app();
    await app.register(async (child) => {
      await child.register(limitrate, h.withClock({ identifyUser: (req: FastifyRequest) => String(req.headers['x-user']), analytics: true, policies: { free: { rate: { maxPerMinute: 1 } } } }));
      child.get('/child/limitrate', child.limitrate.inspector({ token: TOKEN }));
      child.get('/child/x', echo);
    });
    const c = await h.listen(app);
    expect(await c.statuses('/child/x', 2, { headers: { 'x-user': 'dan' } })).toEqual([200, 429]);
    const r = await c.send<AnalyticsReport>('/child/limitrate', { headers: bearer() });
    expect(r.body.totals).toMatchObject({ requests: 2, blocked: 1 });
    expect(r.body.recentBlocks[0]).toMatchObject({ user: 'dan', endpoint: 'GET|/child/x' });
  });
});
