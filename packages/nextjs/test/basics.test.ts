// withRateLimit basics, calling handlers as Next.js does: counting and the 429, plans and
// users, one limiter per wrapper shared by its handlers, the handler's arguments and its
// Response (NextResponse, redirects, cookies, streams), errors, rateLimitInfo, configuration.
import { ConfigError, MemoryStore } from '@limitrate/core';
import { NextResponse, type NextRequest } from 'next/server';
import { describe, expect, it } from 'vitest';
import { rateLimitInfo } from '../src/index.js';
import { as, byHeader, ctx, EventLog, nextRequest, ok, read, useHarness } from './helpers.js';

describe('withRateLimit: basics', () => {
  const h = useHarness();

  it('counts requests and answers the third with the v3 429 body, RateLimit-* and Retry-After', async () => {
    const GET = h.withRateLimit({ identifyUser: () => 'u', policies: { free: { rate: { maxPerMinute: 2 } } } })(ok);
    const a = await read(await GET(nextRequest('/api/items'), ctx()));
    const b = await read(await GET(nextRequest('/api/items'), ctx()));
    const c = await read(await GET(nextRequest('/api/items'), ctx()));
    expect([a.status, b.status, c.status]).toEqual([200, 200, 429]);
    expect(a.body).toEqual({ path: '/api/items' });
    expect(a.headers.get('ratelimit-limit')).toBe('2');
    expect(a.headers.get('ratelimit-remaining')).toBe('1');
    expect(b.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(c.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(c.body).toEqual({
      ok: false,
      reason: 'rate_limited',
      message: 'Free plan allows 2 requests per minute on GET /api/items. Try again in 30 seconds.',
      retry_after_seconds: 30,
      used: 2,
      allowed: 2,
      plan: 'free',
      endpoint: 'GET|/api/items',
    });
    expect(c.headers.get('retry-after')).toBe('30');
    expect(c.headers.get('ratelimit-remaining')).toBe('0');
  });

  it('runs the example of the roadmap as written (memory store here): a handler wrapped at module level', async () => {
    const POST = h.withRateLimit({ policies: { free: { rate: { maxPerMinute: 10 } } } })(async (request) => {
      return Response.json({ ok: true, method: request.method });
    });
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await POST(nextRequest('/api/chat', { method: 'POST' }))).status);
    expect(statuses).toEqual([...Array(10).fill(200), 429]);
  });

  it('gives each user their own counter and each plan its limits (sync and async callbacks)', async () => {
    const GET = h.withRateLimit({
      identifyUser: async (req) => byHeader(req),
      identifyPlan: (req) => req.headers.get('x-plan') ?? 'free',
      policies: { free: { rate: { maxPerMinute: 1 } }, pro: { rate: { maxPerMinute: 3 } } },
    })(ok);
    const send = async (user: string, plan = 'free') => (await GET(nextRequest('/x', { headers: as(user, { 'x-plan': plan }) }), ctx())).status;
    expect([await send('alice'), await send('alice')]).toEqual([200, 429]);
    expect([await send('bob'), await send('bob')]).toEqual([200, 429]);
    expect([await send('carol', 'pro'), await send('carol', 'pro'), await send('carol', 'pro'), await send('carol', 'pro')]).toEqual([200, 200, 200, 429]);
  });

  it('builds one limiter per withRateLimit call: the handlers it wraps share it, another call counts apart', async () => {
    const options = { identifyUser: () => 'u', policies: { free: { rate: { maxPerMinute: 2 } } } };
    const limit = h.withRateLimit(options);
    const GET = limit(ok);
    const POST = limit(ok);
    const other = h.withRateLimit(options)(ok);
    expect((await GET(nextRequest('/x'), ctx())).status).toBe(200);
    expect((await POST(nextRequest('/x', { method: 'POST' }), ctx())).status).toBe(200);
    expect((await GET(nextRequest('/x'), ctx())).status).toBe(200);
    // GET|/x has had 2 requests: the shared limiter refuses the third; the other one has counted nothing.
    expect((await GET(nextRequest('/x'), ctx())).status).toBe(429);
    expect((await other(nextRequest('/x'), ctx())).status).toBe(200);
    expect((await limit.limiter.peek({ userId: 'u', endpoint: 'POST|/x' })).current).toBe(1);
  });

  it('passes the request and the context to the handler exactly as Next.js gave them', async () => {
    const seen: unknown[] = [];
    const context = ctx({ id: '42' });
    const GET = h.withRateLimit({ policies: { free: { rate: { maxPerMinute: 5 } } } })(async (request: NextRequest, c: { params: Promise<{ id: string }> }) => {
      seen.push(request, c, await c.params);
      return Response.json({ ok: true });
    });
    const request = nextRequest('/api/users/42');
    await GET(request, context);
    expect(seen[0]).toBe(request);
    expect(seen[1]).toBe(context);
    expect(seen[2]).toEqual({ id: '42' });
  });

  it('adds headers to a NextResponse, keeps its cookies and status, and leaves headers the handler set', async () => {
    const GET = h.withRateLimit({ policies: { free: { rate: { maxPerMinute: 5 } } } })(async () => {
      const res = NextResponse.json({ made: 'by next' }, { status: 201, headers: { 'X-RateLimit-Limit': 'mine' } });
      res.cookies.set('a', '1');
      res.cookies.set('b', '2');
      return res;
    });
    const r = await read(await GET(nextRequest('/x'), ctx()));
    expect(r.status).toBe(201);
    expect(r.body).toEqual({ made: 'by next' });
    expect(r.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2; Path=/']);
    expect(r.headers.get('ratelimit-remaining')).toBe('4');
    expect(r.headers.get('x-ratelimit-limit')).toBe('mine');
  });

  it('copies a response whose headers are immutable (Response.redirect) to add its headers', async () => {
    const GET = h.withRateLimit({ policies: { free: { rate: { maxPerMinute: 5 } } } })(async () => Response.redirect('https://example.com/elsewhere', 307));
    const res = (await GET(nextRequest('/x'), ctx()))!;
    expect(res.status).toBe(307);
    expect(res.headers.get('location')).toBe('https://example.com/elsewhere');
    expect(res.headers.get('ratelimit-remaining')).toBe('4');
  });

  it('keeps bodyless statuses bodyless (204, 304) and streams a streamed body through', async () => {
    const limit = h.withRateLimit({ skipFailedRequests: true, policies: { free: { rate: { maxPerMinute: 5 } } } });
    const empty = limit(async () => new Response(null, { status: 204 }));
    const r = (await empty(nextRequest('/a'), ctx()))!;
    expect(r.status).toBe(204);
    expect(r.body).toBeNull();
    expect(r.headers.get('ratelimit-remaining')).toBe('4');
    const stream = limit(
      async () =>
        new Response(
          new ReadableStream({
            start(c) {
              c.enqueue(new TextEncoder().encode('one '));
              c.enqueue(new TextEncoder().encode('two'));
              c.close();
            },
          }),
          { headers: { 'content-type': 'text/plain' } },
        ),
    );
    const s = await read(await stream(nextRequest('/b'), ctx()));
    expect(s.text).toBe('one two');
    expect(s.headers.get('ratelimit-remaining')).toBe('4');
  });

  it('rethrows what the handler throws (Next.js answers it), and returns what a handler returning nothing returns', async () => {
    const limit = h.withRateLimit({ policies: { free: { rate: { maxPerMinute: 5 } } } });
    const throwing = limit(async () => {
      throw new Error('handler bug');
    });
    await expect(throwing(nextRequest('/x'), ctx())).rejects.toThrow('handler bug');
    const nothing = limit(async () => undefined);
    expect(await nothing(nextRequest('/y'), ctx())).toBeUndefined();
  });

  it('tells the handler the decision through rateLimitInfo(request)', async () => {
    const GET = h.withRateLimit({ identifyUser: byHeader, policies: { free: { rate: { maxPerMinute: 5 } } } })(async (request) => {
      const info = rateLimitInfo(request);
      return Response.json({ user: info?.user, plan: info?.plan, endpoint: info?.endpoint, remaining: info?.result?.remaining });
    });
    const r = await read(await GET(nextRequest('/api/items', { headers: as('ann') }), ctx()));
    expect(r.body).toEqual({ user: 'ann', plan: 'free', endpoint: 'GET|/api/items', remaining: 4 });
    expect(rateLimitInfo(nextRequest('/other'))).toBeUndefined();
  });

  it('applies user overrides, unknown plans (default, allow, block) and defaultPlan', async () => {
    const policies = { free: { rate: { maxPerMinute: 1 } }, pro: { rate: { maxPerMinute: 100 } } };
    const log = new EventLog();
    const identify = { identifyUser: byHeader, identifyPlan: (req: NextRequest) => req.headers.get('x-plan') ?? 'free' };
    const byDefault = h.withRateLimit({ ...identify, policies, onEvent: log.onEvent, userOverrides: { vip: { maxPerMinute: 3 } } })(ok);
    const allow = h.withRateLimit({ ...identify, policies, onUnknownPlan: 'allow' })(ok);
    const block = h.withRateLimit({ ...identify, policies, onUnknownPlan: 'block' })(ok);
    const platinum = as('u', { 'x-plan': 'platinum' });
    expect((await byDefault(nextRequest('/x', { headers: platinum }), ctx())).status).toBe(200);
    expect((await byDefault(nextRequest('/x', { headers: platinum }), ctx())).status).toBe(429);
    expect((await log.waitFor('unknown_plan'))[0]).toMatchObject({ requestedPlan: 'platinum', handling: 'default', plan: 'free' });
    const vip = [];
    for (let i = 0; i < 4; i++) vip.push((await byDefault(nextRequest('/x', { headers: as('vip') }), ctx())).status);
    expect(vip).toEqual([200, 200, 200, 429]);
    for (let i = 0; i < 3; i++) expect((await allow(nextRequest('/x', { headers: platinum }), ctx())).status).toBe(200);
    const b = await read(await block(nextRequest('/x', { headers: platinum }), ctx()));
    expect(b.status).toBe(403);
    expect(b.body).toMatchObject({ ok: false, reason: 'unknown_plan', plan: 'platinum' });
    const trial = h.withRateLimit({ defaultPlan: 'trial', policies: { free: { rate: { maxPerMinute: 100 } }, trial: { rate: { maxPerMinute: 1 } } } })(ok);
    expect([(await trial(nextRequest('/x'), ctx())).status, (await trial(nextRequest('/x'), ctx())).status]).toEqual([200, 429]);
  });

  it('emits allowed and rate_exceeded events', async () => {
    const log = new EventLog();
    const GET = h.withRateLimit({ identifyUser: byHeader, onEvent: log.onEvent, policies: { free: { rate: { maxPerMinute: 1 } } } })(ok);
    await GET(nextRequest('/x', { headers: as('ann') }), ctx());
    await GET(nextRequest('/x', { headers: as('ann') }), ctx());
    const [exceeded] = await log.waitFor('rate_exceeded');
    expect(log.of('allowed')[0]).toMatchObject({ user: 'ann', plan: 'free', endpoint: 'GET|/x' });
    expect(exceeded).toMatchObject({ user: 'ann', endpoint: 'GET|/x', value: 2, threshold: 1, action: 'block' });
  });

  it('uses a Store instance, and exposes limiter, http, status and close', async () => {
    const store = new MemoryStore({ cleanupIntervalMs: 0 });
    const limit = h.withRateLimit({ store, identifyUser: () => 'u', policies: { free: { rate: { maxPerMinute: 1 } } } });
    const GET = limit(ok);
    await GET(nextRequest('/x'), ctx());
    expect(store.stats().keys).toBe(1);
    expect(typeof limit.http.decide).toBe('function');
    expect((await limit.status(nextRequest('/x'))).used).toBe(1);
    await limit.close();
    // A closed limiter fails the request: Next.js answers it with a 500.
    await expect(GET(nextRequest('/x'), ctx())).rejects.toMatchObject({ code: 'ERR_LIMITRATE_CLOSED' });
  });

  it('refuses a wrong configuration when the wrapper is made, with every bad field, routes included', () => {
    const attempt = (options: unknown) => {
      try {
        h.withRateLimit(options as never);
      } catch (e) {
        return e;
      }
      return undefined;
    };
    const e = attempt({ policies: { free: { rate: { maxPerMinut: 10 } } }, headers: 'ietf', identifyUser: 'x-api-key', routes: ['/ok/[id]', 'no-slash', '/a/**', 42] });
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).issues.map((i) => i.path).sort()).toEqual(['headers', 'identifyUser', 'policies.free.rate.maxPerMinut', 'routes[1]', 'routes[2]', 'routes[3]']);
    expect(attempt({ policies: { free: {} }, routes: '/x' })).toBeInstanceOf(ConfigError);
    expect(attempt({ policies: { free: {} }, routes: ['/x/[id]'] })).toBeUndefined();
    expect(attempt(undefined)).toBeInstanceOf(ConfigError);
    expect(attempt({ policies: { free: {} }, store: { type: 'upstash', tokn: 'x' } })).toBeInstanceOf(ConfigError);
  });
});
