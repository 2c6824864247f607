// withRateLimitApi: Pages Router API routes served through Next.js's own apiResolver over
// real HTTP: counting, headers and the 429, the handler's req/res, outcomes (a status the
// handler sets, a thrown error), tokens from the response, in-flight limits and a client
// leaving the queue, slowdown, route templates, status.
import type { NextApiRequest, NextApiResponse } from 'next';
import { describe, expect, it, vi } from 'vitest';
import { rateLimitInfo } from '../src/index.js';
import { EventLog, useHarness } from './helpers.js';

const json = (req: NextApiRequest, res: NextApiResponse): void => {
  const status = Number(req.headers['x-status'] ?? 200);
  res.status(status).json({ url: req.url, query: req.query, endpoint: rateLimitInfo(req)?.endpoint });
};

describe('withRateLimitApi (Pages Router)', () => {
  const h = useHarness();

  it('counts, sends the headers, answers the third with the 429 body; the handler gets req and res as Next.js made them', async () => {
    const api = h.withRateLimitApi({ policies: { free: { rate: { maxPerMinute: 2 } } } })(json);
    const c = await h.servePages(api);
    const a = await c.get('/api/hello?x=1');
    expect(a.status).toBe(200);
    expect(a.body).toEqual({ url: '/api/hello?x=1', query: { x: '1' }, endpoint: 'GET|/api/hello' });
    expect(a.headers.get('ratelimit-remaining')).toBe('1');
    await c.get('/api/hello');
    const refused = await c.get('/api/hello');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(refused.headers.get('retry-after')).toBe('30');
    expect(refused.body).toMatchObject({ ok: false, reason: 'rate_limited', used: 2, allowed: 2, endpoint: 'GET|/api/hello' });
  });

  it('keys by the templates in routes, else guesses :id', async () => {
    const api = h.withRateLimitApi({ identifyUser: () => 'u', routes: ['/api/users/[id]'], policies: { free: { rate: { maxPerMinute: 100 } } } })(json);
    const c = await h.servePages(api);
    expect((await c.get('/api/users/alice')).body.endpoint).toBe('GET|/api/users/:id');
    expect((await c.get('/api/orders/42')).body.endpoint).toBe('GET|/api/orders/:id');
  });

  it('skipFailedRequests: a status the handler sets and an error it throws are given back', async () => {
    const log = new EventLog();
    const api = h.withRateLimitApi({ identifyUser: () => 'u', onEvent: log.onEvent, skipFailedRequests: true, policies: { free: { rate: { maxPerMinute: 2 } } } })((req, res) => {
      if (req.headers['x-throw'] === '1') throw new Error('api bug');
      json(req, res);
    });
    const c = await h.servePages(api);
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined); // Next.js logs the thrown error
    expect((await c.get('/api/x', { 'x-status': '500' })).status).toBe(500);
    expect((await c.get('/api/x', { 'x-throw': '1' })).status).toBe(500);
    logged.mockRestore();
    await log.waitFor('usage_recorded', 2);
    expect(await c.statuses('/api/x', 3)).toEqual([200, 200, 429]);
  });

  it('reconciles tokens from the response after it is sent', async () => {
    const log = new EventLog();
    const api = h.withRateLimitApi({
      identifyUser: () => 'u',
      onEvent: log.onEvent,
      identifyTokenUsage: (req) => Number(req.headers['x-tokens'] ?? 0),
      extractTokenUsage: (res) => Number(res.getHeader('x-tokens-used') ?? 0),
      policies: { free: { rate: { maxTokensPerMinute: 100 } } },
    })((req, res) => {
      res.setHeader('x-tokens-used', String(req.headers['x-actual'] ?? '0'));
      res.status(200).json({ ok: true });
    });
    const c = await h.servePages(api);
    expect((await c.get('/api/chat', { 'x-tokens': '10', 'x-actual': '90' })).status).toBe(200);
    expect((await log.waitFor('usage_recorded'))[0]).toMatchObject({ tokens: 80 });
    expect((await c.get('/api/chat', { 'x-tokens': '20' })).body).toMatchObject({ reason: 'token_limit_exceeded' });
  });

  it('in-flight limit: a queued request whose client goes away leaves the queue; the slot frees on finish', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const ran: string[] = [];
    const limit = h.withRateLimitApi({ identifyUser: () => 'u', policies: { free: { defaults: { concurrency: { max: 1, actionOnExceed: 'queue', queueTimeout: 10_000 } } } } });
    const api = limit(async (req, res) => {
      ran.push(String(req.headers['x-id']));
      if (req.headers['x-id'] === 'a') await held;
      res.status(200).json({ id: req.headers['x-id'] });
    });
    const c = await h.servePages(api);
    const gate = () => Object.values(limit.http.gates.snapshot())[0] ?? { inFlight: 0, queued: 0 };
    const until = async (check: () => boolean) => {
      for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
      expect(check()).toBe(true);
    };
    const a = c.get('/api/x', { 'x-id': 'a' });
    await until(() => gate().inFlight === 1);
    const client = new AbortController();
    const b = c.request('/api/x', { headers: { 'x-id': 'b' }, signal: client.signal }).catch(() => 'aborted');
    await until(() => gate().queued === 1);
    client.abort();
    expect(await b).toBe('aborted');
    await until(() => gate().queued === 0);
    release();
    expect((await a).status).toBe(200);
    await until(() => gate().inFlight === 0);
    expect((await c.get('/api/x', { 'x-id': 'c' })).status).toBe(200);
    expect(ran).toEqual(['a', 'c']);
  });

  it('slows a request past a slowdown limit, and reports status without counting', async () => {
    const limit = h.withRateLimitApi({ identifyUser: () => 'u', policies: { free: { rate: { maxPerMinute: 1, actionOnExceed: 'slowdown', slowdownMs: 100 } } } });
    const c = await h.servePages(limit(json));
    await c.get('/api/x');
    const started = Date.now();
    const slowed = await c.get('/api/x');
    expect(slowed.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(90); // a lower bound only (timers may round down)
    const s = await c.get('/api/x');
    expect(s.status).toBe(200);
    const status = await limit.status({ method: 'GET', url: '/api/x', headers: {}, socket: { remoteAddress: '127.0.0.1' } } as unknown as NextApiRequest);
    expect(status).toMatchObject({ used: 3, limit: 1, plan: 'free', endpoint: 'GET|/api/x' });
  });
});
