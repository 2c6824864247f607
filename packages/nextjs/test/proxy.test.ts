// rateLimitProxy, called the way Next.js calls proxy.ts: NextResponse.next() with the headers
// for an allowed request, the refusal for another; route templates from `routes`; your own
// proxy logic run after the limiter; slowdown; options that need the response refused.
import { ConfigError } from '@limitrate/core';
import { NextResponse, type NextFetchEvent } from 'next/server';
import { describe, expect, it } from 'vitest';
import { EventLog, nextRequest, read, useHarness } from './helpers.js';

const isNext = (res: Response): boolean => res.headers.get('x-middleware-next') === '1';

describe('rateLimitProxy', () => {
  const h = useHarness();

  it('lets requests through with NextResponse.next() carrying the headers, and answers the one past the limit', async () => {
    const proxy = h.rateLimitProxy({ trustProxy: true, policies: { free: { rate: { maxPerMinute: 2 } } } });
    const send = () => proxy(nextRequest('/api/items', { headers: { 'x-forwarded-for': '203.0.113.7' } }));
    const a = await send();
    // What NextResponse.next() is: a 200 without a body, marked x-middleware-next.
    const real = NextResponse.next();
    expect([a.status, a.body, isNext(a)]).toEqual([real.status, real.body, isNext(real)]);
    expect(a.headers.get('ratelimit-remaining')).toBe('1');
    await send();
    const refused = await read(await send());
    expect(refused.status).toBe(429);
    expect(refused.headers.get('x-middleware-next')).toBeNull();
    expect(refused.headers.get('retry-after')).toBe('30');
    expect(refused.body).toMatchObject({ reason: 'rate_limited', endpoint: 'GET|/api/items', used: 2, allowed: 2 });
    // Another client has its own counter.
    expect(isNext(await proxy(nextRequest('/api/items', { headers: { 'x-forwarded-for': '203.0.113.8' } })))).toBe(true);
  });

  it('counts many routes at once, each under its template from routes (others with :id guessed)', async () => {
    const proxy = h.rateLimitProxy({
      identifyUser: () => 'u',
      routes: ['/api/users/[id]', '/api/posts/[...slug]'],
      policies: { free: { defaults: { rate: { maxPerMinute: 2 } } } },
    });
    const status = async (path: string, method = 'GET') => (await proxy(nextRequest(path, { method }))).status;
    expect([await status('/api/users/alice'), await status('/api/users/bob'), await status('/api/users/carol')]).toEqual([200, 200, 429]);
    expect([await status('/api/posts/a/b'), await status('/api/posts/c'), await status('/api/posts/d/e/f')]).toEqual([200, 200, 429]);
    expect([await status('/api/orders/17'), await status('/api/orders/18'), await status('/api/orders/19')]).toEqual([200, 200, 429]);
    // A method has its own endpoint key.
    expect(await status('/api/users/alice', 'DELETE')).toBe(200);
    const body = (await read(await proxy(nextRequest('/api/users/dave')))).body;
    expect(body.endpoint).toBe('GET|/api/users/:id');
  });

  it('runs your proxy function for allowed requests only, adding the headers to its response', async () => {
    const seen: string[] = [];
    const proxy = h.rateLimitProxy({ identifyUser: () => 'u', policies: { free: { rate: { maxPerMinute: 2 } } } }, (request, event) => {
      seen.push(request.nextUrl.pathname);
      expect(typeof event.waitUntil).toBe('function');
      if (request.nextUrl.pathname === '/old') return NextResponse.redirect(new URL('/new', request.url));
      return undefined;
    });
    const redirect = await proxy(nextRequest('/old'), { waitUntil: () => undefined } as unknown as NextFetchEvent);
    expect(redirect.status).toBe(307);
    expect(redirect.headers.get('location')).toBe('http://localhost/new');
    expect(redirect.headers.get('ratelimit-remaining')).toBe('1');
    const next = await proxy(nextRequest('/other'));
    expect(isNext(next)).toBe(true);
    expect((await proxy(nextRequest('/old'))).status).toBe(307);
    expect((await proxy(nextRequest('/old'))).status).toBe(429);
    expect(seen).toEqual(['/old', '/other', '/old']);
  });

  it('slows a request past a slowdown limit before letting it through', async () => {
    const log = new EventLog();
    const proxy = h.rateLimitProxy({ identifyUser: () => 'u', onEvent: log.onEvent, policies: { free: { rate: { maxPerMinute: 1, actionOnExceed: 'slowdown', slowdownMs: 100 } } } });
    await proxy(nextRequest('/x'));
    let settled = false;
    const slowed = proxy(nextRequest('/x')).then((r) => {
      settled = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(settled).toBe(false);
    expect(isNext(await slowed)).toBe(true);
    await log.waitFor('slowdown_applied');
  });

  it('refuses options that need the response, which a proxy never sees', () => {
    const attempt = (options: Record<string, unknown>) => {
      try {
        h.rateLimitProxy({ policies: { free: { rate: { maxPerMinute: 1 } } }, ...options } as never);
      } catch (e) {
        return e as ConfigError;
      }
      return undefined;
    };
    const e = attempt({ extractTokenUsage: () => 1, skipSuccessfulRequests: true, skipFailedRequests: true });
    expect(e).toBeInstanceOf(ConfigError);
    expect(e!.issues.map((i) => [i.path, i.code])).toEqual([
      ['extractTokenUsage', 'ERR_LIMITRATE_UNSUPPORTED_OPTION'],
      ['skipSuccessfulRequests', 'ERR_LIMITRATE_UNSUPPORTED_OPTION'],
      ['skipFailedRequests', 'ERR_LIMITRATE_UNSUPPORTED_OPTION'],
    ]);
    expect(e!.message).toMatch(/withRateLimit/);
    const concurrency = attempt({ policies: { free: { endpoints: { 'POST|/api/chat': { concurrency: { max: 1 } } } } } });
    expect(concurrency!.issues.map((i) => i.path)).toEqual(['policies']);
    expect(attempt({ skipFailedRequests: false, identifyTokenUsage: () => 5 })).toBeUndefined();
    // The proxy's own problems come with core's, in one error.
    expect(attempt({ skipSuccessfulRequests: true, headers: 'nope' })!.issues.map((i) => i.path)).toEqual(['skipSuccessfulRequests', 'headers']);
  });

  it('reports a caller status without counting', async () => {
    const proxy = h.rateLimitProxy({ identifyUser: () => 'u', routes: ['/api/users/[id]'], policies: { free: { rate: { maxPerMinute: 5 } } } });
    await proxy(nextRequest('/api/users/1'));
    await proxy(nextRequest('/api/users/2'));
    const s = await proxy.status(nextRequest('/api/users/3'));
    expect(s).toMatchObject({ used: 2, limit: 5, remaining: 3, endpoint: 'GET|/api/users/:id' });
  });
});
