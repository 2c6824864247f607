// The Upstash store from configuration: `store: { type: 'upstash', url, token }`, the token
// (and URL) from UPSTASH_REDIS_REST_* when left out (the Hono and Next.js examples), and a
// missing token reported as a ConfigError rather than as an outage.
import { ConfigError, DeferredStore, RateLimiter } from '@limitrate/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UpstashStore } from '../src/index.js';
import { startHarness, uniquePrefix, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

const saved = { url: process.env.UPSTASH_REDIS_REST_URL, token: process.env.UPSTASH_REDIS_REST_TOKEN, kvUrl: process.env.KV_REST_API_URL, kvToken: process.env.KV_REST_API_TOKEN };
afterEach(() => {
  const put = (name: string, value: string | undefined) => (value === undefined ? delete process.env[name] : (process.env[name] = value));
  put('UPSTASH_REDIS_REST_URL', saved.url);
  put('UPSTASH_REDIS_REST_TOKEN', saved.token);
  put('KV_REST_API_URL', saved.kvUrl);
  put('KV_REST_API_TOKEN', saved.kvToken);
});

const policies = { free: { rate: { maxPerMinute: 2 } } };
const request = { userId: 'u1', endpoint: 'POST|/api/chat' };

describe("store: { type: 'upstash', url, token }", () => {
  it('loads UpstashStore and decides over HTTP, sharing counts with an UpstashStore made by hand', async () => {
    const keyPrefix = uniquePrefix('config');
    const limiter = new RateLimiter({ store: { type: 'upstash', url: h.rest.url, token: h.rest.token, keyPrefix }, policies });
    expect(limiter.store).toBeInstanceOf(DeferredStore);
    const { count, result } = await h.countRequests(() => limiter.check(request));
    expect(result.allowed).toBe(true);
    expect(count).toBe(1);
    const byHand = new RateLimiter({ store: new UpstashStore({ client: h.upstash(), keyPrefix }), policies });
    expect((await byHand.check(request)).allowed).toBe(true);
    expect((await limiter.check(request)).allowed).toBe(false);
    await limiter.close();
    await byHand.close();
  });

  it('takes the token (and the URL) from UPSTASH_REDIS_REST_* when left out, as in the Hono and Next.js examples', async () => {
    process.env.UPSTASH_REDIS_REST_TOKEN = h.rest.token;
    const limiter = new RateLimiter({ store: { type: 'upstash', url: h.rest.url, keyPrefix: uniquePrefix('env') }, policies });
    expect((await limiter.check(request)).allowed).toBe(true);
    await limiter.close();
    process.env.UPSTASH_REDIS_REST_URL = h.rest.url;
    const both = new RateLimiter({ store: { type: 'upstash', keyPrefix: uniquePrefix('env2') }, policies });
    expect((await both.check(request)).allowed).toBe(true);
    await both.close();
  });

  it('no token anywhere: a ConfigError saying where the token goes, not an outage', async () => {
    delete process.env.UPSTASH_REDIS_REST_TOKEN;
    delete process.env.KV_REST_API_TOKEN;
    const events: string[] = [];
    const limiter = new RateLimiter({ store: { type: 'upstash', url: h.rest.url }, policies, onEvent: (e) => void events.push(e.type) });
    await expect(limiter.ready()).rejects.toBeInstanceOf(ConfigError);
    await expect(limiter.check(request)).rejects.toThrow(/UPSTASH_REDIS_REST_TOKEN/);
    await limiter.close();
    expect(events).not.toContain('store_error');
  });

  it('a wrong token is an outage (the server refuses every request): the failure policy answers', async () => {
    const limiter = new RateLimiter({ store: { type: 'upstash', url: h.rest.url, token: 'wrong' }, policies, onStoreError: 'block' });
    expect(await limiter.check(request)).toMatchObject({ allowed: false, degraded: true });
    await limiter.close();
  });
});
