// The client address. Next.js gives route handlers and the proxy no socket: the address is
// X-Forwarded-For (or X-Real-IP) when proxies are trusted, and nobody's otherwise (one
// shared 'unknown' counter, never a spoofable one). Pages Router API routes have the socket.
// Allow and block lists, IPv6 subnets, hostile headers.
import { describe, expect, it } from 'vitest';
import { rateLimitInfo, type WithRateLimitOptions } from '../src/index.js';
import { ctx, nextRequest, read, useHarness } from './helpers.js';

const who = async (request: Parameters<typeof rateLimitInfo>[0]): Promise<Response> => Response.json({ user: rateLimitInfo(request)?.user ?? null });

describe('client IP (App Router and proxy: no socket address)', () => {
  const h = useHarness();
  const userOf = async (options: Partial<WithRateLimitOptions>, headers: Record<string, string>) => {
    const GET = h.withRateLimit({ policies: { free: { rate: { maxPerMinute: 100 } } }, ...options })(who);
    return (await read(await GET(nextRequest('/x', { headers }), ctx()))).body.user;
  };

  it('ignores X-Forwarded-For and X-Real-IP unless proxies are trusted: every anonymous caller is "unknown"', async () => {
    expect(await userOf({}, { 'x-forwarded-for': '203.0.113.7' })).toBe('unknown');
    expect(await userOf({}, { 'x-real-ip': '203.0.113.7' })).toBe('unknown');
    const GET = h.withRateLimit({ policies: { free: { rate: { maxPerMinute: 1 } } } })(who);
    // A forged header never makes a new client.
    expect((await GET(nextRequest('/x', { headers: { 'x-forwarded-for': '192.0.2.1' } }), ctx()))!.status).toBe(200);
    expect((await GET(nextRequest('/x', { headers: { 'x-forwarded-for': '192.0.2.2' } }), ctx()))!.status).toBe(429);
  });

  it('trustProxy: true takes the leftmost address (Vercel sends only the client); trustedProxyCount: N the Nth from the right', async () => {
    expect(await userOf({ trustProxy: true }, { 'x-forwarded-for': '203.0.113.7' })).toBe('203.0.113.7');
    expect(await userOf({ trustProxy: true }, { 'x-forwarded-for': 'junk, 203.0.113.7, 10.0.0.1' })).toBe('203.0.113.7');
    expect(await userOf({ trustedProxyCount: 1 }, { 'x-forwarded-for': '6.6.6.6, 203.0.113.7' })).toBe('203.0.113.7');
    expect(await userOf({ trustedProxyCount: 2 }, { 'x-forwarded-for': '203.0.113.7, 10.0.0.1' })).toBe('203.0.113.7');
    expect(await userOf({ trustProxy: false, trustedProxyCount: 1 }, { 'x-forwarded-for': '203.0.113.7' })).toBe('unknown');
  });

  it('reads X-Real-IP when proxies are trusted and X-Forwarded-For is absent', async () => {
    expect(await userOf({ trustProxy: true }, { 'x-real-ip': '198.51.100.4' })).toBe('198.51.100.4');
    expect(await userOf({ trustProxy: true }, { 'x-forwarded-for': '203.0.113.7', 'x-real-ip': '198.51.100.4' })).toBe('203.0.113.7');
  });

  it('keys IPv6 clients by /56 (default) or as configured', async () => {
    expect(await userOf({ trustProxy: true }, { 'x-forwarded-for': '2001:db8:1:2ff::1' })).toBe('2001:db8:1:200::/56');
    expect(await userOf({ trustProxy: true, ipv6Subnet: false }, { 'x-forwarded-for': '2001:db8::1' })).toBe('2001:db8::1');
    expect(await userOf({ trustProxy: true }, { 'x-forwarded-for': '::ffff:203.0.113.7' })).toBe('203.0.113.7');
  });

  it('refuses blocklisted clients with 403 and lets allowlisted ones through uncounted, behind a trusted proxy', async () => {
    const GET = h.withRateLimit({ trustProxy: true, ipBlocklist: ['192.0.2.0/24', '2001:db8::/32'], ipAllowlist: ['198.51.100.0/24'], policies: { free: { rate: { maxPerMinute: 1 } } } })(who);
    const send = async (ip: string) => read(await GET(nextRequest('/x', { headers: { 'x-forwarded-for': ip } }), ctx()));
    const blocked = await send('192.0.2.9');
    expect(blocked.status).toBe(403);
    expect(blocked.body).toMatchObject({ ok: false, reason: 'ip_blocked' });
    expect((await send('2001:db8::5')).status).toBe(403);
    for (let i = 0; i < 3; i++) {
      const r = await send('198.51.100.1');
      expect(r.status).toBe(200);
      expect(r.headers.get('ratelimit-limit')).toBeNull();
    }
    expect([(await send('203.0.113.1')).status, (await send('203.0.113.1')).status]).toEqual([200, 429]);
  });

  it('without trusted proxies there is no address to block: a forged X-Forwarded-For is not blocked either', async () => {
    const GET = h.withRateLimit({ ipBlocklist: ['192.0.2.0/24'], policies: { free: { rate: { maxPerMinute: 5 } } } })(who);
    expect((await GET(nextRequest('/x', { headers: { 'x-forwarded-for': '192.0.2.9' } }), ctx()))!.status).toBe(200);
  });

  it('survives hostile forwarded headers: thousands of hops, garbage, empty', async () => {
    const huge = Array.from({ length: 5000 }, (_, i) => `10.${(i >> 8) & 255}.${i & 255}.1`).join(', ');
    expect(await userOf({ trustedProxyCount: 1 }, { 'x-forwarded-for': `${huge}, 203.0.113.7` })).toBe('203.0.113.7');
    expect(await userOf({ trustProxy: true }, { 'x-forwarded-for': 'not-an-ip, <script>, ::::' })).toBe('unknown');
    expect(await userOf({ trustProxy: true }, { 'x-forwarded-for': '' })).toBe('unknown');
    expect(await userOf({ trustProxy: true }, { 'x-forwarded-for': '[2001:db8::1]:443' })).toBe('2001:db8::/56');
  });
});

describe('client IP (Pages Router: the socket)', () => {
  const h = useHarness();

  it('keys callers by the socket address and ignores a spoofed X-Forwarded-For; with trustedProxyCount it reads the header', async () => {
    const direct = h.withRateLimitApi({ policies: { free: { rate: { maxPerMinute: 1 } } } })((req, res) => {
      res.status(200).json({ user: rateLimitInfo(req)?.user });
    });
    const c = await h.servePages(direct);
    const first = await c.get('/api/x', { 'x-forwarded-for': '192.0.2.1' });
    expect(first.body).toEqual({ user: '127.0.0.1' });
    expect((await c.get('/api/x', { 'x-forwarded-for': '192.0.2.2' })).status).toBe(429);
    const proxied = h.withRateLimitApi({ trustedProxyCount: 1, policies: { free: { rate: { maxPerMinute: 1 } } } })((req, res) => {
      res.status(200).json({ user: rateLimitInfo(req)?.user });
    });
    const p = await h.servePages(proxied);
    expect((await p.get('/api/x', { 'x-forwarded-for': '6.6.6.6, 203.0.113.7' })).body).toEqual({ user: '203.0.113.7' });
    expect((await p.get('/api/x', { 'x-forwarded-for': '203.0.113.8' })).status).toBe(200);
  });
});
