// HttpLimiter's per-request caches (endpoint strings by route and method, client IPs by peer
// address, user keys by IP) change no answer: not for mixed-case methods, not across the
// bound where a cache starts over, and never for a forwarded address a trusted proxy sent.
import { describe, expect, it } from 'vitest';
import { IP, info, makeHttp, now } from './__tests__/harness.js';

const LIMIT_2 = { free: { rate: { maxPerMinute: 2 } } };

describe('endpoint cache', () => {
  it('a method in any case and HEAD (as GET) share the GET counter of a route', () => {
    const { http } = makeHttp({ policies: LIMIT_2 });
    const methods = ['GET', 'get', 'HEAD', 'Get'];
    const answers = methods.map((method) => now(http.decide(info({ method, path: '/users/1', route: '/users/:id' }))));
    expect(answers.map((d) => d.endpoint)).toEqual(['GET|/users/:id', 'GET|/users/:id', 'GET|/users/:id', 'GET|/users/:id']);
    expect(answers.map((d) => d.status)).toEqual([200, 200, 429, 429]);
  });

  it('the same path with and without a route template, and other methods, stay apart', () => {
    const { http } = makeHttp({ policies: LIMIT_2 });
    expect(now(http.decide(info({ method: 'GET', path: '/a/1', route: '/a/:id' }))).endpoint).toBe('GET|/a/:id');
    expect(now(http.decide(info({ method: 'GET', path: '/a/:id' }))).endpoint).toBe('GET|/a/:id');
    expect(now(http.decide(info({ method: 'POST', path: '/a/1', route: '/a/:id' }))).endpoint).toBe('POST|/a/:id');
    expect(now(http.decide(info({ method: 'GET', path: '/a/42' }))).endpoint).toBe('GET|/a/:id');
    expect(now(http.decide(info({ method: 'DELETE', path: '/a/42' }))).endpoint).toBe('DELETE|/a/:id');
  });

  it('keeps answering right past its bound (25,000 distinct paths, then the first ones again)', () => {
    const { http } = makeHttp({ policies: { free: { endpoints: { 'GET|/p/first': { rate: { maxPerMinute: 1 } } }, defaults: { rate: { maxPerMinute: 1000 } } } } });
    expect(now(http.decide(info({ path: '/p/first' }))).status).toBe(200);
    for (let i = 0; i < 25_000; i++) now(http.decide(info({ path: `/p/x${i}` })));
    const again = now(http.decide(info({ path: '/p/first' })));
    expect(again.endpoint).toBe('GET|/p/first');
    expect(again.status).toBe(429);
  });
});

describe('client IP and user key caches', () => {
  it('the same peer is one client, however many requests; another peer is another', () => {
    const { http } = makeHttp({ policies: LIMIT_2 });
    const users = [IP, IP, '::ffff:203.0.113.7', '2001:db8:1:2::1', '2001:db8:1:2::99'].map((remoteAddress) => now(http.decide(info({ remoteAddress }))));
    expect(users.map((d) => d.user)).toEqual([IP, IP, IP, '2001:db8:1::/56', '2001:db8:1::/56']);
    expect(users.map((d) => d.status)).toEqual([200, 200, 429, 200, 200]);
  });

  it('an unparseable peer address is counted as unknown, from the cache too', () => {
    const { http } = makeHttp({ policies: LIMIT_2 });
    expect(now(http.decide(info({ remoteAddress: 'not-an-ip' }))).user).toBe('unknown');
    expect(now(http.decide(info({ remoteAddress: 'not-an-ip' }))).user).toBe('unknown');
    expect(now(http.decide(info({ remoteAddress: undefined }))).user).toBe('unknown');
  });

  it('with a trusted proxy, each request is keyed by its own X-Forwarded-For, not a cached peer', () => {
    const { http } = makeHttp({ policies: LIMIT_2, trustProxy: true });
    const from = (forwardedFor: string | undefined) => now(http.decide(info({ remoteAddress: '10.0.0.1', forwardedFor }))).user;
    expect(from('198.51.100.1')).toBe('198.51.100.1');
    expect(from('198.51.100.2')).toBe('198.51.100.2');
    expect(from(undefined)).toBe('10.0.0.1');
    expect(from('198.51.100.3')).toBe('198.51.100.3');
  });

  it('without trusted proxies, a changing X-Forwarded-For never moves the client (cached or not)', () => {
    const { http } = makeHttp({ policies: LIMIT_2 });
    const users = ['1.1.1.1', '2.2.2.2', undefined, '3.3.3.3'].map((forwardedFor) => now(http.decide(info({ remoteAddress: '10.0.0.1', forwardedFor }))));
    expect(users.map((d) => d.user)).toEqual(['10.0.0.1', '10.0.0.1', '10.0.0.1', '10.0.0.1']);
    expect(users.map((d) => d.status)).toEqual([200, 200, 429, 429]);
    // trustProxy: false wins over a count, as everywhere else.
    const strict = makeHttp({ policies: LIMIT_2, trustProxy: false, trustedProxyCount: 1 }).http;
    expect(now(strict.decide(info({ remoteAddress: '10.0.0.1', forwardedFor: '1.1.1.1' }))).user).toBe('10.0.0.1');
  });

  it('keeps answering right past its bound (12,000 distinct peers, then the first again)', () => {
    const { http } = makeHttp({ policies: LIMIT_2 });
    const peer = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    now(http.decide(info({ remoteAddress: peer(0) })));
    now(http.decide(info({ remoteAddress: peer(0) })));
    for (let i = 1; i < 12_000; i++) now(http.decide(info({ remoteAddress: peer(i) })));
    const again = now(http.decide(info({ remoteAddress: peer(0) })));
    expect(again.user).toBe('10.0.0.0');
    expect(again.status).toBe(429);
  });

  it('with identifyUser, the address is read only when identification fails', () => {
    let fail = false;
    const { http } = makeHttp({
      policies: LIMIT_2,
      identifyUser: () => {
        if (fail) throw new Error('no session');
        return 'alice';
      },
    });
    expect(now(http.decide(info({ remoteAddress: '2001:db8::1' }))).user).toBe('alice');
    fail = true;
    expect(now(http.decide(info({ remoteAddress: '2001:db8::1' }))).user).toBe('2001:db8::/56');
  });
});
