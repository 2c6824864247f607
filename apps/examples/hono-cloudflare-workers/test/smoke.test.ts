// Smoke test of the example: the Worker (src/index.ts), bundled with esbuild and run in
// real workerd through miniflare, answers, limits per plan and refuses with a 429 and the
// right headers; on Upstash (the local REST server in front of the test Redis), the Worker
// and the same app on Node.js (@hono/node-server, real HTTP) share their counts; and the
// ROADMAP's example, as written, runs in workerd.
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { ipKey, RateLimiter } from '@limitrate/core';
import { UpstashStore } from '@limitrate/upstash';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRestServer, type RestServer } from '../../../../packages/upstash/test/rest-server.mjs';
import { createApp } from '../src/app.js';
import { bundle, startWorker, type RunningWorker } from './workerd.js';

const redisUrl = process.env.LIMITRATE_REDIS_URL;
const unique = (): string => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
/** Four random hex digits, for IPv6 addresses no other run uses. */
const hex4 = (): string => Math.floor(Math.random() * 0x10000).toString(16);

/** Waits out the last seconds of a minute, so that a test's requests share one fixed window. */
async function awayFromMinuteEdge(): Promise<void> {
  const into = Date.now() % 60_000;
  if (into > 55_000) await new Promise((r) => setTimeout(r, 60_000 - into + 200));
}

const chat = (fetcher: { fetch(path: string, init?: RequestInit): Promise<Response> }, key?: string) =>
  fetcher.fetch('/api/chat', { method: 'POST', headers: key === undefined ? {} : { 'x-api-key': key } });

describe('the example Worker in workerd, memory store', () => {
  let worker: RunningWorker;
  beforeAll(async () => {
    worker = await startWorker(await bundle('src/index.ts'));
  });
  afterAll(async () => {
    await worker?.close();
  });

  it("answers /api/hello with the caller's plan and what is left, with the rate-limit headers", async () => {
    await awayFromMinuteEdge();
    const res = await worker.fetch('/api/hello', { headers: { 'x-api-key': `k-${unique()}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ hello: 'world', plan: 'free', remaining: 9 });
    expect(res.headers.get('ratelimit-limit')).toBe('10');
    expect(res.headers.get('ratelimit-remaining')).toBe('9');
    expect(res.headers.get('x-ratelimit-limit')).toBe('10');
  });

  it('refuses the 4th chat of a free caller with 429, Retry-After and the upgrade hint; pro callers have more', async () => {
    await awayFromMinuteEdge();
    const key = `k-${unique()}`;
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await chat(worker, key)).status);
    const refused = await chat(worker, key);
    expect([...statuses, refused.status]).toEqual([200, 200, 200, 429]);
    expect(refused.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    const retry = Number(refused.headers.get('retry-after'));
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(60);
    expect(await refused.json()).toMatchObject({ ok: false, reason: 'rate_limited', plan: 'free', endpoint: 'POST|/api/chat', used: 3, allowed: 3, retry_after_seconds: retry, upgrade_hint: 'Upgrade to Pro for 100 requests a minute' });
    // Another caller, and a pro one, are not affected.
    expect((await chat(worker, `k-${unique()}`)).status).toBe(200);
    const pro = `pro_${unique()}`;
    for (let i = 0; i < 5; i++) expect((await chat(worker, pro)).status).toBe(200);
  });

  it('counts callers without an API key by the CF-Connecting-IP Cloudflare sets', async () => {
    await awayFromMinuteEdge();
    const net = hex4();
    const ip = (n: number) => ({ 'cf-connecting-ip': `2001:db8:${net}:${n}00::1` });
    const a = ip(1);
    for (let i = 0; i < 3; i++) expect((await worker.fetch('/api/chat', { method: 'POST', headers: a })).status).toBe(200);
    expect((await worker.fetch('/api/chat', { method: 'POST', headers: a })).status).toBe(429);
    expect((await worker.fetch('/api/chat', { method: 'POST', headers: ip(2) })).status).toBe(200);
  });

  it('reports the quota at /quota without counting', async () => {
    await awayFromMinuteEdge();
    const key = `k-${unique()}`;
    await chat(worker, key);
    for (let i = 0; i < 2; i++) {
      const q = await worker.fetch('/quota', { headers: { 'x-api-key': key } });
      expect(q.headers.get('cache-control')).toBe('no-store');
      expect(await q.json()).toMatchObject({ used: 1, limit: 3, remaining: 2, plan: 'free', endpoint: 'POST|/api/chat' });
    }
  });
});

describe.skipIf(redisUrl === undefined)('on Upstash (LIMITRATE_REDIS_URL): the Worker and Node.js share their counts', () => {
  let rest: RestServer;
  let worker: RunningWorker;
  let roadmap: RunningWorker;
  let server: ServerType;
  let node: { fetch(path: string, init?: RequestInit): Promise<Response> };

  beforeAll(async () => {
    rest = await startRestServer(redisUrl!);
    const [workerCode, roadmapCode] = await Promise.all([bundle('src/index.ts'), bundle('test/fixtures/roadmap-worker.ts')]);
    worker = await startWorker(workerCode, { UPSTASH_REDIS_REST_URL: rest.url, UPSTASH_REDIS_REST_TOKEN: rest.token });
    roadmap = await startWorker(roadmapCode, { UPSTASH_REDIS_URL: rest.url, UPSTASH_REDIS_REST_TOKEN: rest.token });
    // The same app on Node.js, its bindings merged into @hono/node-server's.
    const app = createApp();
    const bindings = { UPSTASH_REDIS_REST_URL: rest.url, UPSTASH_REDIS_REST_TOKEN: rest.token };
    server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: (req, env: object) => app.fetch(req, { ...env, ...bindings }), hostname: '127.0.0.1', port: 0 }, () => resolve(s));
    });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    node = { fetch: (path, init) => fetch(base + path, init) };
  });
  afterAll(async () => {
    await Promise.all([worker?.close(), roadmap?.close()]);
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await rest?.close();
  });

  it('alternating requests of one caller to the Worker and to Node: the 4th, wherever it lands, gets 429', async () => {
    await awayFromMinuteEdge();
    const key = `k-${unique()}`;
    const before = rest.requests.length;
    const statuses = [];
    for (const side of [worker, node, worker]) statuses.push((await chat(side, key)).status);
    const refusedOnNode = await chat(node, key);
    const refusedInWorker = await chat(worker, key);
    expect([...statuses, refusedOnNode.status, refusedInWorker.status]).toEqual([200, 200, 200, 429, 429]);
    expect(await refusedOnNode.json()).toMatchObject({ reason: 'rate_limited', used: 3, allowed: 3 });
    expect(rest.requests.length - before).toBeGreaterThanOrEqual(5);
    // Both sides read the same quota.
    const [fromWorker, fromNode] = await Promise.all([worker.fetch('/quota', { headers: { 'x-api-key': key } }), node.fetch('/quota', { headers: { 'x-api-key': key } })]);
    expect(await fromWorker.json()).toMatchObject({ used: 3, remaining: 0 });
    expect(await fromNode.json()).toMatchObject({ used: 3, remaining: 0 });
  });

  it("runs the ROADMAP's example as written (URL from the Worker's env, token from its binding), counting with a Node limiter", async () => {
    await awayFromMinuteEdge();
    const ip = `2001:db8:${hex4()}:100::7`;
    const headers = { 'cf-connecting-ip': ip };
    const first = await roadmap.fetch('/roadmap', { headers });
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ remaining: 9 });
    // A Node.js limiter on the same database, the same plan, and the same key: the client's /56.
    const limiter = new RateLimiter({ store: new UpstashStore({ url: rest.url, token: rest.token }), policies: { free: { rate: { maxPerMinute: 10 } } } });
    try {
      const userId = ipKey(ip, 56)!;
      for (let i = 0; i < 8; i++) expect((await limiter.check({ userId, endpoint: 'GET|/roadmap' })).allowed).toBe(true);
    } finally {
      await limiter.close();
    }
    const last = await roadmap.fetch('/roadmap', { headers });
    expect(await last.json()).toEqual({ remaining: 0 });
    expect((await roadmap.fetch('/roadmap', { headers })).status).toBe(429);
    // Another client is not affected.
    expect((await roadmap.fetch('/roadmap', { headers: { 'cf-connecting-ip': '2001:db8:ffff:ff00::1' } })).status).toBe(200);
  });
});
