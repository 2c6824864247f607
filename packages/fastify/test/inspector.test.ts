// app.limitrate.inspector({ token }) on Fastify: the cases every adapter passes (packages/testing/test/inspector-cases.ts), its route left unlimited, per-route limiters in the report, child contexts.
import type { AnalyticsReport } from '@limitrate/core';
import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { bearer, describeInspectorCases, endpointsOf, INSPECTOR_POLICIES, INSPECTOR_TOKEN, reportOf, sendTraffic, type InspectorClient } from '../../testing/test/inspector-cases.js';
import { limitrate } from '../src/index.js';
import { echo, planHeader, useHarness, userHeader, type Client } from './helpers.js';

/** The harness's client as the shared cases use it. */
const shared = (c: Client): InspectorClient => ({ request: (path, init) => c.send(path, init) });

describe('inspector', () => {
  const h = useHarness();

  /**
   * The app of the shared cases: the inspector at /limitrate (config { limitrate: false }),
   * /limitrate-plain (no config) and /limitrate-any (GET and POST), and a route with limits of
   * its own, POST /api/export (1 a minute on free), which the shared traffic leaves alone.
   */
  async function serve(): Promise<Client> {
    const app = await h.limited({ identifyUser: userHeader, identifyPlan: planHeader, analytics: true, policies: INSPECTOR_POLICIES });
    app.get('/limitrate', { config: { limitrate: false } }, app.limitrate.inspector({ token: INSPECTOR_TOKEN }));
    app.get('/limitrate-plain', app.limitrate.inspector({ token: INSPECTOR_TOKEN }));
    app.route({ method: ['GET', 'POST'], url: '/limitrate-any', handler: app.limitrate.inspector({ token: INSPECTOR_TOKEN }) });
    app.post('/api/chat', echo);
    app.get('/api/items/:id', echo);
    app.post('/api/export', { config: { limitrate: { policies: { free: { rate: { maxPerMinute: 1 } } } } } }, echo);
    return h.listen(app);
  }

  describeInspectorCases({
    serve: async () => shared(await serve()),
    anyMethodPath: '/limitrate-any',
    limiter: async (options) => (await h.limited(options)).limitrate,
  });

  it('counts routes with limits of their own in the report: totals, endpoints, users, recent blocks and the plan filter', async () => {
    const c = await serve();
    await sendTraffic(shared(c));
    expect(await c.statuses('/api/export', 2, { method: 'POST', headers: { 'x-user': 'carol', 'x-plan': 'free' } })).toEqual([200, 429]);
    const report = (await reportOf(shared(c))).body;
    expect(report.totals).toMatchObject({ requests: 8, allowed: 6, blocked: 2 });
    expect(endpointsOf(report)).toEqual({ 'POST|/api/chat': [4, 1], 'GET|/api/items/:id': [2, 0], 'POST|/api/export': [2, 1] });
    expect(report.users.map((u) => [u.user, u.requests, u.blocked])).toEqual([
      ['alice', 5, 1],
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
    expect((await reportOf(shared(c), '/limitrate?range=hour&plan=free')).body.totals).toMatchObject({ requests: 7, blocked: 2 });
  });

  it('leaves its route unlimited: with config { limitrate: false }, and without any config', async () => {
    const c = await serve();
    await sendTraffic(shared(c));
    for (const path of ['/limitrate', '/limitrate-plain', '/limitrate-any']) {
      const r = await c.send<AnalyticsReport>(path, { headers: bearer() });
      expect(r.status).toBe(200);
      expect(r.headers.get('ratelimit-limit')).toBeNull();
      expect(r.body.totals.requests).toBe(6);
    }
    expect((await c.send<AnalyticsReport>('/limitrate', { headers: bearer() })).body.endpoints.map((e) => e.endpoint)).not.toContain('GET|/limitrate');
  });

  it('a route config that limits the inspector is kept', async () => {
    const app = await h.limited({ identifyUser: () => 'ops', analytics: true, policies: { free: { rate: { maxPerMinute: 1 } } } });
    app.get('/limitrate', { config: { limitrate: true } }, app.limitrate.inspector({ token: INSPECTOR_TOKEN }));
    const c = await h.listen(app);
    expect(await c.statuses('/limitrate', 2, { headers: bearer() })).toEqual([200, 429]);
  });

  it("a child context's registration has an inspector of its own", async () => {
    const app = h.app();
    await app.register(async (child) => {
      await child.register(limitrate, h.withClock({ identifyUser: (req: FastifyRequest) => String(req.headers['x-user']), analytics: true, policies: { free: { rate: { maxPerMinute: 1 } } } }));
      child.get('/child/limitrate', child.limitrate.inspector({ token: INSPECTOR_TOKEN }));
      child.get('/child/x', echo);
    });
    const c = await h.listen(app);
    expect(await c.statuses('/child/x', 2, { headers: { 'x-user': 'dan' } })).toEqual([200, 429]);
    const r = await c.send<AnalyticsReport>('/child/limitrate', { headers: bearer() });
    expect(r.body.totals).toMatchObject({ requests: 2, blocked: 1 });
    expect(r.body.recentBlocks[0]).toMatchObject({ user: 'dan', endpoint: 'GET|/child/x' });
  });
});
