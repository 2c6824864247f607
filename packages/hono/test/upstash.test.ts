// `store: { type: 'upstash', ... }` handled by the adapter itself (not core's deferred load
// by a name bundlers cannot see): against the local Upstash-compatible REST server in front
// of the test Redis, counts shared by two apps; URL and token from the environment; bad or
// missing settings as ConfigErrors; the built store closed with the middleware.
import { ConfigError, DeferredStore, manualClock } from '@limitrate/core';
import { UpstashStore } from '@limitrate/upstash';
import { Hono } from 'hono';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startRestServer, type RestServer } from '../../upstash/test/rest-server.mjs';
import { limitrate } from '../src/index.js';
import { appKeepingErrors, as, byHeader, FROZEN_AT, useHarness } from './helpers.js';

const redisUrl = process.env.LIMITRATE_REDIS_URL;
const policies = { free: { rate: { maxPerMinute: 3 } } };

/** Clears the Upstash variables of the environment for one test. */
function noCredentialsInEnv(): void {
  for (const name of ['UPSTASH_REDIS_REST_URL', 'UPSTASH_REDIS_REST_TOKEN', 'KV_REST_API_URL', 'KV_REST_API_TOKEN']) vi.stubEnv(name, '');
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe.skipIf(redisUrl === undefined)('store: { type: "upstash" } against a REST server (LIMITRATE_REDIS_URL)', () => {
  const h = useHarness();
  let rest: RestServer;
  beforeAll(async () => {
    rest = await startRestServer(redisUrl!);
  });
  afterAll(async () => {
    await rest?.close();
  });

  const app = (lr: ReturnType<typeof limitrate>) => {
    const a = new Hono();
    a.use('*', lr);
    a.get('/x', (c) => c.json({ remaining: c.get('rateLimit').remaining }));
    return a;
  };

  it('builds the Upstash store from the configuration; two apps on one database share their counts', async () => {
    const keyPrefix = `hono-${Date.now()}-${Math.random()}:`;
    const options = { identifyUser: byHeader, store: { type: 'upstash' as const, url: rest.url, token: rest.token, keyPrefix }, policies };
    const one = h.limitrate(options);
    const two = h.limitrate(options);
    expect(one.limiter.store).toBeInstanceOf(DeferredStore);
    const before = rest.requests.length;
    const [a, b] = [app(one), app(two)];
    const statuses = [];
    for (const target of [a, b, a, b]) statuses.push((await target.request('/x', { headers: as('shared') })).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(rest.requests.length - before).toBeGreaterThanOrEqual(4);
    expect(await (one.limiter.store as DeferredStore).loaded).toBeInstanceOf(UpstashStore);
  });

  it('takes the URL and token from UPSTASH_REDIS_REST_URL / _TOKEN when the configuration leaves them out (also in the function form)', async () => {
    vi.stubEnv('UPSTASH_REDIS_REST_URL', rest.url);
    vi.stubEnv('UPSTASH_REDIS_REST_TOKEN', rest.token);
    const keyPrefix = `hono-env-${Date.now()}:`;
    const plain = app(h.limitrate({ identifyUser: byHeader, store: { type: 'upstash', keyPrefix }, policies }));
    // The same (frozen) time as h.limitrate's, so that both count in the same window.
    const lazy = app(h.lazy(() => ({ clock: manualClock(FROZEN_AT), identifyUser: byHeader, store: { type: 'upstash', keyPrefix }, policies })));
    const statuses = [];
    for (const target of [plain, lazy, plain, lazy]) statuses.push((await target.request('/x', { headers: as('env') })).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });
});

describe('store: { type: "upstash" } settings', () => {
  it('refuses bad store options at construction, with their paths', () => {
    try {
      limitrate({ store: { type: 'upstash', url: 'https://x.upstash.io', token: 42, tiemout: 5 } as never, policies });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).issues.map((i) => i.path).sort()).toEqual(['store.tiemout', 'store.token']);
    }
  });

  it('without a URL anywhere: ready() rejects and requests fail through the app with a ConfigError (never allowed silently)', async () => {
    noCredentialsInEnv();
    const lr = limitrate({ store: { type: 'upstash' }, policies });
    await expect(lr.limiter.ready()).rejects.toThrow(/needs a REST URL/);
    const { app: a, errors } = appKeepingErrors(lr);
    expect((await a.request('/x')).status).toBe(500);
    expect(errors[0]).toBeInstanceOf(ConfigError);
    expect((errors[0] as ConfigError).path).toBe('store');
    await lr.close();
  });

  it('closes the store it built when the middleware closes', async () => {
    const lr = limitrate({ store: { type: 'upstash', url: 'http://127.0.0.1:9', token: 't' }, policies });
    const store = await (lr.limiter.store as DeferredStore).loaded;
    await lr.close();
    await expect(store.consume([])).rejects.toMatchObject({ code: 'ERR_LIMITRATE_CLOSED' });
  });
});
