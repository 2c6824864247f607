// Endpoint keys from Fastify's route templates, and each route's config.limitrate: false,
// endpoint, policies, skip, token callbacks, and the hook a route is checked in (onRequest,
// or preHandler when a callback reads the parsed body).
import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import type { RateLimitInfo } from '../src/index.js';
import { echo, EventLog, useHarness } from './helpers.js';

type Echo = { rateLimit: RateLimitInfo | null };
const info = (r: { json(): unknown }): RateLimitInfo => (r.json() as Echo).rateLimit!;

describe('endpoint keys', () => {
  const h = useHarness();

  it('counts a route by its template and method: /users/1 and /users/2 share GET|/users/:id', async () => {
    const app = await h.limited({ policies: { free: { endpoints: { 'GET|/users/:id': { rate: { maxPerMinute: 2 } } }, defaults: { rate: { maxPerMinute: 5 } } } } });
    app.get('/users/:id', echo);
    app.delete('/users/:id', echo);
    expect(info(await app.inject('/users/1'))).toMatchObject({ endpoint: 'GET|/users/:id', policy: 'GET|/users/:id', remaining: 1 });
    expect(info(await app.inject('/users/%C3%A9t%C3%A9'))).toMatchObject({ endpoint: 'GET|/users/:id', remaining: 0 });
    expect((await app.inject('/users/3')).statusCode).toBe(429);
    expect(info(await app.inject({ method: 'DELETE', url: '/users/1' }))).toMatchObject({ endpoint: 'DELETE|/users/:id', policy: 'defaults', remaining: 4 });
  });

  it('counts HEAD (Fastify answers it with the GET route) as GET, on the same counter', async () => {
    const app = await h.limited({ policies: { free: { rate: { maxPerMinute: 2 } } } });
    app.get('/page', echo);
    expect((await app.inject({ method: 'HEAD', url: '/page' })).headers['ratelimit-remaining']).toBe('1');
    expect(info(await app.inject('/page'))).toMatchObject({ endpoint: 'GET|/page', remaining: 0 });
    const refused = await app.inject({ method: 'HEAD', url: '/page' });
    expect(refused.statusCode).toBe(429);
    expect(refused.body).toBe('');
  });

  it('gives each method of a multi-method route its own endpoint, and wildcard routes their template', async () => {
    const app = await h.limited({ policies: { free: { endpoints: { 'GET|/files/*': { rate: { maxPerMinute: 1 } } }, defaults: { rate: { maxPerMinute: 3 } } } } });
    app.route({ method: ['GET', 'POST'], url: '/both', handler: echo });
    app.get('/files/*', echo);
    expect(info(await app.inject('/both')).endpoint).toBe('GET|/both');
    expect(info(await app.inject({ method: 'POST', url: '/both' })).endpoint).toBe('POST|/both');
    expect(info(await app.inject('/files/a/b.txt'))).toMatchObject({ endpoint: 'GET|/files/*', policy: 'GET|/files/*' });
    expect((await app.inject('/files/c.txt')).statusCode).toBe(429);
  });

  it('names a request no route matches by its path with identifiers as :id (so a scan shares one counter)', async () => {
    const log = new EventLog();
    const app = await h.limited({ onEvent: log.onEvent, policies: { free: { rate: { maxPerMinute: 2 } } } });
    expect((await app.inject('/scan/1/raw')).statusCode).toBe(404);
    expect((await app.inject('/scan/2/raw?x=1')).statusCode).toBe(404);
    const third = await app.inject('/scan/3/raw');
    expect(third.statusCode).toBe(429);
    expect(third.json()).toMatchObject({ endpoint: 'GET|/scan/:id/raw' });
  });
});

describe('route config', () => {
  const h = useHarness();

  it('limitrate: false leaves a route alone (no check, no headers, no request.rateLimit), except the ipBlocklist', async () => {
    const app = await h.limited({ ipBlocklist: ['203.0.113.0/24'], policies: { free: { rate: { maxPerMinute: 1 } } } });
    app.get('/health', { config: { limitrate: false } }, echo);
    app.get('/ok', { config: { limitrate: true } }, echo);
    for (let i = 0; i < 3; i++) {
      const r = await app.inject('/health');
      expect(r.statusCode).toBe(200);
      expect(r.headers['ratelimit-limit']).toBeUndefined();
      expect((r.json() as Echo).rateLimit).toBeNull();
    }
    expect(await Promise.all([app.inject('/ok'), app.inject('/ok')]).then((rs) => rs.map((r) => r.statusCode))).toEqual([200, 429]);
    expect((await app.inject({ url: '/health', remoteAddress: '203.0.113.9' })).statusCode).toBe(403);
  });

  it('endpoint: counts routes under one key (two routes, one counter and one policy)', async () => {
    const app = await h.limited({ policies: { free: { endpoints: { 'POST|/api/chat': { rate: { maxPerMinute: 2 } } }, defaults: { rate: { maxPerMinute: 100 } } } } });
    app.post('/api/chat', echo);
    app.post('/api/v2/chat/:room', { config: { limitrate: { endpoint: 'POST|/api/chat' } } }, echo);
    expect(info(await app.inject({ method: 'POST', url: '/api/v2/chat/lobby' }))).toMatchObject({ endpoint: 'POST|/api/chat', policy: 'POST|/api/chat', remaining: 1 });
    expect(info(await app.inject({ method: 'POST', url: '/api/chat' })).remaining).toBe(0);
    expect((await app.inject({ method: 'POST', url: '/api/v2/chat/other' })).statusCode).toBe(429);
  });

  it('policies: a route with limits of its own, sharing the store and the events of the plugin', async () => {
    const log = new EventLog();
    const app = await h.limited({ onEvent: log.onEvent, identifyPlan: (req) => String(req.headers['x-plan'] ?? 'free'), policies: { free: { rate: { maxPerMinute: 100 } }, pro: { rate: { maxPerMinute: 1000 } } } });
    const own = { policies: { free: { rate: { maxPerMinute: 1 } }, pro: { rate: { maxPerMinute: 3 } } } };
    app.post('/api/export', { config: { limitrate: own } }, echo);
    app.post('/api/import', { config: { limitrate: own } }, echo); // the same options object: one limiter
    app.get('/api/items', echo);
    app.get('/quota', { config: { limitrate: false } }, (req) => app.limitrate.status(req, 'POST|/api/export'));
    expect(info(await app.inject({ method: 'POST', url: '/api/export' }))).toMatchObject({ limit: 1, remaining: 0, policy: 'defaults' });
    const refused = await app.inject({ method: 'POST', url: '/api/export' });
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ reason: 'rate_limited', allowed: 1, endpoint: 'POST|/api/export' });
    expect(info(await app.inject({ method: 'POST', url: '/api/import' })).limit).toBe(1); // its own counter (defaults count per endpoint)
    expect(info(await app.inject({ method: 'POST', url: '/api/export', headers: { 'x-plan': 'pro' } })).limit).toBe(3);
    expect(info(await app.inject('/api/items')).limit).toBe(100);
    // The route's limiter reports through the plugin's onEvent.
    const [exceeded] = await log.waitFor('rate_exceeded');
    expect(exceeded).toMatchObject({ endpoint: 'POST|/api/export', limit: 'rate:1m' });
    // status() of its endpoint reads the route's limiter (plans share a user's counters: pro's request counted too).
    expect((await app.inject('/quota')).json()).toMatchObject({ used: 2, limit: 1, remaining: 0, plan: 'free', endpoint: 'POST|/api/export' });
  });

  it('skip: replaces the plugin\'s skip for one route (the ipBlocklist still applies)', async () => {
    const app = await h.limited({ ipBlocklist: ['203.0.113.9'], skip: (req) => req.headers['x-internal'] === '1', policies: { free: { rate: { maxPerMinute: 1 } } } });
    app.get('/a', echo);
    app.get('/b', { config: { limitrate: { skip: (req: FastifyRequest) => req.headers['x-batch'] === '1' } } }, echo);
    expect((await app.inject({ url: '/a', headers: { 'x-internal': '1' } })).headers['ratelimit-limit']).toBeUndefined();
    expect((await app.inject({ url: '/b', headers: { 'x-internal': '1' } })).headers['ratelimit-limit']).toBe('1'); // the plugin's skip does not apply here
    expect((await app.inject({ url: '/b', headers: { 'x-batch': '1' } })).statusCode).toBe(200);
    expect((await app.inject({ url: '/b' })).statusCode).toBe(429);
    expect((await app.inject({ url: '/b', headers: { 'x-batch': '1' }, remoteAddress: '203.0.113.9' })).statusCode).toBe(403);
  });
});

describe('the hook a route is checked in', () => {
  const h = useHarness();
  const body = (cost: number) => ({ method: 'POST' as const, url: '/api/images', payload: { cost } });
  const estimateCost = (req: FastifyRequest) => (req.body as { cost?: number } | undefined)?.cost ?? 0.5;

  it('auto: preHandler where a policy\'s estimateCost applies to a route with a body, so it reads request.body', async () => {
    const app = await h.limited({ policies: { free: { endpoints: { 'POST|/api/images': { cost: { estimateCost, dailyCap: 1 } } } } } });
    app.post('/api/images', echo);
    expect(info(await app.inject(body(0.25))).result?.cost).toBe(0.25);
    expect(info(await app.inject(body(0.7))).result?.cost).toBe(0.7);
    const refused = await app.inject(body(0.1));
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ reason: 'cost_exceeded', used: 0.95, allowed: 1 });
  });

  it('hook: onRequest checks before the body is parsed: estimateCost then sees no body', async () => {
    const app = await h.limited({ hook: 'onRequest', policies: { free: { endpoints: { 'POST|/api/images': { cost: { estimateCost, dailyCap: 1 } } } } } });
    app.post('/api/images', echo);
    app.post('/api/other', { config: { limitrate: { hook: 'preHandler', endpoint: 'POST|/api/images' } } }, echo);
    expect(info(await app.inject(body(0.25))).result?.cost).toBe(0.5);
    expect(info(await app.inject({ ...body(0.25), url: '/api/other' })).result?.cost).toBe(0.25);
  });

  it('auto: a route-level identifyTokenUsage reading the body moves its route to preHandler', async () => {
    const app = await h.limited({ policies: { free: { rate: { maxTokensPerMinute: 1000 } } } });
    app.post('/api/chat', { config: { limitrate: { identifyTokenUsage: (req) => (req.body as { max_tokens: number }).max_tokens } } }, echo);
    expect(info(await app.inject({ method: 'POST', url: '/api/chat', payload: { max_tokens: 600 } }))).toMatchObject({ used: 600, remaining: 400 });
    expect((await app.inject({ method: 'POST', url: '/api/chat', payload: { max_tokens: 600 } })).json()).toMatchObject({ reason: 'token_limit_exceeded' });
  });

  it('onRequest counts requests that fail validation; preHandler counts only those that reach the handler', async () => {
    const app = await h.limited({ policies: { free: { endpoints: { 'POST|/in-pre': { cost: { estimateCost: () => 0.01, dailyCap: 1 } } }, defaults: { rate: { maxPerMinute: 10 } } } } });
    const schema = { body: { type: 'object', required: ['n'], properties: { n: { type: 'number' } } } };
    app.post('/in-pre', { schema }, echo);
    app.get('/in-on', { schema: { querystring: { type: 'object', required: ['q'], properties: { q: { type: 'string' } } } } }, echo);
    const onRequest = await app.inject('/in-on');
    expect(onRequest.statusCode).toBe(400);
    expect(onRequest.headers['ratelimit-remaining']).toBe('9');
    const preHandler = await app.inject({ method: 'POST', url: '/in-pre', payload: {} });
    expect(preHandler.statusCode).toBe(400);
    expect(preHandler.headers['ratelimit-remaining']).toBeUndefined();
    expect(info(await app.inject({ method: 'POST', url: '/in-pre', payload: { n: 1 } })).result?.cost).toBe(0.01);
  });
});
