// The Next.js example for real: `next build`, then `next start` on a free 127.0.0.1 port, driven
// over HTTP until each limited route answers 429 with the right headers. Routes: a route handler
// on the Node.js runtime (plans, quota), a dynamic route keyed by its template, a proxy.ts in
// front of /api/proxied, an edge route with the IETF draft headers, a Pages Router API route,
// the inspector route serving the chat limiter's analytics (its token given to `next start`,
// not to `next build`), and the roadmap's example on the edge runtime with the Upstash store
// (a local Upstash REST server in front of the test Redis).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness as UpstashHarness } from '../../../../packages/upstash/test/harness.js';
import { buildApp, startApp, type NextServer } from './next-server.js';

let server: NextServer;
let upstash: UpstashHarness;
/** The inspector's token, given to `next start` only: `next build` runs without it. */
const INSPECTOR_TOKEN = 'example-inspector-secret';

beforeAll(async () => {
  await buildApp();
  upstash = await startHarness();
  // Counters of an earlier run in the same minute (a shared Redis) would shorten this one.
  const redis = upstash.redis.client();
  const stale = await redis.keys('limitrate:*roadmap*');
  if (stale.length > 0) await redis.del(...stale);
  server = await startApp({ UPSTASH_URL: upstash.rest.url, UPSTASH_REDIS_REST_TOKEN: upstash.rest.token, LIMITRATE_INSPECTOR_TOKEN: INSPECTOR_TOKEN });
});

afterAll(async () => {
  await server?.stop();
  await upstash?.stop();
});

interface Reply {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

async function call(path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  const res = await fetch(server.url + path, { ...init, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: /json/.test(res.headers.get('content-type') ?? '') ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/**
 * Sends requests until one is refused (at most `limit` x 2 + 1, since a window may end
 * mid-way): the 200s before it and the refusal.
 */
async function until429(limit: number, send: (i: number) => Promise<Reply>): Promise<{ allowed: Reply[]; refused: Reply }> {
  const allowed: Reply[] = [];
  for (let i = 0; i <= limit * 2; i++) {
    const r = await send(i);
    if (r.status === 429) return { allowed, refused: r };
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    allowed.push(r);
  }
  throw new Error(`no 429 after ${limit * 2 + 1} requests\n${server.output()}`);
}

/** The v3 headers of a 429 and its body agree: RateLimit-*, X-RateLimit-*, Retry-After. */
function expectV3Refusal(r: Reply, limit: number): void {
  expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
  expect(r.headers.get('ratelimit-limit')).toBe(String(limit));
  expect(r.headers.get('ratelimit-remaining')).toBe('0');
  expect(Number(r.headers.get('ratelimit-reset'))).toBeGreaterThan(0);
  expect(r.headers.get('x-ratelimit-limit')).toBe(String(limit));
  expect(r.headers.get('x-ratelimit-remaining')).toBe('0');
  expect(Number(r.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000 - 1);
  const retry = Number(r.headers.get('retry-after'));
  expect(retry).toBeGreaterThanOrEqual(1);
  expect(retry).toBeLessThanOrEqual(60);
  expect(r.body).toMatchObject({ ok: false, reason: 'rate_limited', retry_after_seconds: retry, allowed: limit, plan: 'free' });
}

describe('the Next.js example (next build && next start)', () => {
  it('POST /api/chat: free clients get 5 a minute, then 429 with RateLimit-*, X-RateLimit-*, Retry-After and the upgrade hint', async () => {
    const client = { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.10' };
    const { allowed, refused } = await until429(5, () => call('/api/chat', { method: 'POST', headers: client, body: JSON.stringify({ message: 'hi' }) }));
    expect(allowed[0]!.body).toMatchObject({ reply: 'You said: hi' });
    expect(allowed[0]!.headers.get('ratelimit-limit')).toBe('5');
    expectV3Refusal(refused, 5);
    expect(refused.body).toMatchObject({ endpoint: 'POST|/api/chat', upgrade_hint: 'Upgrade to Pro for 10x the limit' });
    // The quota, counting nothing.
    const quota = await call('/api/chat', { headers: client });
    expect(quota.body).toMatchObject({ limit: 5, remaining: 0, plan: 'free', endpoint: 'POST|/api/chat' });
    // Another client, and a pro one, are counted apart.
    const other = await call('/api/chat', { method: 'POST', headers: { ...client, 'x-forwarded-for': '203.0.113.11', 'x-plan': 'pro' }, body: '{}' });
    expect(other.status).toBe(200);
    expect(other.headers.get('ratelimit-limit')).toBe('50');
  });

  it('GET /api/users/:id: every id shares one counter (the route template from the params)', async () => {
    const { allowed, refused } = await until429(3, (i) => call(`/api/users/${i + 1}`, { headers: { 'x-forwarded-for': '203.0.113.20' } }));
    expect(allowed[0]!.body).toEqual({ id: '1', name: 'User 1' });
    expectV3Refusal(refused, 3);
    expect(refused.body.endpoint).toBe('GET|/api/users/:id');
  });

  it('proxy.ts limits /api/proxied/* by template, its headers reaching the client on allowed responses', async () => {
    const { allowed, refused } = await until429(4, (i) => call(`/api/proxied/items/${i + 1}`, { headers: { 'x-forwarded-for': '203.0.113.30' } }));
    expect(allowed[0]!.body).toEqual({ item: '1' });
    expect(allowed[0]!.headers.get('ratelimit-limit')).toBe('4');
    expect(allowed[0]!.headers.get('x-middleware-next')).toBeNull();
    expectV3Refusal(refused, 4);
    expect(refused.body.endpoint).toBe('GET|/api/proxied/items/:id');
  });

  it('GET /api/edge (edge runtime): the IETF draft RateLimit and RateLimit-Policy fields, then 429 with Retry-After', async () => {
    const { allowed, refused } = await until429(3, () => call('/api/edge', { headers: { 'x-forwarded-for': '203.0.113.40' } }));
    expect(allowed[0]!.body).toEqual({ runtime: 'edge' });
    expect(allowed[0]!.headers.get('ratelimit-policy')).toBe('"rate-1m";q=3;w=60');
    expect(refused.headers.get('ratelimit')).toMatch(/^"rate-1m";r=0;t=\d+$/);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused.headers.get('ratelimit-limit')).toBeNull();
    expect(refused.body).toMatchObject({ reason: 'rate_limited', endpoint: 'GET|/api/edge' });
  });

  it('GET /api/legacy (Pages Router): counted by the socket address, then 429', async () => {
    const { refused } = await until429(3, () => call('/api/legacy'));
    expectV3Refusal(refused, 3);
    expect(refused.body.endpoint).toBe('GET|/api/legacy');
  });

  it('GET /limitrate: the inspector refuses a request without its token, then reports what the chat route counted', async () => {
    const refused = await call('/limitrate');
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect(refused.body).toMatchObject({ ok: false, code: 'ERR_LIMITRATE_UNAUTHORIZED' });
    expect((await call('/limitrate', { headers: { authorization: 'Bearer not-the-token' } })).status).toBe(401);
    // A pro client's 3 chats and a free client's until its refusal, each its own user.
    const pro = { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.30', 'x-plan': 'pro' };
    for (let i = 0; i < 3; i++) expect((await call('/api/chat', { method: 'POST', headers: pro, body: '{}' })).status).toBe(200);
    const free = { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.31' };
    const { allowed } = await until429(5, () => call('/api/chat', { method: 'POST', headers: free, body: '{}' }));
    const auth = { 'x-limitrate-token': INSPECTOR_TOKEN };
    // The route handler and the inspector route share one limiter: what one counted, the other reports.
    const proReport = await call('/limitrate?user=203.0.113.30', { headers: auth });
    expect(proReport.status).toBe(200);
    expect(proReport.body).toMatchObject({ source: { kind: 'process' }, totals: { requests: 3, allowed: 3, blocked: 0 } });
    expect(proReport.body.users).toEqual([expect.objectContaining({ user: '203.0.113.30', plan: 'pro', requests: 3 })]);
    const freeReport = await call('/limitrate?user=203.0.113.31&range=hour', { headers: { authorization: `Bearer ${INSPECTOR_TOKEN}` } });
    expect(freeReport.body).toMatchObject({ totals: { requests: allowed.length + 1, allowed: allowed.length, blocked: 1 } });
    expect(freeReport.body.endpoints).toEqual([expect.objectContaining({ endpoint: 'POST|/api/chat', requests: allowed.length + 1, blocked: 1 })]);
    expect(freeReport.body.recentBlocks).toEqual([expect.objectContaining({ user: '203.0.113.31', plan: 'free', endpoint: 'POST|/api/chat', message: 'Rate limit exceeded (5/5 used)' })]);
    // The inspector itself is neither limited nor counted.
    const again = await call('/limitrate?user=203.0.113.30', { headers: auth });
    expect(again.body).toMatchObject({ totals: { requests: 3 } });
  });

  it("POST /api/roadmap: the roadmap's example as written, on the edge runtime with Upstash", async () => {
    const { allowed, refused } = await until429(10, () => call('/api/roadmap', { method: 'POST' }));
    expect(allowed[0]!.body).toEqual({ ok: true, path: '/api/roadmap' });
    expectV3Refusal(refused, 10);
    expect(refused.body.endpoint).toBe('POST|/api/roadmap');
    // The counter lives in Redis, reached through the Upstash REST API.
    expect(await upstash.redis.client().keys('limitrate:*roadmap*')).toEqual(['limitrate:unknown:POST|/api/roadmap:r:fw:60000']);
  });
});
