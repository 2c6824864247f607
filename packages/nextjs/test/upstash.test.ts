// store: { type: 'upstash' } resolved by this package (the import bundlers follow, which
// works on the edge runtime too), against a real Redis behind a local Upstash-compatible REST
// server: decisions over HTTP, the token from UPSTASH_REDIS_REST_TOKEN as in the roadmap's
// example, a missing token a configuration error (never "allow everything").
import { ConfigError, DeferredStore } from '@limitrate/core';
import { UpstashStore } from '@limitrate/upstash';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, uniquePrefix, type Harness as UpstashHarness } from '../../upstash/test/harness.js';
import { ctx, EventLog, nextRequest, ok, read, useHarness } from './helpers.js';

let up: UpstashHarness;
beforeAll(async () => {
  up = await startHarness();
});
afterAll(async () => {
  await up?.stop();
});

const saved = { url: process.env.UPSTASH_REDIS_REST_URL, token: process.env.UPSTASH_REDIS_REST_TOKEN, kvToken: process.env.KV_REST_API_TOKEN };
afterEach(() => {
  const put = (name: string, value: string | undefined) => (value === undefined ? delete process.env[name] : (process.env[name] = value));
  put('UPSTASH_REDIS_REST_URL', saved.url);
  put('UPSTASH_REDIS_REST_TOKEN', saved.token);
  put('KV_REST_API_TOKEN', saved.kvToken);
});

describe("store: { type: 'upstash' }", () => {
  const h = useHarness();

  it('decides over the Upstash REST API, one request per decision, with the store this package loaded', async () => {
    const keyPrefix = uniquePrefix('nextjs');
    const limit = h.withRateLimit({ store: { type: 'upstash', url: up.rest.url, token: up.rest.token, keyPrefix }, identifyUser: () => 'u', policies: { free: { rate: { maxPerMinute: 2 } } } });
    const store = limit.limiter.store as DeferredStore;
    expect(store).toBeInstanceOf(DeferredStore);
    expect(await store.loaded).toBeInstanceOf(UpstashStore);
    const POST = limit(ok);
    expect((await POST(nextRequest('/api/chat', { method: 'POST' }), ctx()))!.status).toBe(200); // (loads the script on a fresh Redis)
    const { count, result } = await up.countRequests(() => POST(nextRequest('/api/chat', { method: 'POST' }), ctx()));
    expect(result!.status).toBe(200);
    expect(count).toBe(1);
    const refused = await read(await POST(nextRequest('/api/chat', { method: 'POST' }), ctx()));
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ reason: 'rate_limited', endpoint: 'POST|/api/chat' });
    expect((await up.redis.client().keys(`${keyPrefix}*`)).length).toBe(1);
  });

  it("runs the roadmap's example: the URL from the config (unset here), the token from UPSTASH_REDIS_REST_TOKEN", async () => {
    process.env.UPSTASH_REDIS_REST_URL = up.rest.url;
    process.env.UPSTASH_REDIS_REST_TOKEN = up.rest.token;
    const POST = h.withRateLimit({
      store: { type: 'upstash', url: process.env.UPSTASH_URL },
      policies: {
        free: { rate: { maxPerMinute: 10 } },
      },
    })(async (request) => {
      return Response.json({ ok: true, path: request.nextUrl.pathname });
    });
    const r = await read(await POST(nextRequest(`/api/${uniquePrefix('roadmap').replace(/:/g, '-')}`, { method: 'POST' }), ctx()));
    expect(r.status).toBe(200);
    expect(r.headers.get('ratelimit-remaining')).toBe('9');
  });

  it('no token anywhere: the request fails with the ConfigError (Next.js answers 500), not an outage let through', async () => {
    delete process.env.UPSTASH_REDIS_REST_TOKEN;
    delete process.env.KV_REST_API_TOKEN;
    const log = new EventLog();
    const limit = h.withRateLimit({ store: { type: 'upstash', url: up.rest.url }, onEvent: log.onEvent, policies: { free: { rate: { maxPerMinute: 2 } } } });
    await expect(limit.limiter.ready()).rejects.toBeInstanceOf(ConfigError);
    await expect(limit(ok)(nextRequest('/x'), ctx())).rejects.toThrow(/UPSTASH_REDIS_REST_TOKEN/);
    expect(log.of('store_error')).toHaveLength(0);
  });

  it("a wrong token is an outage: the failure policy answers (503 under 'block')", async () => {
    const GET = h.withRateLimit({ store: { type: 'upstash', url: up.rest.url, token: 'wrong' }, onStoreError: 'block', policies: { free: { rate: { maxPerMinute: 2 } } } })(ok);
    expect((await GET(nextRequest('/x'), ctx()))!.status).toBe(503);
  });
});
