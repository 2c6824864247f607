// The failure policy over HTTP (throwing, hanging or wrong callbacks; a failing store) and
// hostile input (huge, unicode, ':' and '{}' identifiers, unknown or missing plans, odd paths).
import { request } from 'node:http';
import type { ConsumeResult, Store } from '@limitrate/core';
import type { Request } from 'express';
import { describe, expect, it } from 'vitest';
import { as, byHeader, echo, EventLog, EXPRESS_VERSIONS, planHeader, rateLimitHeaderNames, useHarness, type EchoBody } from './helpers.js';

/** A GET with a raw request target (fetch always sends origin-form). */
function rawGet(base: string, target: string): Promise<{ status: number; body: string }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path: target, method: 'GET', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const rejecting = (): Store => ({ name: 'flaky-redis', consume: () => Promise.reject(new Error('ECONNREFUSED')), reset: () => 0 });
const throwing = (): Store => ({
  name: 'sync-thrower',
  consume: () => {
    throw new Error('boom');
  },
  reset: () => 0,
});
const hanging = (): Store => ({ name: 'hanging', consume: () => new Promise<ConsumeResult>(() => undefined), reset: () => 0 });

describe.each(EXPRESS_VERSIONS)('%s: failures and hostile input', (_name, express) => {
  const h = useHarness(express);

  async function serve(options: Parameters<typeof h.limitrate>[0]) {
    const log = new EventLog();
    const lr = h.limitrate({ onEvent: log.onEvent, ...options });
    const app = h.app();
    app.use(lr);
    app.all('/x', echo);
    app.all(/^\/x\/.+/, echo); // any deeper path, in the syntax both majors share
    return { c: await h.listen(app), log, lr };
  }

  describe('identifyUser failures', () => {
    const failures: Array<[string, (req: Request) => string | Promise<string>]> = [
      [
        'throws',
        () => {
          throw new Error('session store down');
        },
      ],
      ['rejects', () => Promise.reject(new Error('session store down'))],
      ['returns a number', () => 42 as unknown as string],
      ['returns undefined', () => undefined as unknown as string],
      ['returns null', () => null as unknown as string],
      ['returns an object', () => ({ id: 'u' }) as unknown as string],
      ['resolves to a number', async () => 7 as unknown as string],
    ];

    it.each(failures)('onStoreError allow: identifyUser %s -> counted by client IP, callback_error emitted', async (_how, identifyUser) => {
      const { c, log } = await serve({ identifyUser, policies: { free: { rate: { maxPerMinute: 2 } } } });
      const r = await c.echo('/x');
      expect(r.status).toBe(200);
      expect(r.body.rateLimit).toMatchObject({ user: '127.0.0.1', used: 1 });
      expect((await c.echo('/x')).body.rateLimit?.used).toBe(2);
      expect((await c.get('/x')).status).toBe(429);
      const [e] = await log.waitFor('callback_error');
      expect(e).toMatchObject({ callback: 'identifyUser', fallback: 'counted the request by client IP', user: '127.0.0.1', endpoint: 'GET|/x' });
      expect(e.error.code).toMatch(/^ERR_LIMITRATE_CALLBACK/);
    });

    it.each(failures)('onStoreError block: identifyUser %s -> 503 with Retry-After', async (_how, identifyUser) => {
      const { c, log } = await serve({ identifyUser, onStoreError: 'block', policies: { free: { rate: { maxPerMinute: 2 } } } });
      const r = await c.get('/x');
      expect(r.status).toBe(503);
      expect(r.headers.get('retry-after')).toBe('1');
      expect(r.body).toMatchObject({ ok: false, reason: 'store_unavailable', retry_after_seconds: 1 });
      const [e] = await log.waitFor('callback_error');
      expect(e).toMatchObject({ callback: 'identifyUser', fallback: 'refused the request' });
    });

    it('onRedisError (the v3 name) works like onStoreError', async () => {
      const { c } = await serve({ identifyUser: () => Promise.reject(new Error('x')), onRedisError: 'block', policies: { free: { rate: { maxPerMinute: 2 } } } });
      expect((await c.get('/x')).status).toBe(503);
    });

    it('bounds a hanging identifyUser by callbackTimeoutMs', async () => {
      const { c, log } = await serve({ identifyUser: () => new Promise<string>(() => undefined), callbackTimeoutMs: 50, policies: { free: { rate: { maxPerMinute: 2 } } } });
      const r = await c.echo('/x');
      expect(r.status).toBe(200);
      expect(r.body.rateLimit?.user).toBe('127.0.0.1');
      const [e] = await log.waitFor('callback_error');
      expect(e.error.code).toBe('ERR_LIMITRATE_CALLBACK_TIMEOUT');
    });
  });

  it('applies the default plan when identifyPlan throws or returns a non-string, and reports it', async () => {
    const { c, log } = await serve({
      identifyUser: byHeader,
      identifyPlan: (req) => {
        const p = req.get('x-plan');
        if (p === 'throw') throw new Error('billing down');
        if (p === 'number') return 3 as unknown as string;
        return p as string;
      },
      policies: { free: { rate: { maxPerMinute: 1 } }, pro: { rate: { maxPerMinute: 100 } } },
    });
    const a = await c.echo('/x', as('a', { 'x-plan': 'throw' }));
    expect(a.status).toBe(200);
    expect(a.body.rateLimit).toMatchObject({ plan: 'free', user: 'a' });
    const b = await c.echo('/x', as('b', { 'x-plan': 'number' }));
    expect(b.body.rateLimit).toMatchObject({ plan: 'free', user: 'b' });
    // A missing plan (no header: undefined) is not a string either.
    const d = await c.echo('/x', as('d'));
    expect(d.body.rateLimit).toMatchObject({ plan: 'free', user: 'd' });
    const errors = await log.waitFor('callback_error', 3);
    expect(errors.map((e) => [e.callback, e.fallback])).toEqual(Array(3).fill(['identifyPlan', 'applied the default plan']));
  });

  it("an empty plan name means the default plan, without an error", async () => {
    const { c, log } = await serve({ identifyPlan: () => '', policies: { free: { rate: { maxPerMinute: 1 } } } });
    const r = await c.echo('/x');
    expect(r.body.rateLimit).toMatchObject({ plan: 'free', limit: 1 });
    await log.waitFor('allowed').catch(() => undefined);
    expect(log.of('callback_error')).toEqual([]);
  });

  it('an unknown plan from identifyPlan gets the default plan and an unknown_plan event', async () => {
    const { c, log } = await serve({ identifyPlan: planHeader, policies: { free: { rate: { maxPerMinute: 1 } } } });
    const r = await c.echo('/x', { 'x-plan': 'x'.repeat(5000) });
    expect(r.status).toBe(200);
    expect(r.body.rateLimit).toMatchObject({ plan: 'free' });
    const [e] = await log.waitFor('unknown_plan');
    expect(e.requestedPlan).toHaveLength(5000);
  });

  it('limits a request when skip throws or returns a non-boolean, and reports it', async () => {
    const { c, log } = await serve({
      skip: (req) => {
        if (req.get('x-skip') === 'throw') throw new Error('skip bug');
        return req.get('x-skip') as unknown as boolean;
      },
      policies: { free: { rate: { maxPerMinute: 2 } } },
    });
    expect((await c.get('/x', { 'x-skip': 'throw' })).status).toBe(200);
    expect((await c.get('/x', { 'x-skip': 'yes' })).status).toBe(200);
    expect((await c.get('/x', { 'x-skip': 'throw' })).status).toBe(429);
    const errors = await log.waitFor('callback_error', 3);
    expect(errors.map((e) => [e.callback, e.fallback])).toEqual(Array(3).fill(['skip', 'limited the request']));
  });

  describe('a failing store', () => {
    it.each([
      ['rejects', rejecting],
      ['throws', throwing],
    ])('onStoreError allow: a store that %s -> 200 and a store_error event', async (_how, make) => {
      const { c, log } = await serve({ store: make(), policies: { free: { rate: { maxPerMinute: 1 } } } });
      const r = await c.echo('/x');
      expect(r.status).toBe(200);
      expect(r.body.rateLimit?.result).toMatchObject({ allowed: true, reason: 'store_error', degraded: true });
      expect(rateLimitHeaderNames(r.headers)).toEqual([]);
      expect((await c.get('/x')).status).toBe(200);
      const [e] = await log.waitFor('store_error');
      expect(e).toMatchObject({ policy: 'allow', endpoint: 'GET|/x', user: '127.0.0.1' });
      expect(e.error.code).toBe('ERR_LIMITRATE_STORE');
    });

    it.each([
      ['rejects', rejecting],
      ['throws', throwing],
    ])('onStoreError block: a store that %s -> 503 with Retry-After', async (_how, make) => {
      const { c, log } = await serve({ store: make(), onStoreError: 'block', policies: { free: { rate: { maxPerMinute: 1 } } } });
      const r = await c.get('/x');
      expect(r.status).toBe(503);
      expect(r.headers.get('retry-after')).toBe('1');
      expect(r.body).toMatchObject({ ok: false, reason: 'store_unavailable', retry_after_seconds: 1, plan: 'free', endpoint: 'GET|/x' });
      expect(r.body.message).toMatch(/temporarily unavailable/);
      const [e] = await log.waitFor('store_error');
      expect(e).toMatchObject({ policy: 'block' });
    });

    it('a store that never answers is bounded by storeTimeoutMs', async () => {
      const { c, log } = await serve({ store: hanging(), storeTimeoutMs: 50, onStoreError: 'block', policies: { free: { rate: { maxPerMinute: 1 } } } });
      const r = await c.get('/x');
      expect(r.status).toBe(503);
      const [e] = await log.waitFor('store_error');
      expect(e.error.code).toBe('ERR_LIMITRATE_STORE_TIMEOUT');
    });
  });

  it('a handler error after the limiter still reaches the Express error handler', async () => {
    const lr = h.limitrate({ policies: { free: { rate: { maxPerMinute: 10 } } } });
    const app = h.app();
    app.use(lr);
    app.get('/boom', () => {
      throw new Error('handler bug');
    });
    const c = await h.listen(app);
    const r = await c.get('/boom');
    expect(r.status).toBe(500);
    expect(r.headers.get('ratelimit-remaining')).toBe('9');
  });

  describe('hostile identifiers', () => {
    it('10 KB user ids: answered, and two ids differing in their last character have separate buckets', async () => {
      const { c } = await serve({ identifyUser: byHeader, policies: { free: { rate: { maxPerMinute: 1 } } } });
      const base = 'u'.repeat(10 * 1024);
      const a = await c.echo('/x', as(`${base}A`));
      expect(a.status).toBe(200);
      expect(a.body.rateLimit?.user).toHaveLength(10 * 1024 + 1);
      expect((await c.get('/x', as(`${base}B`))).status).toBe(200);
      const refused = await c.get('/x', as(`${base}A`));
      expect(refused.status).toBe(429);
      // Nothing of the id leaks into the body or the headers.
      expect(refused.text.length).toBeLessThan(1000);
      refused.headers.forEach((v) => expect(v.length).toBeLessThan(200));
    });

    it('unicode, ":", "{}", "|", "%", whitespace and empty ids: each its own bucket, no collisions', async () => {
      const { c, lr } = await serve({ identifyUser: byHeader, policies: { free: { rate: { maxPerMinute: 1 } } } });
      const ids = [
        '',
        ' ',
        'ünïcødé',
        '用户',
        '😀',
        'a:b',
        'a%3Ab',
        'a',
        'a:GET|/x:r:fw:60000',
        '{user}',
        '{}',
        '{a}:{b}',
        'a|b',
        '*',
        '?',
        '\u202eevil',
        '\u0000',
        'a\r\nb',
        '%',
        '%25',
        '\\',
        'user:1',
        'user%3A1',
      ];
      for (const id of ids) {
        const r = await c.echo('/x', as(id));
        expect(r.status, JSON.stringify(id)).toBe(200);
        expect(r.body.rateLimit?.user, JSON.stringify(id)).toBe(id);
        expect(r.body.rateLimit?.used, JSON.stringify(id)).toBe(1);
      }
      for (const id of ids) expect((await c.get('/x', as(id))).status, JSON.stringify(id)).toBe(429);
      // One counter per id in the store: no two ids share one.
      const keys = new Set<string>();
      for (const id of ids) {
        const peek = await lr.limiter.peek({ userId: id, endpoint: 'GET|/x' });
        keys.add(peek.limits[0]!.key);
      }
      expect(keys.size).toBe(ids.length);
    });

    it('a spray of unique ids against a small store never crashes it', async () => {
      const { c } = await serve({ identifyUser: byHeader, store: { type: 'memory', maxKeys: 16 }, policies: { free: { rate: { maxPerMinute: 1 } } } });
      const replies = await Promise.all(Array.from({ length: 60 }, (_, i) => c.get('/x', as(`spray-${i}-${'z'.repeat(i * 10)}`))));
      expect(replies.every((r) => r.status === 200)).toBe(true);
    });

    it('odd paths: long, encoded, unicode and dot segments are keyed without crashing', async () => {
      const { c } = await serve({ policies: { free: { rate: { maxPerMinute: 100 } } } });
      const paths = [`/x/${'seg/'.repeat(500)}end`, '/x/%2F%2F', '/x/%E2%9C%93', '/x/%ZZ', '/x/..%2F..%2Fetc', '/x/a:b/{c}', `/x/${'9'.repeat(5000)}`];
      for (const p of paths) {
        const r = await c.get(p);
        expect([200, 400, 404], p).toContain(r.status);
      }
      const templated = await c.echo(`/x/${'9'.repeat(5000)}`);
      expect(templated.body.rateLimit?.endpoint).toMatch(/^GET\|\/x\//);
      expect(templated.body.rateLimit!.endpoint.length).toBeLessThan(100);
    });

    it('an absolute-form request target (GET http://host/path) is counted under its route, whatever the host', async () => {
      const lr = h.limitrate({ policies: { free: { endpoints: { 'GET|/users/:id': { rate: { maxPerMinute: 1 } } } } } });
      const app = h.app();
      app.use(lr);
      app.get('/users/:id', echo);
      const c = await h.listen(app);
      const first = await rawGet(c.base, '/users/1');
      expect(first.status).toBe(200);
      // Express routes these to /users/:id as well (HTTP/1.1 allows the absolute form).
      for (const target of ['http://a.example/users/1', 'http://b.example/users/2']) {
        const r = await rawGet(c.base, target);
        expect(r.status, `${target}: ${r.body.slice(0, 300)}`).toBe(429);
        expect((JSON.parse(r.body) as EchoBody & { endpoint?: string }).endpoint).toBe('GET|/users/:id');
      }
    });

    it('a 429 for a user with hostile plan and ids echoes them bounded and stripped of control characters', async () => {
      const { c } = await serve({ identifyUser: byHeader, identifyPlan: () => 'free\u0000\u202e', onUnknownPlan: 'block', policies: { free: { rate: { maxPerMinute: 1 } } } });
      const r = await c.get('/x', as('x'));
      expect(r.status).toBe(403);
      expect(r.body.reason).toBe('unknown_plan');
      expect(String(r.body.message)).not.toMatch(/[\u0000-\u001f\u202e]/);
    });
  });
});
