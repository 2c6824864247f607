// Quota status without counting: app.limitrate.status, getRateLimitStatus and
// createStatusEndpoint, with the limiter of the route's context or the one given.
import { describe, expect, it } from 'vitest';
import { createStatusEndpoint, getRateLimitStatus } from '../src/index.js';
import { echo, useHarness } from './helpers.js';

const POLICIES = {
  free: { endpoints: { 'POST|/api/chat': { rate: { maxPerMinute: 10 } }, 'GET|/api/quota': {}, 'GET|/api/me': {} }, defaults: { rate: { maxPerMinute: 60 } } },
};

describe('status', () => {
  const h = useHarness();

  async function serve() {
    const app = await h.limited({ identifyUser: (req) => String(req.headers['x-user'] ?? 'anon'), policies: POLICIES });
    app.post('/api/chat', echo);
    app.get('/api/quota', createStatusEndpoint({ endpoint: 'POST|/api/chat' }));
    app.get('/api/quota-of-handle', { config: { limitrate: false } }, createStatusEndpoint(app.limitrate, { endpoint: 'POST|/api/chat' }));
    app.get('/api/me', async (req) => {
      const chat = await getRateLimitStatus(req, 'POST|/api/chat');
      const same = await getRateLimitStatus(app.limitrate, req, 'POST|/api/chat');
      return { chatsLeft: chat.remaining, same: same.remaining === chat.remaining, own: await app.limitrate.status(req) };
    });
    app.get('/items/:id', async (req) => app.limitrate.status(req));
    const c = await h.listen(app);
    for (let i = 0; i < 3; i++) await c.send('/api/chat', { method: 'POST', headers: { 'x-user': 'alice' } });
    return c;
  }

  it('createStatusEndpoint answers the caller\'s quota on an endpoint, counting nothing, with Cache-Control: no-store', async () => {
    const c = await serve();
    const alice = { headers: { 'x-user': 'alice' } };
    for (const path of ['/api/quota', '/api/quota', '/api/quota-of-handle']) {
      const r = await c.send(path, alice);
      expect(r.status).toBe(200);
      expect(r.headers.get('cache-control')).toBe('no-store');
      expect(r.body).toMatchObject({ used: 3, limit: 10, remaining: 7, resetIn: 30, plan: 'free', percentage: 30, endpoint: 'POST|/api/chat' });
      expect(r.body.limits).toEqual([expect.objectContaining({ id: 'rate:1m', used: 3, limit: 10 })]);
    }
    expect((await c.send('/api/quota', { headers: { 'x-user': 'bob' } })).body).toMatchObject({ used: 0, remaining: 10 });
  });

  it('getRateLimitStatus and app.limitrate.status: another endpoint, or the request\'s own', async () => {
    const c = await serve();
    expect((await c.send('/api/me', { headers: { 'x-user': 'alice' } })).body).toMatchObject({ chatsLeft: 7, same: true, own: { endpoint: 'GET|/api/me', limit: null, used: 0 } });
    // The request's own endpoint is its route template; the status request itself was counted first.
    expect((await c.send('/items/42', { headers: { 'x-user': 'carol' } })).body).toMatchObject({ endpoint: 'GET|/items/:id', used: 1, limit: 60 });
  });

  it('answers 500 without detail when the lookup fails or no limiter is registered for the route; getRateLimitStatus throws a coded error', async () => {
    const app = await h.limited({ policies: POLICIES });
    app.get('/api/quota', { config: { limitrate: false } }, createStatusEndpoint());
    const bare = h.app();
    bare.get('/q', createStatusEndpoint());
    bare.get('/q2', async (req) => getRateLimitStatus(req));
    await app.ready();
    await app.limitrate.close(); // a lookup on a closed limiter fails
    for (const r of [await app.inject('/api/quota'), await bare.inject('/q')]) {
      expect(r.statusCode).toBe(500);
      expect(r.json()).toEqual({ ok: false, error: 'Failed to get the rate limit status' });
    }
    const direct = await bare.inject('/q2');
    expect(direct.statusCode).toBe(500);
    expect(direct.json()).toMatchObject({ code: 'ERR_LIMITRATE_INVALID_CONFIG' });
  });
});
