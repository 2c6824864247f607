// The failure policy through Hono (a store that rejects, throws or hangs; a failing
// identifyUser) and hostile input (huge and odd headers, unicode and encoded paths,
// identifiers with ':' and '{}', a missing client address), over real HTTP.
import { request } from 'node:http';
import type { ConsumeResult, Store } from '@limitrate/core';
import { failingStore } from '@limitrate/testing';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { as, byHeader, echo, EventLog, read, useHarness, type EchoBody } from './helpers.js';

const throwing = (): Store => ({
  name: 'sync-thrower',
  consume: () => {
    throw new Error('boom');
  },
  reset: () => 0,
});
const hanging = (): Store => ({ name: 'hanging', consume: () => new Promise<ConsumeResult>(() => undefined), reset: () => 0 });

/** A GET with a raw request target and headers (fetch would normalise them). */
function rawGet(base: string, target: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path: target, method: 'GET', headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('failures and hostile input', () => {
  const h = useHarness();

  async function serve(options: Parameters<typeof h.limitrate>[0]) {
    const log = new EventLog();
    const app = new Hono();
    app.use('*', h.limitrate({ onEvent: log.onEvent, ...options }));
    app.get('/x', echo);
    app.get('/x/*', echo);
    return { c: await h.listen(app), log, app };
  }

  describe.each([
    ['rejects', failingStore],
    ['throws', throwing],
    ['hangs (bounded by storeTimeoutMs)', hanging],
  ])('a store whose consume %s', (_how, store) => {
    it('onStoreError allow (the default): serves the request, reports store_error', async () => {
      const { c, log } = await serve({ store: store(), storeTimeoutMs: 50, policies: { free: { rate: { maxPerMinute: 1 } } } });
      const r = await c.echo('/x');
      expect(r.status).toBe(200);
      expect(r.body.rateLimit?.result).toMatchObject({ allowed: true, degraded: true });
      expect((await c.get('/x')).status).toBe(200);
      const [e] = await log.waitFor('store_error');
      expect(e).toMatchObject({ policy: 'allow' });
    });

    it('onStoreError block: answers 503 store_unavailable with Retry-After', async () => {
      const { c } = await serve({ store: store(), storeTimeoutMs: 50, onStoreError: 'block', policies: { free: { rate: { maxPerMinute: 1 } } } });
      const r = await c.get('/x');
      expect(r.status).toBe(503);
      expect(r.headers.get('retry-after')).not.toBeNull();
      expect(r.body).toMatchObject({ ok: false, reason: 'store_unavailable' });
    });
  });

  it('counts by client IP when identifyUser throws (allow), and answers 503 (block)', async () => {
    const identifyUser = () => {
      throw new Error('session store down');
    };
    const open = await serve({ identifyUser, policies: { free: { rate: { maxPerMinute: 1 } } } });
    expect((await open.c.echo('/x')).body.rateLimit?.user).toBe('127.0.0.1');
    expect((await open.c.get('/x')).status).toBe(429);
    const [e] = await open.log.waitFor('callback_error');
    expect(e).toMatchObject({ callback: 'identifyUser', fallback: 'counted the request by client IP' });
    const closed = await serve({ identifyUser, onStoreError: 'block', policies: { free: { rate: { maxPerMinute: 1 } } } });
    expect((await closed.c.get('/x')).status).toBe(503);
  });

  it('keeps hostile identifiers apart: huge, unicode, ":" and "{}" users each get their own bucket', async () => {
    const { c } = await serve({ identifyUser: byHeader, policies: { free: { rate: { maxPerMinute: 1 } } } });
    const users = ['x'.repeat(8_000), 'ユーザー🚀', 'a:b', 'a', '{tag}', '{tag}:x', '', ' '];
    for (const u of users) {
      const r = await c.echo('/x', as(u));
      expect(r.status, JSON.stringify(u.slice(0, 20))).toBe(200);
      expect(r.body.rateLimit?.user).toBe(u);
    }
    for (const u of users) expect((await c.get('/x', as(u))).status).toBe(429);
  });

  it('survives odd headers: a huge X-Forwarded-For, garbage addresses, non-ASCII bytes', async () => {
    const { c } = await serve({ trustProxy: true, policies: { free: { rate: { maxPerMinute: 100 } } } });
    // About 13 KB: near Node's 16 KB limit on a request's headers.
    const huge = ['junk', ...Array.from({ length: 1000 }, (_v, i) => `10.0.${i % 256}.${i % 200}`)].join(', ');
    const r = await rawGet(c.base, '/x', { 'x-forwarded-for': huge, 'x-user': '\u00ff'.repeat(100) });
    expect(r.status).toBe(200);
    expect((JSON.parse(r.body) as EchoBody).rateLimit?.user).toBe('10.0.0.0');
    for (const value of ['not-an-ip', '999.1.1.1', '::ffff:garbage', ',,,', '[::1]:80']) {
      const res = await rawGet(c.base, '/x', { 'x-forwarded-for': value });
      expect(res.status, value).toBe(200);
    }
  });

  it('handles unicode, encoded and odd request targets without crashing', async () => {
    const { c } = await serve({ policies: { free: { rate: { maxPerMinute: 100 } } } });
    for (const target of ['/x/%F0%9F%9A%80', '/x/caf%C3%A9', '/x/%E0%A4%A', '/x//double//', '/x/a%2Fb', '/x/..%2F..%2Fetc', '/x/' + 'a'.repeat(4000), '/x?q=%00']) {
      const r = await rawGet(c.base, target);
      expect(r.status, target).toBeLessThan(500);
    }
  });

  it('counts requests without a client address as "unknown" (app.request() with no server)', async () => {
    const { app } = await serve({ getConnInfo: () => ({ remote: {} }), policies: { free: { rate: { maxPerMinute: 1 } } } });
    const first = await read<EchoBody>(await app.request('/x'));
    expect(first.body.rateLimit?.user).toBe('unknown');
    expect((await app.request('/x')).status).toBe(429);
  });
});
