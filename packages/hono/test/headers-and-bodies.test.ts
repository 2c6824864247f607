// Rate-limit headers in every mode on the wire, how they reach Hono responses (JSON, raw
// Responses, immutable fetch() responses, streams, errors, a handler's own header), and
// the 429 / 403 / 503 refusals as JSON and as RFC 9457 problem details.
import { failingStore } from '@limitrate/testing';
import { Hono } from 'hono';
import { cors } from 'hono/cors';
import { stream } from 'hono/streaming';
import { parseList } from 'structured-headers';
import { describe, expect, it } from 'vitest';
import { as, byHeader, planHeader, rateLimitHeaderNames, read, useHarness } from './helpers.js';

const V3 = ['ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'];

describe('headers and bodies', () => {
  const h = useHarness();

  function app(options: Parameters<typeof h.limitrate>[0]): Hono {
    const a = new Hono();
    a.use('*', h.limitrate(options));
    a.all('/x', (c) => c.json({ ok: true }));
    return a;
  }

  it.each([
    ['v3 (the default)', undefined, V3],
    ['legacy', 'legacy' as const, ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']],
    ['draft', 'draft' as const, ['ratelimit', 'ratelimit-policy']],
    ['both', 'both' as const, ['ratelimit', 'ratelimit-policy', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']],
    ['false', false as const, []],
  ])('headers: %s on the wire, and Retry-After on 429 in every mode', async (_name, headers, names) => {
    const c = await h.listen(app({ ...(headers === undefined ? {} : { headers }), policies: { free: { rate: { maxPerMinute: 1 } } } }));
    const ok = await c.get('/x');
    expect(rateLimitHeaderNames(ok.headers)).toEqual(names);
    const refused = await c.get('/x');
    expect(refused.status).toBe(429);
    expect(rateLimitHeaderNames(refused.headers)).toEqual([...names, 'retry-after'].sort());
    expect(refused.headers.get('retry-after')).toBe('30');
  });

  it("sends draft fields that parse as RFC 9651 lists (headers: 'draft')", async () => {
    const res = await app({ headers: 'draft', policies: { free: { rate: { maxPerMinute: 2 } } } }).request('/x');
    const policy = parseList(res.headers.get('ratelimit-policy')!);
    const current = parseList(res.headers.get('ratelimit')!);
    expect(policy.map(([name, params]) => [name, Object.fromEntries(params)])).toEqual([['rate-1m', { q: 2, w: 60 }]]);
    expect(current.map(([name, params]) => [name, Object.fromEntries(params)])).toEqual([['rate-1m', { r: 1, t: 30 }]]);
  });

  it('puts the headers on raw Responses, immutable fetch() responses, streams and 404s, and leaves a header the handler set', async () => {
    const upstream = new Hono();
    upstream.get('/data', (c) => c.text('from upstream'));
    const up = await h.listen(upstream);
    const a = new Hono();
    a.use('*', h.limitrate({ policies: { free: { rate: { maxPerMinute: 10 } } } }));
    a.get('/raw', () => new Response('raw', { status: 201 }));
    a.get('/proxy', () => fetch(`${up.base}/data`));
    a.get('/stream', (c) => stream(c, async (s) => {
      await s.write('chunk');
    }));
    a.get('/own', (c) => {
      c.header('RateLimit-Limit', 'mine');
      return c.text('own');
    });
    const c = await h.listen(a);
    for (const [path, status, text] of [['/raw', 201, 'raw'], ['/proxy', 200, 'from upstream'], ['/stream', 200, 'chunk'], ['/nowhere', 404, '404 Not Found']] as const) {
      const r = await c.get(path);
      expect([r.status, r.text], path).toEqual([status, text]);
      expect(rateLimitHeaderNames(r.headers), path).toEqual(V3);
    }
    const own = await c.get('/own');
    expect(own.headers.get('ratelimit-limit')).toBe('mine');
    expect(own.headers.get('x-ratelimit-limit')).toBe('10');
  });

  it('on @hono/node-server: the headers go on the Node.js response, under any response, with the handler\'s own header winning', async () => {
    const a = new Hono();
    a.onError((_err, c) => c.json({ error: 'boom' }, 500));
    a.use('*', h.limitrate({ policies: { free: { rate: { maxPerMinute: 10 } } } }));
    a.get('/where', (c) => c.json({ onNode: (c.env as { outgoing: { getHeader(name: string): unknown } }).outgoing.getHeader('ratelimit-remaining') ?? null, onContext: c.res.headers.get('ratelimit-remaining') }));
    a.get('/throws', () => {
      throw new Error('boom');
    });
    a.get('/json-own', (c) => c.json({ ok: true }, 200, { 'X-RateLimit-Remaining': 'mine' }));
    const c = await h.listen(a);
    const where = await c.get('/where');
    // Written to the Node.js response, not prepared on the context (each route counts on its own).
    expect(where.body).toEqual({ onNode: '9', onContext: null });
    expect(where.headers.get('ratelimit-remaining')).toBe('9');
    const thrown = await c.get('/throws');
    expect([thrown.status, thrown.headers.get('ratelimit-remaining')]).toEqual([500, '9']);
    const own = await c.get('/json-own');
    expect([own.headers.get('x-ratelimit-remaining'), own.headers.get('ratelimit-remaining')]).toEqual(['mine', '9']);
  });

  it("adds them to the error handler's response when a handler throws", async () => {
    const a = new Hono();
    a.onError((_err, c) => c.json({ error: 'boom' }, 500));
    a.use('*', h.limitrate({ policies: { free: { rate: { maxPerMinute: 10 } } } }));
    a.get('/x', () => {
      throw new Error('boom');
    });
    const r = await read(await a.request('/x'));
    expect(r.status).toBe(500);
    expect(r.headers.get('ratelimit-remaining')).toBe('9');
  });

  it('keeps headers set by earlier middleware (CORS) on a refusal', async () => {
    const a = new Hono();
    a.use('*', cors({ origin: 'https://app.example' }));
    a.use('*', h.limitrate({ policies: { free: { rate: { maxPerMinute: 1 } } } }));
    a.get('/x', (c) => c.text('ok'));
    await a.request('/x', { headers: { origin: 'https://app.example' } });
    const refused = await a.request('/x', { headers: { origin: 'https://app.example' } });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('access-control-allow-origin')).toBe('https://app.example');
  });

  it("answers 429 with v3's body and upgrade_hint (a string, or a function of the plan)", async () => {
    const a = app({ identifyUser: byHeader, identifyPlan: planHeader, upgradeHint: (plan) => (plan === 'free' ? 'Upgrade to Pro' : undefined), policies: { free: { rate: { maxPerMinute: 1 } }, pro: { rate: { maxPerMinute: 1 } } } });
    await a.request('/x', { headers: as('u') });
    const free = await read(await a.request('/x', { headers: as('u') }));
    expect(free.body).toMatchObject({ ok: false, reason: 'rate_limited', plan: 'free', upgrade_hint: 'Upgrade to Pro' });
    await a.request('/x', { headers: as('p', { 'x-plan': 'pro' }) });
    const pro = await read(await a.request('/x', { headers: as('p', { 'x-plan': 'pro' }) }));
    expect(pro.status).toBe(429);
    expect('upgrade_hint' in pro.body).toBe(false);
  });

  it('answers RFC 9457 problem details with problemDetails: 429, 403 and 503', async () => {
    const limited = app({ problemDetails: true, policies: { free: { rate: { maxPerMinute: 1 } } } });
    await limited.request('/x');
    const r429 = await read(await limited.request('/x'));
    expect(r429.status).toBe(429);
    expect(r429.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    expect(r429.body).toMatchObject({ status: 429, instance: '/x', reason: 'rate_limited', retry_after_seconds: 30 });
    expect(typeof r429.body.type).toBe('string');
    expect(typeof r429.body.title).toBe('string');

    const blocked = new Hono();
    blocked.use('*', h.limitrate({ problemDetails: true, trustProxy: true, ipBlocklist: ['198.51.100.0/24'], policies: { free: { rate: { maxPerMinute: 9 } } } }));
    blocked.get('/x', (c) => c.text('ok'));
    const r403 = await (await h.listen(blocked)).get('/x', { 'x-forwarded-for': '198.51.100.7' });
    expect(r403.status).toBe(403);
    expect(r403.body).toMatchObject({ status: 403, reason: 'ip_blocked' });

    const down = await read(await app({ problemDetails: true, store: failingStore(), onStoreError: 'block', policies: { free: { rate: { maxPerMinute: 9 } } } }).request('/x'));
    expect(down.status).toBe(503);
    expect(down.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    expect(down.body).toMatchObject({ status: 503, reason: 'store_unavailable' });
  });
});
