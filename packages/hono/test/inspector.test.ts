// lr.inspector({ token }) on Hono: the cases every adapter passes (packages/testing/test/inspector-cases.ts), and the lazy form's limiter built by the first request.
import { getConnInfo } from '@hono/node-server/conninfo';
import { ConfigError, manualClock, type AnalyticsReport } from '@limitrate/core';
import { describe, expect, it } from 'vitest';
import { bearer, describeInspectorCases, INSPECTOR_POLICIES, INSPECTOR_TOKEN } from '../../testing/test/inspector-cases.js';
import { as, byHeader, echo, FROZEN_AT, newApp, planHeader, useHarness } from './helpers.js';

describe('inspector', () => {
  const h = useHarness();

  describeInspectorCases({
    async serve() {
      const lr = h.limitrate({ identifyUser: byHeader, identifyPlan: planHeader, analytics: true, policies: INSPECTOR_POLICIES });
      const app = newApp();
      app.get('/limitrate', lr.inspector({ token: INSPECTOR_TOKEN }));
      app.all('/limitrate-any', lr.inspector({ token: INSPECTOR_TOKEN }));
      app.use('*', lr);
      app.post('/api/chat', echo);
      app.get('/api/items/:id', echo);
      return h.listen(app);
    },
    anyMethodPath: '/limitrate-any',
    limiter: (options) => h.limitrate(options),
  });

  it('limitrate((c) => options).inspector() checks its token at once: a ConfigError for a short one', () => {
    expect(() => h.lazy(() => ({ analytics: true, policies: INSPECTOR_POLICIES })).inspector({ token: 'short' })).toThrow(ConfigError);
  });

  it('limitrate((c) => options): 503 until the first request builds the limiter, then the report', async () => {
    const lr = h.lazy((c) => ({ getConnInfo, clock: manualClock(FROZEN_AT), identifyUser: byHeader, analytics: true, policies: { free: { rate: { maxPerMinute: Number(c.req.header('x-limit') ?? 1) } } } }));
    const app = newApp();
    app.get('/limitrate', lr.inspector({ token: INSPECTOR_TOKEN }));
    app.use('/api/*', lr);
    app.get('/api/x', echo);
    const c = await h.listen(app);
    const early = await c.get('/limitrate', bearer());
    expect(early.status).toBe(503);
    expect(early.headers.get('retry-after')).toBe('1');
    expect(early.body).toMatchObject({ ok: false, code: 'ERR_LIMITRATE_NOT_READY' });
    expect((await c.get('/limitrate')).status).toBe(401); // the token is checked first
    expect(await c.statuses('/api/x', 2, { headers: as('erin') })).toEqual([200, 429]);
    const r = await c.get<AnalyticsReport>('/limitrate', bearer());
    expect(r.status).toBe(200);
    expect(r.body.totals).toMatchObject({ requests: 2, blocked: 1 });
    expect(r.body.recentBlocks[0]).toMatchObject({ user: 'erin', endpoint: 'GET|/api/x' });
  });

  it('limitrate((c) => options) with analytics off: 404 ERR_LIMITRATE_ANALYTICS_OFF once the limiter exists', async () => {
    const lr = h.lazy(() => ({ getConnInfo, clock: manualClock(FROZEN_AT), policies: INSPECTOR_POLICIES }));
    const app = newApp();
    app.get('/limitrate', lr.inspector({ token: INSPECTOR_TOKEN }));
    app.use('/api/*', lr);
    app.get('/api/x', echo);
    const c = await h.listen(app);
    expect((await c.get('/api/x')).status).toBe(200);
    const r = await c.get('/limitrate', bearer());
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ ok: false, code: 'ERR_LIMITRATE_ANALYTICS_OFF' });
  });
});
