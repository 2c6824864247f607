// The failure policy (a store that rejects, throws or hangs; callbacks that fail) and hostile
// input (huge and odd identifiers, unicode and malformed paths, no client address at all).
import type { ConsumeResult, Store } from '@limitrate/core';
import { failingStore } from '@limitrate/testing';
import { describe, expect, it } from 'vitest';
import { rateLimitInfo, type WithRateLimitOptions } from '../src/index.js';
import { as, byHeader, ctx, EventLog, nextRequest, ok, read, useHarness } from './helpers.js';

/** Stores that fail in the other two ways: synchronously, and by never answering. */
const failures: Array<[string, () => Store]> = [
  ['rejects', failingStore],
  [
    'throws',
    () => ({
      name: 'sync-thrower',
      reset: () => 0,
      consume: () => {
        throw new Error('boom');
      },
    }),
  ],
  ['hangs (bounded by storeTimeoutMs)', () => ({ name: 'hanging', reset: () => 0, consume: () => new Promise<ConsumeResult>(() => undefined) })],
];

const echo = async (request: Parameters<typeof rateLimitInfo>[0]): Promise<Response> => {
  const info = rateLimitInfo(request);
  return Response.json({ user: info?.user, plan: info?.plan, endpoint: info?.endpoint, degraded: info?.result?.degraded });
};

describe('failures', () => {
  const h = useHarness();

  it.each(failures)("a store that %s: onStoreError 'allow' serves the request (degraded) and emits store_error", async (_how, store) => {
    const log = new EventLog();
    const GET = h.withRateLimit({ store: store(), storeTimeoutMs: 50, onEvent: log.onEvent, policies: { free: { rate: { maxPerMinute: 1 } } } })(echo);
    for (let i = 0; i < 2; i++) {
      const r = await read(await GET(nextRequest('/x'), ctx()));
      expect(r.status).toBe(200);
      expect(r.body.degraded).toBe(true);
    }
    await log.waitFor('store_error');
  });

  it.each(failures)("a store that %s: onStoreError 'block' answers 503 store_unavailable with Retry-After: 1", async (_how, store) => {
    const GET = h.withRateLimit({ store: store(), storeTimeoutMs: 50, onStoreError: 'block', policies: { free: { rate: { maxPerMinute: 1 } } } })(echo);
    const r = await read(await GET(nextRequest('/x'), ctx()));
    expect(r.status).toBe(503);
    expect(r.body).toMatchObject({ ok: false, reason: 'store_unavailable', retry_after_seconds: 1 });
    expect(r.headers.get('retry-after')).toBe('1');
  });

  it('identifyUser failing: counted by client IP under allow, refused with 503 under block; callback_error emitted', async () => {
    const log = new EventLog();
    const identifyUser = () => {
      throw new Error('session store down');
    };
    const allow = h.withRateLimit({ identifyUser, trustProxy: true, onEvent: log.onEvent, policies: { free: { rate: { maxPerMinute: 1 } } } })(echo);
    const r = await read(await allow(nextRequest('/x', { headers: { 'x-forwarded-for': '203.0.113.7' } }), ctx()));
    expect(r.body.user).toBe('203.0.113.7');
    expect((await log.waitFor('callback_error'))[0]).toMatchObject({ callback: 'identifyUser', fallback: 'counted the request by client IP' });
    const block = h.withRateLimit({ identifyUser, onStoreError: 'block', policies: { free: { rate: { maxPerMinute: 1 } } } })(echo);
    const b = await read(await block(nextRequest('/x'), ctx()));
    expect(b.status).toBe(503);
    expect(b.headers.get('retry-after')).toBe('1');
  });

  it('identifyPlan throwing or hanging: the default plan applies', async () => {
    const GET = h.withRateLimit({
      identifyUser: byHeader,
      callbackTimeoutMs: 50,
      identifyPlan: (req) => {
        if (req.headers.get('x-plan') === 'hang') return new Promise<string>(() => undefined);
        throw new Error('billing down');
      },
      policies: { free: { rate: { maxPerMinute: 1 } }, pro: { rate: { maxPerMinute: 100 } } },
    })(echo);
    expect((await read(await GET(nextRequest('/x', { headers: as('a') }), ctx()))).body.plan).toBe('free');
    expect((await read(await GET(nextRequest('/x', { headers: as('b', { 'x-plan': 'hang' }) }), ctx()))).body.plan).toBe('free');
  });
});

describe('hostile input', () => {
  const h = useHarness();

  it('keeps odd user ids apart: 8 KB, unicode, ":" and "{}", empty-looking, percent signs', async () => {
    const GET = h.withRateLimit({ identifyUser: byHeader, policies: { free: { rate: { maxPerMinute: 1 } } } })(ok);
    const ids = ['x'.repeat(8000), 'ключ:{ }', '🙂', 'a b', 'a%20b', ':', '{}', ' '];
    for (const id of ids) expect((await GET(nextRequest('/x', { headers: as(id) }), ctx()))!.status).toBe(200);
    for (const id of ids) expect((await GET(nextRequest('/x', { headers: as(id) }), ctx()))!.status).toBe(429);
  });

  it('serves unicode, encoded, dot-dot and very long paths without a 5xx, over HTTP', async () => {
    const options: WithRateLimitOptions = { policies: { free: { rate: { maxPerMinute: 100 } } } };
    const GET = h.withRateLimit(options)(echo);
    const c = await h.serveApp([
      { method: 'GET', path: '/users/[id]', handler: GET },
      { method: 'GET', path: '/files/[...path]', handler: GET },
    ]);
    const check = async (path: string, endpoint: string) => {
      const r = await c.get(path);
      expect(r.status).toBe(200);
      expect(r.body.endpoint).toBe(endpoint);
    };
    await check('/users/%E2%9C%93', 'GET|/users/:id');
    await check('/users/%F0%9F%99%82?x=%ZZ', 'GET|/users/:id');
    await check(`/users/${'a'.repeat(4000)}`, 'GET|/users/:id');
    await check('/files/..%2F..%2Fetc/passwd', 'GET|/files/*');
    await check('/files/a%3Ab/%7B%7D', 'GET|/files/*');
  });

  it('answers requests with no client address at all (no headers, no proxy): the "unknown" client', async () => {
    const GET = h.withRateLimit({ trustProxy: true, policies: { free: { rate: { maxPerMinute: 1 } } } })(echo);
    const r = await read(await GET(nextRequest('/x'), ctx()));
    expect(r.body.user).toBe('unknown');
    expect((await GET(nextRequest('/x'), ctx()))!.status).toBe(429);
  });

  it('tolerates huge and repeated headers', async () => {
    const GET = h.withRateLimit({ trustProxy: true, identifyPlan: (req) => req.headers.get('x-plan') ?? 'free', policies: { free: { rate: { maxPerMinute: 5 } } } })(echo);
    const headers = new Headers({ 'x-plan': 'p'.repeat(16_000), 'x-forwarded-for': '203.0.113.7' });
    headers.append('x-forwarded-for', '198.51.100.1');
    const r = await read(await GET(nextRequest('/x', { headers: Object.fromEntries(headers) }), ctx()));
    expect(r.status).toBe(200);
    expect(r.body.plan).toBe('free');
  });
});
