// The client address: the socket's peer, X-Forwarded-For only behind trusted proxies (not
// Fastify's own trustProxy), IPv6 clients by subnet, allow and block lists, and a request
// with no address at all (a Unix socket).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { limitrate, type LimitRateOptions, type RateLimitInfo } from '../src/index.js';
import { echo, rawGet, useHarness } from './helpers.js';

type Echo = { rateLimit: RateLimitInfo | null };
const ONE = { free: { rate: { maxPerMinute: 1 } } };

describe('client IP', () => {
  const h = useHarness();

  async function serve(options: Partial<LimitRateOptions>, fastifyTrustProxy = false) {
    const app = h.app({ trustProxy: fastifyTrustProxy });
    await app.register(limitrate, h.withClock({ policies: ONE, ...options }));
    app.get('/x', async (req) => ({ ...(await echo(req)), fastifyIp: req.ip }));
    return h.listen(app);
  }
  const xff = (value: string) => ({ headers: { 'x-forwarded-for': value } });

  it('ignores X-Forwarded-For by default, even when Fastify itself trusts proxies', async () => {
    const c = await serve({}, true);
    const first = await c.send<Echo & { fastifyIp: string }>('/x', xff('198.51.100.1'));
    expect(first.body.fastifyIp).toBe('198.51.100.1');
    expect(first.body.rateLimit?.user).toBe('127.0.0.1');
    expect((await c.send('/x', xff('198.51.100.2'))).status).toBe(429); // a forged header buys nothing
  });

  it('trustedProxyCount: 1 takes the address the proxy appended; each client is counted on its own', async () => {
    const c = await serve({ trustedProxyCount: 1 });
    expect((await c.send<Echo>('/x', xff('6.6.6.6, 198.51.100.1'))).body.rateLimit?.user).toBe('198.51.100.1');
    expect((await c.send('/x', xff('198.51.100.2'))).status).toBe(200);
    expect((await c.send('/x', xff('7.7.7.7, 198.51.100.1'))).status).toBe(429);
  });

  it('trustProxy: true takes the leftmost valid address', async () => {
    const c = await serve({ trustProxy: true });
    expect((await c.send<Echo>('/x', xff('garbage, 203.0.113.5, 198.51.100.1'))).body.rateLimit?.user).toBe('203.0.113.5');
  });

  it('ipAllowlist skips every check; ipBlocklist refuses with 403 before skip and the allowlist', async () => {
    const app = await h.limited({ trustedProxyCount: 1, skip: () => true, ipAllowlist: ['10.0.0.0/8', '2001:db8::/32'], ipBlocklist: ['10.6.6.0/24', '2001:db8:bad::/48'], policies: ONE });
    app.get('/x', echo);
    const c = await h.listen(app);
    for (let i = 0; i < 2; i++) {
      const allowed = await c.send<Echo>('/x', xff('10.1.2.3'));
      expect(allowed.status).toBe(200);
      expect(allowed.headers.get('ratelimit-limit')).toBeNull();
      expect(allowed.body.rateLimit).toMatchObject({ user: '10.1.2.3', plan: '' });
    }
    expect((await c.send('/x', xff('10.6.6.6'))).status).toBe(403);
    expect((await c.send('/x', xff('::ffff:10.6.6.7'))).status).toBe(403); // IPv4-mapped IPv6 is IPv4
    expect((await c.send('/x', xff('2001:db8:bad::1'))).status).toBe(403);
    expect((await c.send('/x', xff('2001:db8:1::1'))).status).toBe(200);
  });

  it('counts IPv6 clients by their /56 network (ipv6Subnet), or by address with ipv6Subnet: false', async () => {
    const app = await h.limited({ policies: ONE });
    app.get('/x', echo);
    const first = await app.inject({ url: '/x', remoteAddress: '2001:db8:abcd:ab12::1' });
    expect((first.json() as Echo).rateLimit?.user).toBe('2001:db8:abcd:ab00::/56');
    expect((await app.inject({ url: '/x', remoteAddress: '2001:db8:abcd:abff:9::7' })).statusCode).toBe(429);
    const each = await h.limited({ ipv6Subnet: false, policies: ONE });
    each.get('/x', echo);
    expect((await each.inject({ url: '/x', remoteAddress: '2001:db8::1' })).statusCode).toBe(200);
    expect((await each.inject({ url: '/x', remoteAddress: '2001:db8::2' })).statusCode).toBe(200);
  });
});

describe('no client address (a Unix socket)', () => {
  const h = useHarness();
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('is counted as "unknown", and the IP lists neither crash nor match', async () => {
    dir = mkdtempSync(join(tmpdir(), 'limitrate-fastify-'));
    const socketPath = join(dir, 'app.sock');
    const app = h.app();
    await app.register(limitrate, { ipBlocklist: ['0.0.0.0/0', '::/0'], policies: ONE });
    app.get('/x', echo);
    await app.listen({ path: socketPath });
    const get = () => rawGet({ socketPath }, '/x');
    const first = await get();
    expect(first.status).toBe(200);
    expect((JSON.parse(first.body) as Echo).rateLimit?.user).toBe('unknown');
    expect((await get()).status).toBe(429);
  });
});
