// The express-basic example over real HTTP: free is blocked with the v3 body, pro is slowed
// down but served, enterprise is always served and its overage logged.
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock, type LimitRateEvent } from '@limitrate/core';
import type { LimitRateMiddleware } from '@limitrate/express';
import { createApp, listen, type RequestRecord } from '../src/app.js';

// A test clock: the limiter's windows do not move while the test runs (12:00:00.250 UTC).
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0, 250);
const events: LimitRateEvent[] = [];
const logs: string[] = [];
const records: RequestRecord[] = [];
let server: Server;
let url: string;
let limiter: LimitRateMiddleware;

beforeAll(async () => {
  const created = createApp({
    log: (line) => logs.push(line),
    onEvent: (e) => events.push(e),
    onRequest: (r) => records.push(r),
    overrides: { clock: manualClock(T0) },
  });
  limiter = created.limiter;
  ({ server, url } = await listen(created.app, 0, '127.0.0.1'));
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await limiter.close();
});

interface Reply {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
  ms: number;
}

async function call(method: 'GET' | 'POST', path: string, who: { plan?: string; user?: string } = {}): Promise<Reply> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (who.plan !== undefined) headers['x-plan'] = who.plan;
  if (who.user !== undefined) headers['x-user-id'] = who.user;
  const started = performance.now();
  const res = await fetch(url + path, { method, headers, body: method === 'POST' ? JSON.stringify({ message: 'hello' }) : null });
  const body = (await res.json()) as Record<string, unknown>;
  return { status: res.status, headers: res.headers, body, ms: performance.now() - started };
}

const chat = (who: { plan?: string; user?: string }) => call('POST', '/api/chat', who);
const eventsOf = async (user: string) => {
  await limiter.limiter.events.flush();
  return events.filter((e) => e.user === user);
};

describe('free: blocked', () => {
  it('serves 10 chats a minute, then answers 429 with the v3 body and headers', async () => {
    const who = { plan: 'free', user: 'alice' };
    for (let i = 0; i < 10; i++) expect((await chat(who)).status).toBe(200);
    const refused = await chat(who);
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({
      ok: false,
      reason: 'rate_limited',
      message: 'Free plan allows 10 requests per minute on POST /api/chat. Try again in 60 seconds.',
      retry_after_seconds: 60,
      used: 10,
      allowed: 10,
      plan: 'free',
      endpoint: 'POST|/api/chat',
      upgrade_hint: 'Upgrade to Pro: over the limit, requests are slowed down instead of refused.',
    });
    // headers: 'both' = the IETF structured fields and X-RateLimit-*.
    expect(refused.headers.get('retry-after')).toBe('60');
    expect(refused.headers.get('ratelimit-policy')).toBe('"rate-1m";q=10;w=60');
    expect(refused.headers.get('ratelimit')).toBe('"rate-1m";r=0;t=60');
    expect(refused.headers.get('x-ratelimit-limit')).toBe('10');
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');

    const exceeded = (await eventsOf('alice')).filter((e) => e.type === 'rate_exceeded');
    expect(exceeded).toHaveLength(1);
    expect(exceeded[0]).toMatchObject({ plan: 'free', endpoint: 'POST|/api/chat', limit: 'rate:1m', action: 'block', value: 11, threshold: 10 });
    expect(logs.some((l) => l.includes('rate_exceeded') && l.includes('free/alice') && l.includes('-> block'))).toBe(true);
    expect(records.filter((r) => r.user === 'alice').map((r) => r.action)).toEqual([...Array<string>(10).fill('allow'), 'block']);
  });

  it('counts every user on their own, and the quota endpoint reports the chat limit', async () => {
    expect((await chat({ plan: 'free', user: 'bob' })).status).toBe(200);
    const quota = await call('GET', '/api/quota', { plan: 'free', user: 'alice' });
    expect(quota.status).toBe(200);
    expect(quota.body).toMatchObject({ used: 10, limit: 10, remaining: 0, plan: 'free', percentage: 100, endpoint: 'POST|/api/chat' });
  });

  it('limits GET /api/items/:id as one endpoint (5 per second under the defaults)', async () => {
    const who = { plan: 'free', user: 'mallory' };
    for (let id = 1; id <= 5; id++) expect((await call('GET', `/api/items/${id}`, who)).status).toBe(id <= 4 ? 200 : 404);
    const refused = await call('GET', '/api/items/1', who);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ reason: 'rate_limited', endpoint: 'GET|/api/items/:id', allowed: 5, retry_after_seconds: 1 });
    expect(refused.body.message).toBe('Free plan allows 5 requests per second on GET /api/items/:id. Try again in 1 second.');
  });

  it('counts a caller without x-user-id by IP, and gives an unknown plan the free limits', async () => {
    const r = await call('GET', '/api/items', { plan: 'platinum' });
    expect(r.status).toBe(200);
    expect(r.body.plan).toBe('free');
    const mine = await eventsOf('ip:127.0.0.1');
    expect(mine.find((e) => e.type === 'unknown_plan')).toMatchObject({ requestedPlan: 'platinum', handling: 'default' });
  });

  it('does not limit GET /health', async () => {
    const r = await call('GET', '/health');
    expect(r.status).toBe(200);
    expect(r.headers.get('ratelimit')).toBeNull();
  });
});

describe('pro: slowed down', () => {
  it('serves every chat, the sixth in a second after a 300 ms delay (plan from ?plan=)', async () => {
    const replies: Reply[] = [];
    for (let i = 0; i < 6; i++) replies.push(await call('POST', '/api/chat?plan=pro', { user: 'carol' }));
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(replies.every((r) => r.body.plan === 'pro')).toBe(true);
    expect(replies[5]!.ms).toBeGreaterThanOrEqual(280);

    const mine = await eventsOf('carol');
    expect(mine.filter((e) => e.type === 'slowdown_applied')).toEqual([expect.objectContaining({ plan: 'pro', endpoint: 'POST|/api/chat', value: 300 })]);
    expect(mine.find((e) => e.type === 'rate_exceeded')).toMatchObject({ limit: 'rate:1s', action: 'slowdown', value: 6, threshold: 5 });
    expect(logs.some((l) => l.includes('slowdown_applied') && l.includes('pro/carol') && l.includes('+300ms'))).toBe(true);
    expect(records.filter((r) => r.user === 'carol').map((r) => r.action)).toEqual(['allow', 'allow', 'allow', 'allow', 'allow', 'slowdown']);
  });
});

describe('enterprise: allowed and logged', () => {
  it('serves a burst of 30 chats (limit 20 per second) and logs the 10 over the limit', async () => {
    const who = { plan: 'enterprise', user: 'acme' };
    const replies = await Promise.all(Array.from({ length: 30 }, () => chat(who)));
    expect(replies.every((r) => r.status === 200)).toBe(true);

    const mine = await eventsOf('acme');
    const logged = mine.filter((e) => e.type === 'rate_exceeded');
    expect(logged).toHaveLength(10);
    expect(logged.every((e) => e.type === 'rate_exceeded' && e.action === 'allow-and-log' && e.limit === 'rate:1s')).toBe(true);
    expect(mine.filter((e) => e.type === 'allowed')).toHaveLength(20);
    expect(mine.some((e) => e.type === 'slowdown_applied')).toBe(false); // nobody waited
    expect(logs.filter((l) => l.includes('enterprise/acme') && l.includes('-> allow-and-log'))).toHaveLength(10);
    expect(records.filter((r) => r.user === 'acme' && r.action === 'allow-and-log')).toHaveLength(10);
  });
});
