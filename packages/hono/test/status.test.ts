// Quota status without counting: the middleware's status(c), getRateLimitStatus and
// createStatusEndpoint, for the plain and the function form.
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createStatusEndpoint, getRateLimitStatus } from '../src/index.js';
import { as, byHeader, planHeader, read, useHarness } from './helpers.js';

const policies = { free: { endpoints: { 'POST|/api/chat': { rate: { maxPerMinute: 4 } } }, defaults: { rate: { maxPerMinute: 10 } } }, pro: { rate: { maxPerMinute: 100 } } };

describe('status', () => {
  const h = useHarness();

  it("createStatusEndpoint answers the caller's quota for an endpoint, uncached, counting nothing", async () => {
    const lr = h.limitrate({ identifyUser: byHeader, identifyPlan: planHeader, policies });
    const app = new Hono();
    app.use('/api/*', lr);
    app.post('/api/chat', (c) => c.text('hi'));
    app.get('/quota', createStatusEndpoint(lr, { endpoint: 'POST|/api/chat' }));
    await app.request('/api/chat', { method: 'POST', headers: as('alice') });
    const status = await read(await app.request('/quota', { headers: as('alice') }));
    expect(status.status).toBe(200);
    expect(status.headers.get('cache-control')).toBe('no-store');
    expect(status.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(status.body).toMatchObject({ used: 1, limit: 4, remaining: 3, plan: 'free', percentage: 25, endpoint: 'POST|/api/chat' });
    // Asking counted nothing.
    expect((await read(await app.request('/quota', { headers: as('alice') }))).body).toMatchObject({ used: 1 });
    expect((await read(await app.request('/quota', { headers: as('bob', { 'x-plan': 'pro' }) }))).body).toMatchObject({ used: 0, limit: 100, plan: 'pro' });
  });

  it('getRateLimitStatus and status(c) report the current route when no endpoint is named', async () => {
    const lr = h.limitrate({ identifyUser: byHeader, policies });
    const app = new Hono();
    app.use('*', lr);
    app.get('/items/:id', async (c) => c.json({ a: await getRateLimitStatus(lr, c), b: await lr.status(c, 'POST|/api/chat') }));
    const r = await read<{ a: Record<string, unknown>; b: Record<string, unknown> }>(await app.request('/items/7', { headers: as('carol') }));
    expect(r.body.a).toMatchObject({ endpoint: 'GET|/items/:id', used: 1, limit: 10 });
    expect(r.body.b).toMatchObject({ endpoint: 'POST|/api/chat', used: 0, limit: 4 });
  });

  it('works with the function form before any limited request, and answers 500 without detail when it fails', async () => {
    const lazy = h.lazy(() => ({ identifyUser: byHeader, policies }));
    const broken = h.lazy(() => {
      throw new Error('secret configuration missing');
    });
    const app = new Hono();
    app.get('/quota', createStatusEndpoint(lazy, { endpoint: 'POST|/api/chat' }));
    app.get('/broken', createStatusEndpoint(broken));
    expect((await read(await app.request('/quota', { headers: as('dan') }))).body).toMatchObject({ used: 0, limit: 4 });
    expect(lazy.limiter).toBeDefined();
    const failed = await read(await app.request('/broken', { headers: as('dan') }));
    expect([failed.status, failed.body]).toEqual([500, { ok: false, error: 'Failed to get the rate limit status' }]);
  });
});
