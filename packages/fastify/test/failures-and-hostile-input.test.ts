// The failure policy (a store that rejects, throws or hangs; callbacks that throw) and
// hostile input (huge and odd headers, unicode and odd paths, identifiers that look like
// keys), over real HTTP and app.inject: never a crash, never a hang.
import type { ConsumeResult, Store } from '@limitrate/core';
import { describe, expect, it } from 'vitest';
import type { LimitRateOptions, RateLimitInfo } from '../src/index.js';
import { echo, EventLog, rawGet, userHeader, useHarness } from './helpers.js';

type Echo = { rateLimit: RateLimitInfo | null; url: string };
const TWO = { free: { rate: { maxPerMinute: 2 } } };

const stores: Array<[string, () => Store]> = [
  ['rejects', () => ({ name: 'flaky', consume: () => Promise.reject(new Error('ECONNREFUSED')), reset: () => 0 })],
  [
    'throws',
    () => ({
      name: 'thrower',
      consume: () => {
        throw new Error('boom');
      },
      reset: () => 0,
    }),
  ],
  ['hangs', () => ({ name: 'hanging', consume: () => new Promise<ConsumeResult>(() => undefined), reset: () => 0 })],
];

describe('failures', () => {
  const h = useHarness();

  async function serve(options: Partial<LimitRateOptions>) {
    const log = new EventLog();
    const app = await h.limited({ onEvent: log.onEvent, storeTimeoutMs: 50, policies: TWO, ...options });
    app.get('/x', echo);
    return { c: await h.listen(app), log };
  }

  it.each(stores)('a store that %s: onStoreError allow lets requests through without headers, with a store_error event', async (_how, store) => {
    const { c, log } = await serve({ store: store() });
    const r = await c.send<Echo>('/x');
    expect(r.status).toBe(200);
    expect(r.headers.get('ratelimit-limit')).toBeNull();
    expect(r.body.rateLimit?.result).toMatchObject({ allowed: true, degraded: true });
    const [e] = await log.waitFor('store_error');
    expect(e.policy).toBe('allow');
  });

  it.each(stores)('a store that %s: onStoreError block answers 503 with Retry-After: 1', async (_how, store) => {
    const { c, log } = await serve({ store: store(), onStoreError: 'block' });
    const r = await c.send('/x');
    expect(r.status).toBe(503);
    expect(r.headers.get('retry-after')).toBe('1');
    expect(r.body).toMatchObject({ ok: false, reason: 'store_unavailable' });
    expect((await log.waitFor('store_error'))[0]!.policy).toBe('block');
  });

  it('callbacks that fail fall back: identifyUser to the client IP, identifyPlan to the default plan, skip to limiting', async () => {
    const { c, log } = await serve({
      identifyUser: () => {
        throw new Error('session store down');
      },
      identifyPlan: () => Promise.reject(new Error('billing down')),
      skip: () => 'yes' as unknown as boolean,
    });
    const r = await c.send<Echo>('/x');
    expect(r.body.rateLimit).toMatchObject({ user: '127.0.0.1', plan: 'free', used: 1 });
    const errors = await log.waitFor('callback_error', 3);
    expect(errors.map((e) => e.callback).sort()).toEqual(['identifyPlan', 'identifyUser', 'skip']);
  });

  it('a hanging identifyUser is bounded by callbackTimeoutMs', async () => {
    const { c, log } = await serve({ identifyUser: () => new Promise<string>(() => undefined), callbackTimeoutMs: 30 });
    expect((await c.send<Echo>('/x')).body.rateLimit?.user).toBe('127.0.0.1');
    expect((await log.waitFor('callback_error'))[0]!.error.code).toBe('ERR_LIMITRATE_CALLBACK_TIMEOUT');
  });
});

describe('hostile input', () => {
  const h = useHarness();

  it('identifiers that look like keys (":", "{}", "*", unicode, empty, 8 KB) neither collide nor break anything', async () => {
    const app = await h.limited({ identifyUser: (req) => decodeURIComponent(userHeader(req)), policies: { free: { rate: { maxPerMinute: 1 } } } });
    app.get('/x', echo);
    const c = await h.listen(app);
    const users = ['a:b', 'a', 'b', '{tag}', '*', '', 'ümlaut-ユーザー', 'x'.repeat(8000), 'a:b:GET|/x', '127.0.0.1'];
    const as = (user: string) => ({ 'x-user': encodeURIComponent(user) });
    // Each user's first request passes (no collision with another user's counter), the second does not.
    for (const user of users) expect((await rawGet(c, '/x', as(user))).status, user.slice(0, 20)).toBe(200);
    for (const user of users) expect((await rawGet(c, '/x', as(user))).status, user.slice(0, 20)).toBe(429);
  });

  it('a header too large for Node is refused by the server before the app, and the app keeps serving', async () => {
    const app = await h.limited({ policies: TWO });
    app.get('/x', echo);
    const c = await h.listen(app);
    expect((await rawGet(c, '/x', { 'x-huge': 'y'.repeat(20_000) })).status).toBe(431);
    expect((await rawGet(c, '/x', { 'x-forwarded-for': `${'1.2.3.4, '.repeat(1000)}5.6.7.8` })).status).toBe(200);
  });

  it('odd X-Forwarded-For values under trustProxy fall back to the socket address', async () => {
    const app = await h.limited({ trustProxy: true, policies: { free: { rate: { maxPerMinute: 10 } } } });
    app.get('/x', echo);
    for (const value of ['', 'garbage', 'unknown, ,', '999.1.1.1', '::::', '<script>', '1.2.3.4\t']) {
      const r = await app.inject({ url: '/x', headers: { 'x-forwarded-for': value } });
      expect(r.statusCode, value).toBe(200);
    }
    const users = new Set((await Promise.all(['', 'garbage', '::::'].map((v) => app.inject({ url: '/x', headers: { 'x-forwarded-for': v } })))).map((r) => (r.json() as Echo).rateLimit?.user));
    expect([...users]).toEqual(['127.0.0.1']);
  });

  it('unicode, encoded, dotted and absolute-form paths', async () => {
    const app = await h.limited({ policies: { free: { rate: { maxPerMinute: 100 } } } });
    app.get('/x', echo);
    app.get('/files/:name', echo);
    const c = await h.listen(app);
    expect((await c.send<Echo>('/files/%E2%9C%93-%F0%9F%98%80')).body.rateLimit?.endpoint).toBe('GET|/files/:name');
    for (const target of ['/ünïcödé/%00/..%2F..%2Fetc', '/%ZZ', '//x', '/x/../x', 'http://evil.example/x?y=1', '/x?' + 'q='.repeat(2000), '*']) {
      const r = await rawGet(c, target);
      expect([200, 400, 404], target.slice(0, 30)).toContain(r.status);
    }
    expect((await rawGet(c, '/x')).status).toBe(200);
  });

  it('unknown or missing plans get the default plan', async () => {
    const app = await h.limited({ identifyPlan: (req) => req.headers['x-plan'] as string, policies: { free: { rate: { maxPerMinute: 1 } }, pro: { rate: { maxPerMinute: 5 } } } });
    app.get('/x', echo);
    expect(((await app.inject({ url: '/x', headers: { 'x-plan': 'platinum' } })).json() as Echo).rateLimit).toMatchObject({ plan: 'free', limit: 1 });
    expect((await app.inject({ url: '/x' })).statusCode).toBe(429);
  });
});
