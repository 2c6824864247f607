// Client addresses: getConnInfo from @hono/node-server and custom ones, the default (the
// socket on Node, none through app.request), a getConnInfo that throws, X-Forwarded-For
// behind trusted proxies as in Express, IPv6 subnets, allow and block lists.
import { getConnInfo } from '@hono/node-server/conninfo';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { limitrate } from '../src/index.js';
import { echo, EventLog, read, useHarness, type EchoBody } from './helpers.js';

const from = (ip: string): Record<string, string> => ({ 'x-forwarded-for': ip });

describe('client addresses', () => {
  const h = useHarness();

  async function serve(options: Parameters<typeof h.limitrate>[0]) {
    const app = new Hono();
    app.use('*', h.limitrate(options));
    app.get('/x', echo);
    const c = await h.listen(app);
    return { c, userOf: async (headers: Record<string, string> = {}) => (await c.echo('/x', headers)).body.rateLimit?.user };
  }

  it("counts by the socket's address with @hono/node-server's getConnInfo, and ignores a spoofed X-Forwarded-For", async () => {
    const { c, userOf } = await serve({ policies: { free: { rate: { maxPerMinute: 2 } } } });
    expect(await userOf(from('203.0.113.1'))).toBe('127.0.0.1');
    expect(await userOf(from('203.0.113.2'))).toBe('127.0.0.1');
    expect((await c.get('/x', from('192.0.2.9'))).status).toBe(429);
  });

  it('reads the socket on @hono/node-server without getConnInfo, and has no address through app.request()', async () => {
    const app = new Hono();
    const lr = limitrate({ policies: { free: { rate: { maxPerMinute: 5 } } } });
    app.use('*', lr);
    app.get('/x', echo);
    try {
      const c = await h.listen(app);
      expect((await c.echo('/x')).body.rateLimit?.user).toBe('127.0.0.1');
      expect((await read<EchoBody>(await app.request('/x'))).body.rateLimit?.user).toBe('unknown');
    } finally {
      await lr.close();
    }
  });

  it('takes a custom getConnInfo (an address from a header set by the platform)', async () => {
    const { userOf } = await serve({ getConnInfo: (c) => ({ remote: { address: c.req.header('fly-client-ip') } }), policies: { free: { rate: { maxPerMinute: 5 } } } });
    expect(await userOf({ 'fly-client-ip': '203.0.113.50' })).toBe('203.0.113.50');
    expect(await userOf({ 'fly-client-ip': '2001:db8:1:2::9' })).toBe('2001:db8:1::/56');
    expect(await userOf()).toBe('unknown');
  });

  it('contains a getConnInfo that throws: no address, a callback_error event, the request served', async () => {
    const log = new EventLog();
    const app = new Hono();
    // @hono/node-server's getConnInfo through app.request() reads c.env.incoming of no env.
    app.use('*', h.limitrate({ getConnInfo, onEvent: log.onEvent, policies: { free: { rate: { maxPerMinute: 5 } } } }));
    app.get('/x', echo);
    const r = await read<EchoBody>(await app.request('/x'));
    expect(r.status).toBe(200);
    expect(r.body.rateLimit?.user).toBe('unknown');
    const [e] = await log.waitFor('callback_error');
    expect(e).toMatchObject({ callback: 'getConnInfo', fallback: 'used no client address' });
    expect(e.error.code).toBe('ERR_LIMITRATE_CALLBACK');
  });

  it('trustedProxyCount: 1 takes the last X-Forwarded-For hop, as in Express', async () => {
    const { c, userOf } = await serve({ trustedProxyCount: 1, policies: { free: { rate: { maxPerMinute: 1 } } } });
    expect(await userOf(from('203.0.113.7'))).toBe('203.0.113.7');
    expect((await c.get('/x', from('6.6.6.6, 203.0.113.7'))).status).toBe(429);
    expect(await userOf(from('203.0.113.7, 203.0.113.9'))).toBe('203.0.113.9');
  });

  it('trustProxy: true takes the leftmost valid address, a number the hop that many from the right; several headers are one list', async () => {
    const all = await serve({ trustProxy: true, policies: { free: { rate: { maxPerMinute: 10 } } } });
    expect(await all.userOf(from('garbage, 203.0.113.7, 10.0.0.1'))).toBe('203.0.113.7');
    const two = await serve({ trustProxy: 2, policies: { free: { rate: { maxPerMinute: 10 } } } });
    expect(await two.userOf(from('6.6.6.6, 203.0.113.7, 10.0.0.1'))).toBe('203.0.113.7');
    const res = await fetch(`${two.c.base}/x`, { headers: [['x-forwarded-for', '6.6.6.6, 203.0.113.8'], ['x-forwarded-for', '10.0.0.2']] });
    expect(((await res.json()) as EchoBody).rateLimit?.user).toBe('203.0.113.8');
  });

  it('refuses a blocklisted client with 403 even when skip() says so, and never limits an allowlisted one', async () => {
    const { c } = await serve({ trustProxy: true, skip: () => true, ipBlocklist: ['198.51.100.0/24'], policies: { free: { rate: { maxPerMinute: 1 } } } });
    const blocked = await c.get('/x', from('198.51.100.7'));
    expect(blocked.status).toBe(403);
    expect(blocked.body).toMatchObject({ ok: false, reason: 'ip_blocked' });
    const allow = await serve({ trustProxy: true, ipAllowlist: ['203.0.113.0/24', '2001:db8::/32'], policies: { free: { rate: { maxPerMinute: 1 } } } });
    expect(await allow.c.statuses('/x', 3, { headers: from('203.0.113.9') })).toEqual([200, 200, 200]);
    expect(await allow.c.statuses('/x', 3, { headers: from('2001:db8::5') })).toEqual([200, 200, 200]);
    expect(await allow.c.statuses('/x', 2, { headers: from('192.0.2.1') })).toEqual([200, 429]);
  });
});
