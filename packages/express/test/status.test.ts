// createStatusEndpoint and getRateLimitStatus: a user's quota, without consuming anything, in
// the v4 form (the middleware) and in LimitRate v3's form ({ store, identifyUser, ... }).
import type { RateLimitStatus } from '@limitrate/core';
import { describe, expect, it } from 'vitest';
import { createStatusEndpoint, getRateLimitStatus } from '../src/index.js';
import { as, byHeader, echo, EventLog, EXPRESS_VERSIONS, planHeader, useHarness } from './helpers.js';

describe.each(EXPRESS_VERSIONS)('%s: status', (_name, express) => {
  const h = useHarness(express);

  async function serve() {
    const log = new EventLog();
    const lr = h.limitrate({
      identifyUser: byHeader,
      identifyPlan: planHeader,
      onEvent: log.onEvent,
      policies: {
        free: { endpoints: { 'POST|/api/chat': { rate: { maxPerMinute: 5 }, cost: { dailyCap: 1, estimateCost: () => 0.1 } } } },
        pro: { endpoints: { 'POST|/api/chat': { rate: { maxPerMinute: 50 } } } },
      },
    });
    const app = h.app();
    // Status routes first: they are not limited themselves.
    app.get('/api/quota', createStatusEndpoint(lr, { endpoint: 'POST|/api/chat' }));
    app.get('/api/quota/custom', async (req, res) => {
      res.json(await getRateLimitStatus(lr, req, 'POST|/api/chat'));
    });
    app.use(lr);
    app.post('/api/chat', echo);
    return { c: await h.listen(app), lr, log };
  }

  it('createStatusEndpoint(middleware): reports used, limit, remaining, plan and every limit, consuming nothing', async () => {
    const { c, log, lr } = await serve();
    for (let i = 0; i < 3; i++) expect((await c.request('/api/chat', { method: 'POST', headers: as('alice') })).status).toBe(200);
    await lr.limiter.events.flush();
    const before = log.all.length;
    for (let i = 0; i < 10; i++) {
      const s = await c.get<RateLimitStatus>('/api/quota', as('alice'));
      expect(s.status).toBe(200);
      expect(s.headers.get('cache-control')).toBe('no-store');
      expect(s.body).toMatchObject({ used: 3, limit: 5, remaining: 2, plan: 'free', percentage: 60, endpoint: 'POST|/api/chat' });
      expect(s.body.resetIn).toBeGreaterThan(0);
      expect(s.body.limits.map((l) => [l.id, l.used])).toEqual([
        ['rate:1m', 3],
        ['cost:1d', 0.3],
      ]);
    }
    // Nothing was counted, priced or reported by the status requests.
    await lr.limiter.events.flush();
    expect(log.all.length).toBe(before);
    expect(await c.statuses('/api/chat', 3, { method: 'POST', headers: as('alice') })).toEqual([200, 200, 429]);
  });

  it('reports each user and plan on their own', async () => {
    const { c } = await serve();
    await c.request('/api/chat', { method: 'POST', headers: as('bob', { 'x-plan': 'pro' }) });
    const bob = await c.get<RateLimitStatus>('/api/quota', as('bob', { 'x-plan': 'pro' }));
    expect(bob.body).toMatchObject({ used: 1, limit: 50, remaining: 49, plan: 'pro', percentage: 2 });
    const nobody = await c.get<RateLimitStatus>('/api/quota', as('nobody'));
    expect(nobody.body).toMatchObject({ used: 0, limit: 5, remaining: 5, plan: 'free', percentage: 0 });
  });

  it('reports a user at the limit as 100% with nothing remaining, without emitting exceeded events', async () => {
    const { c, log, lr } = await serve();
    for (let i = 0; i < 5; i++) await c.request('/api/chat', { method: 'POST', headers: as('carol') });
    const s = await c.get<RateLimitStatus>('/api/quota', as('carol'));
    expect(s.body).toMatchObject({ used: 5, limit: 5, remaining: 0, percentage: 100 });
    await lr.limiter.events.flush();
    expect(log.of('rate_exceeded')).toEqual([]);
  });

  it('getRateLimitStatus(middleware, req, endpoint) from a handler of your own', async () => {
    const { c } = await serve();
    await c.request('/api/chat', { method: 'POST', headers: as('dave') });
    const s = await c.get<RateLimitStatus>('/api/quota/custom', as('dave'));
    expect(s.body).toMatchObject({ used: 1, limit: 5, remaining: 4, plan: 'free', endpoint: 'POST|/api/chat' });
  });

  it('without an endpoint, reports the endpoint of the status request itself (and null limits when none apply)', async () => {
    const lr = h.limitrate({ identifyUser: byHeader, policies: { free: { endpoints: { 'GET|/me/quota': { rate: { maxPerMinute: 7 } } } } } });
    const app = h.app();
    app.get('/me/quota', createStatusEndpoint(lr));
    app.get('/other/quota', createStatusEndpoint(lr));
    const c = await h.listen(app);
    const s = await c.get<RateLimitStatus>('/me/quota', as('eve'));
    expect(s.body).toMatchObject({ used: 0, limit: 7, remaining: 7, endpoint: 'GET|/me/quota' });
    const none = await c.get<RateLimitStatus>('/other/quota', as('eve'));
    expect(none.body).toMatchObject({ used: 0, limit: null, remaining: null, percentage: 0, limits: [] });
  });

  it('v3 form: createStatusEndpoint({ store, identifyUser, identifyPlan, getLimit, windowSeconds, endpoint }) reads the limiter\'s counter', async () => {
    const lr = h.limitrate({ identifyUser: byHeader, identifyPlan: planHeader, policies: { free: { endpoints: { 'POST|/api/chat': { rate: { maxPerMinute: 10 } } } }, pro: { endpoints: { 'POST|/api/chat': { rate: { maxPerMinute: 100 } } } } } });
    const app = h.app();
    app.get(
      '/api/quota',
      createStatusEndpoint({
        store: lr.limiter.store,
        identifyUser: byHeader,
        identifyPlan: planHeader,
        getLimit: (plan) => (plan === 'pro' ? 100 : 10),
        windowSeconds: 60,
        endpoint: 'POST|/api/chat',
      }),
    );
    app.post('/api/chat', lr, echo);
    const c = await h.listen(app);
    for (let i = 0; i < 4; i++) await c.request('/api/chat', { method: 'POST', headers: as('user:1') });
    for (let i = 0; i < 3; i++) {
      const s = await c.get<RateLimitStatus>('/api/quota', as('user:1'));
      expect(s.status).toBe(200);
      expect(s.body).toMatchObject({ used: 4, limit: 10, remaining: 6, plan: 'free', percentage: 40, endpoint: 'POST|/api/chat' });
    }
    const pro = await c.get<RateLimitStatus>('/api/quota', as('someone', { 'x-plan': 'pro' }));
    expect(pro.body).toMatchObject({ used: 0, limit: 100, remaining: 100, plan: 'pro' });
    // Still 6 requests left: the status requests consumed nothing.
    expect(await c.statuses('/api/chat', 7, { method: 'POST', headers: as('user:1') })).toEqual([200, 200, 200, 200, 200, 200, 429]);
  });

  it('v3 form: getRateLimitStatus({ user, plan, endpoint, store, limit, windowSeconds })', async () => {
    const lr = h.limitrate({ identifyUser: byHeader, policies: { free: { endpoints: { 'GET|/items/:id': { rate: { maxPerMinute: 10 } } } } } });
    const app = h.app();
    app.get('/items/:id', lr, echo);
    app.get('/quota', async (req, res) => {
      res.json(await getRateLimitStatus({ user: byHeader(req), plan: 'free', endpoint: 'GET|/items/:id', store: lr.limiter.store, limit: 10, windowSeconds: 60 }));
    });
    const c = await h.listen(app);
    await c.get('/items/1', as('frank'));
    await c.get('/items/2', as('frank'));
    const s = await c.get<RateLimitStatus>('/quota', as('frank'));
    expect(s.body).toMatchObject({ used: 2, limit: 10, remaining: 8, plan: 'free', percentage: 20, endpoint: 'GET|/items/:id' });
    const again = await c.get<RateLimitStatus>('/quota', as('frank'));
    expect(again.body.used).toBe(2);
  });

  it('v3 form: the request\'s own method and path when no endpoint is given', async () => {
    const lr = h.limitrate({ identifyUser: byHeader, policies: { free: { endpoints: { 'GET|/q': { rate: { maxPerMinute: 3 } } } } } });
    const app = h.app();
    const status = createStatusEndpoint({ store: lr.limiter.store, identifyUser: byHeader, identifyPlan: () => 'free', getLimit: () => 3, windowSeconds: 60 });
    app.get('/q', (req, res, next) => (req.query.status === '1' ? status(req, res, next) : next()), lr, echo);
    const c = await h.listen(app);
    await c.get('/q', as('g'));
    const s = await c.get<RateLimitStatus>('/q?status=1', as('g'));
    expect(s.body).toMatchObject({ used: 1, limit: 3, remaining: 2, endpoint: 'GET|/q' });
  });

  it('answers 500 without detail when the status cannot be read', async () => {
    const lr = h.limitrate({ identifyUser: byHeader, policies: { free: { rate: { maxPerMinute: 3 } } } });
    const app = h.app();
    app.get(
      '/v3',
      createStatusEndpoint({
        store: lr.limiter.store,
        identifyUser: () => {
          throw new Error('secret database detail');
        },
        identifyPlan: () => 'free',
        getLimit: () => 3,
        windowSeconds: 60,
      }),
    );
    const closed = h.limitrate({ policies: { free: { rate: { maxPerMinute: 3 } } } });
    await closed.close();
    app.get('/closed', createStatusEndpoint(closed));
    const c = await h.listen(app);
    for (const path of ['/v3', '/closed']) {
      const r = await c.get(path, as('x'));
      expect(r.status, path).toBe(500);
      expect(r.body, path).toEqual({ ok: false, error: 'Failed to get the rate limit status' });
      expect(r.text).not.toMatch(/secret/);
    }
  });

  it('is not thrown off by a failing identifyUser in the v4 form (falls back to the client IP)', async () => {
    const lr = h.limitrate({
      identifyUser: () => {
        throw new Error('auth down');
      },
      policies: { free: { rate: { maxPerMinute: 3 } } },
    });
    const app = h.app();
    app.get('/quota', createStatusEndpoint(lr, { endpoint: 'GET|/x' }));
    app.get('/x', lr, echo);
    const c = await h.listen(app);
    await c.get('/x');
    const s = await c.get<RateLimitStatus>('/quota');
    expect(s.status).toBe(200);
    expect(s.body).toMatchObject({ used: 1, limit: 3 });
  });
});
