// Client IPs: trusted proxies and X-Forwarded-For, spoofing, IPv6 subnet keys, IPv4-mapped
// IPv6 (in headers and on real dual-stack sockets), allow and block lists with CIDR ranges.
import { describe, expect, it } from 'vitest';
import { as, byHeader, echo, EventLog, EXPRESS_VERSIONS, from, rateLimitHeaderNames, useHarness, type EchoBody } from './helpers.js';

describe.each(EXPRESS_VERSIONS)('%s: client IPs', (_name, express) => {
  const h = useHarness(express);

  async function serve(options: Parameters<typeof h.limitrate>[0], host?: string) {
    const lr = h.limitrate(options);
    const app = h.app();
    app.use(lr);
    app.get('/x', echo);
    return { c: await h.listen(app, host), lr };
  }
  const userOf = async (c: Awaited<ReturnType<typeof serve>>['c'], headers: Record<string, string> = {}) => (await c.echo('/x', headers)).body.rateLimit?.user;

  it('ignores a spoofed X-Forwarded-For when proxies are not trusted: the same 127.0.0.1 counter keeps counting', async () => {
    const { c } = await serve({ policies: { free: { rate: { maxPerMinute: 3 } } } });
    const a = await c.echo('/x', from('203.0.113.1'));
    const b = await c.echo('/x', from('203.0.113.2'));
    const d = await c.echo('/x', from('198.51.100.9, 203.0.113.3'));
    expect([a.body.rateLimit?.user, b.body.rateLimit?.user, d.body.rateLimit?.user]).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1']);
    expect([a.body.rateLimit?.used, b.body.rateLimit?.used, d.body.rateLimit?.used]).toEqual([1, 2, 3]);
    expect((await c.get('/x', from('192.0.2.200'))).status).toBe(429);
  });

  it('trustProxy: false wins over trustedProxyCount', async () => {
    const { c } = await serve({ trustProxy: false, trustedProxyCount: 1, policies: { free: { rate: { maxPerMinute: 10 } } } });
    expect(await userOf(c, from('203.0.113.7'))).toBe('127.0.0.1');
  });

  it('trustedProxyCount: 1 takes the last X-Forwarded-For hop; each client has its own bucket', async () => {
    const { c } = await serve({ trustedProxyCount: 1, policies: { free: { rate: { maxPerMinute: 1 } } } });
    expect(await userOf(c, from('203.0.113.7'))).toBe('203.0.113.7');
    expect((await c.get('/x', from('203.0.113.7'))).status).toBe(429);
    // A client that prepends a fake address still lands on its own (rightmost) address.
    expect((await c.get('/x', from('6.6.6.6, 203.0.113.7'))).status).toBe(429);
    expect(await userOf(c, from('203.0.113.8'))).toBe('203.0.113.8');
    expect(await userOf(c, from('203.0.113.7, 203.0.113.9'))).toBe('203.0.113.9');
  });

  it('trustedProxyCount: 2 takes the second hop from the right', async () => {
    const { c } = await serve({ trustedProxyCount: 2, policies: { free: { rate: { maxPerMinute: 10 } } } });
    expect(await userOf(c, from('6.6.6.6, 203.0.113.7, 10.0.0.1'))).toBe('203.0.113.7');
    // Fewer entries than proxies: the leftmost.
    expect(await userOf(c, from('203.0.113.5'))).toBe('203.0.113.5');
  });

  it('trustProxy: true takes the leftmost valid address; a number works like trustedProxyCount', async () => {
    const all = await serve({ trustProxy: true, policies: { free: { rate: { maxPerMinute: 10 } } } });
    expect(await userOf(all.c, from('garbage, 203.0.113.7, 10.0.0.1'))).toBe('203.0.113.7');
    const one = await serve({ trustProxy: 1, policies: { free: { rate: { maxPerMinute: 10 } } } });
    expect(await userOf(one.c, from('203.0.113.7, 10.0.0.1'))).toBe('10.0.0.1');
  });

  it('keys IPv6 clients by their /56 by default: one /56 shares a bucket, another does not', async () => {
    const { c } = await serve({ trustedProxyCount: 1, policies: { free: { rate: { maxPerMinute: 2 } } } });
    const a = await c.echo('/x', from('2001:db8:abcd:ab12::1'));
    expect(a.body.rateLimit).toMatchObject({ user: '2001:db8:abcd:ab00::/56', used: 1 });
    const b = await c.echo('/x', from('2001:db8:abcd:abff:ffff:ffff:ffff:fffe'));
    expect(b.body.rateLimit).toMatchObject({ user: '2001:db8:abcd:ab00::/56', used: 2 });
    expect((await c.get('/x', from('2001:DB8:ABCD:AB34::99'))).status).toBe(429);
    const other = await c.echo('/x', from('2001:db8:abcd:ac00::1'));
    expect(other.status).toBe(200);
    expect(other.body.rateLimit).toMatchObject({ user: '2001:db8:abcd:ac00::/56', used: 1 });
  });

  it('keys each IPv6 address on its own with ipv6Subnet: false, and by /64 with ipv6Subnet: 64', async () => {
    const full = await serve({ trustedProxyCount: 1, ipv6Subnet: false, policies: { free: { rate: { maxPerMinute: 1 } } } });
    expect(await userOf(full.c, from('2001:db8:abcd:ab12::1'))).toBe('2001:db8:abcd:ab12::1');
    const other = await full.c.echo('/x', from('2001:db8:abcd:ab12::2'));
    expect(other.status).toBe(200);
    expect(other.body.rateLimit?.user).toBe('2001:db8:abcd:ab12::2');

    const lan = await serve({ trustedProxyCount: 1, ipv6Subnet: 64, policies: { free: { rate: { maxPerMinute: 1 } } } });
    expect(await userOf(lan.c, from('2001:db8:abcd:ab12::1'))).toBe('2001:db8:abcd:ab12::/64');
    expect((await lan.c.get('/x', from('2001:db8:abcd:ab12:ffff::1'))).status).toBe(429);
    expect((await lan.c.get('/x', from('2001:db8:abcd:ab13::1'))).status).toBe(200);
  });

  it('treats IPv4-mapped IPv6 in X-Forwarded-For as the IPv4 address (same bucket)', async () => {
    const { c } = await serve({ trustedProxyCount: 1, policies: { free: { rate: { maxPerMinute: 2 } } } });
    expect(await userOf(c, from('::ffff:203.0.113.7'))).toBe('203.0.113.7');
    expect((await c.echo('/x', from('203.0.113.7'))).body.rateLimit?.used).toBe(2);
    expect((await c.get('/x', from('::FFFF:cb00:7107'))).status).toBe(429);
  });

  it('treats a real IPv4-mapped socket address (dual-stack server) as IPv4, and keys a real IPv6 client by subnet', async () => {
    const { c } = await serve({ policies: { free: { rate: { maxPerMinute: 5 } } } }, '::');
    // Reached through 127.0.0.1: the socket says ::ffff:127.0.0.1.
    const v4 = await fetch(c.url('/x').replace('[::1]', '127.0.0.1'));
    const body = (await v4.json()) as EchoBody;
    expect(body.rateLimit?.user).toBe('127.0.0.1');
    const v6 = await c.echo('/x');
    expect(v6.body.rateLimit?.user).toBe('::/56');
  });

  it('falls back to the socket address for malformed X-Forwarded-For values, never crashing', async () => {
    const { c } = await serve({ trustedProxyCount: 1, policies: { free: { rate: { maxPerMinute: 1000 } } } });
    const malformed = [
      'garbage',
      ',,,',
      ' , ',
      '999.1.1.1',
      '1.2.3',
      'unknown',
      '203.0.113.7 203.0.113.8',
      '1.2.3.4, not-an-ip',
      '0x7f.0.0.1',
      '127.1',
      '01.02.03.04',
      '::ffff:999.0.0.1',
      '\u00e9\u00e8',
      '\t',
      '1.2.3.4.5',
      '1.2.3.4/24',
      'a'.repeat(4000),
    ];
    for (const xff of malformed) {
      const r = await c.echo('/x', from(xff));
      expect(r.status, xff).toBe(200);
      expect(r.body.rateLimit?.user, xff).toBe('127.0.0.1');
    }
    // Empty entries around a valid one are skipped.
    expect(await userOf(c, from('203.0.113.7, , '))).toBe('203.0.113.7');
  });

  it('reads the address out of the forms proxies write: with a port, in brackets, with a zone', async () => {
    const { c } = await serve({ trustedProxyCount: 1, ipv6Subnet: false, policies: { free: { rate: { maxPerMinute: 1000 } } } });
    expect(await userOf(c, from('203.0.113.7:8080'))).toBe('203.0.113.7');
    expect(await userOf(c, from('[2001:db8::1]'))).toBe('2001:db8::1');
    expect(await userOf(c, from('[2001:db8::1]:443'))).toBe('2001:db8::1');
    expect(await userOf(c, from('2001:db8::1%eth0'))).toBe('2001:db8::1');
    expect(await userOf(c, from('2001:0DB8:0000::0001'))).toBe('2001:db8::1');
  });

  it('handles a huge X-Forwarded-For (thousands of hops) by the right-hand hops', async () => {
    const { c } = await serve({ trustedProxyCount: 1, policies: { free: { rate: { maxPerMinute: 1 } } } });
    const spoofed = Array.from({ length: 900 }, (_, i) => `10.${(i >> 8) & 255}.${i & 255}.1`).join(', ');
    expect(spoofed.length).toBeGreaterThan(10_000); // under Node's 16 KB header limit
    const r = await c.echo('/x', from(`${spoofed}, 203.0.113.50`));
    expect(r.status).toBe(200);
    expect(r.body.rateLimit?.user).toBe('203.0.113.50');
    expect((await c.get('/x', from(`${spoofed.slice(0, 5000)}, 203.0.113.50`))).status).toBe(429);
  });

  it('refuses blocklisted addresses and CIDR ranges (v4, v6, IPv4-mapped) with 403 and an ip_blocked event', async () => {
    const log = new EventLog();
    const { c } = await serve({
      trustedProxyCount: 1,
      onEvent: log.onEvent,
      ipBlocklist: ['198.51.100.0/24', '192.0.2.1', '2001:db8:bad::/48', '2001:db8::dead'],
      policies: { free: { rate: { maxPerMinute: 100 } } },
    });
    for (const ip of ['198.51.100.7', '198.51.100.255', '192.0.2.1', '::ffff:198.51.100.9', '2001:db8:bad:1::7', '2001:db8::dead']) {
      const r = await c.get('/x', from(ip));
      expect(r.status, ip).toBe(403);
      expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(r.body, ip).toEqual({ ok: false, reason: 'ip_blocked', message: expect.stringMatching(/are blocked\.$/), retry_after_seconds: null, used: null, allowed: null, plan: null, endpoint: null });
      expect(rateLimitHeaderNames(r.headers), ip).toEqual([]);
    }
    for (const ip of ['198.51.101.1', '192.0.2.2', '2001:db8:bae::1', '2001:db8::beef']) expect((await c.get('/x', from(ip))).status, ip).toBe(200);
    const events = await log.waitFor('ip_blocked', 6);
    expect(events[0]).toMatchObject({ ip: '198.51.100.7', endpoint: 'GET|/x', user: '198.51.100.7' });
    expect(events[3]).toMatchObject({ ip: '198.51.100.9' });
  });

  it('does not block on a spoofed X-Forwarded-For when proxies are not trusted', async () => {
    const { c } = await serve({ ipBlocklist: ['198.51.100.0/24'], policies: { free: { rate: { maxPerMinute: 100 } } } });
    expect((await c.get('/x', from('198.51.100.7'))).status).toBe(200);
  });

  it('blocks the socket address itself', async () => {
    const { c } = await serve({ ipBlocklist: ['127.0.0.0/8'], policies: { free: { rate: { maxPerMinute: 100 } } } });
    expect((await c.get('/x')).status).toBe(403);
  });

  it('lets allowlisted addresses skip every check: no headers, never counted, identifyUser not even called', async () => {
    let identified = 0;
    const { c, lr } = await serve({
      trustedProxyCount: 1,
      ipAllowlist: ['203.0.113.0/24', '2001:db8:1::/48'],
      identifyUser: (req) => {
        identified++;
        return byHeader(req);
      },
      policies: { free: { rate: { maxPerMinute: 1 } } },
    });
    for (let i = 0; i < 5; i++) {
      const r = await c.echo('/x', from('203.0.113.9', as('shared')));
      expect(r.status).toBe(200);
      expect(rateLimitHeaderNames(r.headers)).toEqual([]);
      expect(r.body.rateLimit).toMatchObject({ limit: null, used: 0 });
      expect(r.body.rateLimit?.result).toBeUndefined();
    }
    expect((await c.get('/x', from('2001:db8:1:2::3', as('shared')))).status).toBe(200);
    expect((await c.get('/x', from('::ffff:203.0.113.10', as('shared')))).status).toBe(200);
    expect(identified).toBe(0);
    // The same user from elsewhere has their whole quota: nothing was counted.
    const peek = await lr.limiter.peek({ userId: 'shared', endpoint: 'GET|/x' });
    expect(peek.current).toBe(0);
    expect(await c.statuses('/x', 2, { headers: from('192.0.2.50', as('shared')) })).toEqual([200, 429]);
  });

  it('the blocklist applies to skipped requests too (skip lifts limits, not IP rules)', async () => {
    const { c } = await serve({ trustedProxyCount: 1, skip: (req) => req.get('x-internal') === '1', ipBlocklist: ['198.51.100.0/24'], policies: { free: { rate: { maxPerMinute: 1 } } } });
    expect((await c.get('/x', from('198.51.100.7', { 'x-internal': '1' }))).status).toBe(403);
    expect((await c.get('/x', from('198.51.100.7'))).status).toBe(403);
    expect(await c.statuses('/x', 3, { headers: from('203.0.113.1', { 'x-internal': '1' }) })).toEqual([200, 200, 200]);
  });

  it('blocks an address on both lists (the blocklist wins)', async () => {
    const { c } = await serve({ trustedProxyCount: 1, ipAllowlist: ['203.0.113.0/24'], ipBlocklist: ['203.0.113.66'], policies: { free: { rate: { maxPerMinute: 10 } } } });
    expect((await c.get('/x', from('203.0.113.66'))).status).toBe(403);
    expect((await c.get('/x', from('203.0.113.67'))).status).toBe(200);
  });

  it('matches ::/0 against IPv6 clients only, and 0.0.0.0/0 against IPv4 clients only', async () => {
    const { c } = await serve({ trustedProxyCount: 1, ipBlocklist: ['::/0'], policies: { free: { rate: { maxPerMinute: 10 } } } });
    expect((await c.get('/x', from('2001:db8::1'))).status).toBe(403);
    expect((await c.get('/x', from('203.0.113.1'))).status).toBe(200);
    const v4 = await serve({ trustedProxyCount: 1, ipBlocklist: ['0.0.0.0/0'], policies: { free: { rate: { maxPerMinute: 10 } } } });
    expect((await v4.c.get('/x', from('2001:db8::1'))).status).toBe(200);
    expect((await v4.c.get('/x', from('::ffff:10.0.0.1'))).status).toBe(403);
  });
});
