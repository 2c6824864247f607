// The fastify-basic example: `pnpm start` run for real in a child process and driven to a
// 429 over HTTP; then the app in-process on a test clock, plan by plan: free is blocked with
// the v3 body, pro slowed down and served, enterprise served and its overage logged.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock, type LimitRateEvent } from '@limitrate/core';
import { buildApp } from '../src/app.js';

const HERE = fileURLToPath(new URL('..', import.meta.url));

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

async function call(base: string, method: 'GET' | 'POST', path: string, who: { plan?: string; user?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (method === 'POST') headers['content-type'] = 'application/json';
  if (who.plan !== undefined) headers['x-plan'] = who.plan;
  if (who.user !== undefined) headers['x-user-id'] = who.user;
  const res = await fetch(base + path, { method, headers, body: method === 'POST' ? JSON.stringify({ message: 'hello' }) : null });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

describe('pnpm start (src/server.ts in a child process)', () => {
  it('serves on the port given, answers 429 with the v3 body and headers, logs the event, and stops on SIGTERM', async () => {
    const child: ChildProcessByStdio<null, Readable, Readable> = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      cwd: HERE,
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const killer = setTimeout(() => child.kill('SIGKILL'), 25_000);
    try {
      const base = await new Promise<string>((resolve, reject) => {
        const seen = () => {
          const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
          if (m !== null) resolve(m[1]!);
        };
        child.stdout.on('data', seen);
        void exited.then((code) => reject(new Error(`server exited (${code}) before listening: ${stderr}`)));
      });
      expect((await call(base, 'GET', '/health')).body).toEqual({ ok: true });
      // Ten chats a minute on the real clock: a minute may turn over once, so go on until the 429.
      let refused: Answer | undefined;
      for (let i = 0; i < 25 && refused === undefined; i++) {
        const r = await call(base, 'POST', '/api/chat', { plan: 'free', user: 'alice' });
        if (r.status === 429) refused = r;
        else expect(r.status).toBe(200);
      }
      expect(refused).toBeDefined();
      const retry = Number(refused!.headers.get('retry-after'));
      expect(retry).toBeGreaterThanOrEqual(1);
      expect(retry).toBeLessThanOrEqual(60);
      expect(refused!.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(refused!.headers.get('ratelimit-policy')).toBe('"rate-1m";q=10;w=60');
      expect(refused!.headers.get('ratelimit')).toBe(`"rate-1m";r=0;t=${retry}`);
      expect(refused!.headers.get('x-ratelimit-limit')).toBe('10');
      expect(refused!.headers.get('x-ratelimit-remaining')).toBe('0');
      expect(refused!.body).toMatchObject({ ok: false, reason: 'rate_limited', retry_after_seconds: retry, used: 10, allowed: 10, plan: 'free', endpoint: 'POST|/api/chat' });
      expect(refused!.body.upgrade_hint).toMatch(/Upgrade to Pro/);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(stdout).toMatch(/\[limitrate\] rate_exceeded free\/alice POST\|\/api\/chat rate:1m 11\/10 -> block \(retry in \d+s\)/);
      expect(stdout).toContain('Server and limiter closed.');
      expect(stderr).toBe('');
    } finally {
      clearTimeout(killer);
      child.kill('SIGKILL');
    }
  });
});

describe('the app on a test clock', () => {
  // The limiter's windows do not move while the tests run (12:00:00.250 UTC).
  const events: LimitRateEvent[] = [];
  const logs: string[] = [];
  let app: FastifyInstance;
  let base: string;

  beforeAll(async () => {
    app = await buildApp({ log: (line) => logs.push(line), onEvent: (e) => events.push(e), overrides: { clock: manualClock(Date.UTC(2026, 0, 1, 12, 0, 0, 250)) } });
    base = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => app.close());

  const of = async (user: string) => {
    await app.limitrate.limiter.events.flush();
    return events.filter((e) => e.user === user);
  };

  it('free: 10 chats a minute, then 429 with the v3 body, IETF and X- headers, and a quota that says so', async () => {
    const who = { plan: 'free', user: 'alice' };
    for (let i = 0; i < 10; i++) expect((await call(base, 'POST', '/api/chat', who)).status).toBe(200);
    const refused = await call(base, 'POST', '/api/chat', who);
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
    expect(refused.headers.get('retry-after')).toBe('60');
    expect(refused.headers.get('ratelimit')).toBe('"rate-1m";r=0;t=60');
    const quota = await call(base, 'GET', '/api/quota', who);
    expect(quota.body).toMatchObject({ used: 10, limit: 10, remaining: 0, percentage: 100, endpoint: 'POST|/api/chat' });
    expect(quota.headers.get('ratelimit')).toBeNull(); // the quota route is not limited
    expect((await of('alice')).filter((e) => e.type === 'rate_exceeded')).toEqual([expect.objectContaining({ limit: 'rate:1m', action: 'block', value: 11, threshold: 10 })]);
    expect(logs).toContain('[limitrate] rate_exceeded free/alice POST|/api/chat rate:1m 11/10 -> block (retry in 60s)');
  });

  it('free: GET /api/items/:id is one endpoint (5 per second), and an unknown plan gets the free limits', async () => {
    const who = { plan: 'platinum', user: 'mallory' };
    for (let id = 1; id <= 5; id++) expect((await call(base, 'GET', `/api/items/${id}`, who)).status).toBe(id <= 3 ? 200 : 404);
    const refused = await call(base, 'GET', '/api/items/1', who);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ endpoint: 'GET|/api/items/:id', allowed: 5, plan: 'free' });
    expect((await of('mallory')).some((e) => e.type === 'unknown_plan')).toBe(true);
  });

  it('pro: the sixth chat in a second is slowed down by 300 ms and served (plan from ?plan=)', async () => {
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await call(base, 'POST', '/api/chat?plan=pro', { user: 'carol' })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);
    const mine = await of('carol');
    expect(mine.filter((e) => e.type === 'slowdown_applied')).toEqual([expect.objectContaining({ plan: 'pro', value: 300 })]);
  });

  it('enterprise: a burst of 30 chats is all served, the 10 over 20 a second logged', async () => {
    const replies = await Promise.all(Array.from({ length: 30 }, () => call(base, 'POST', '/api/chat', { plan: 'enterprise', user: 'acme' })));
    expect(replies.every((r) => r.status === 200)).toBe(true);
    const logged = (await of('acme')).filter((e) => e.type === 'rate_exceeded');
    expect(logged).toHaveLength(10);
    expect(logged.every((e) => e.type === 'rate_exceeded' && e.action === 'allow-and-log')).toBe(true);
  });

  it('route config: /health is not limited, POST /api/export has limits of its own (2 an hour on free)', async () => {
    for (let i = 0; i < 10; i++) expect((await call(base, 'GET', '/health')).headers.get('ratelimit')).toBeNull();
    const who = { user: 'dana' };
    const first = await call(base, 'POST', '/api/export', who);
    expect(first.headers.get('ratelimit-policy')).toBe('"rate-1h";q=2;w=3600');
    expect((await call(base, 'POST', '/api/export', who)).status).toBe(200);
    const refused = await call(base, 'POST', '/api/export', who);
    expect(refused.status).toBe(429);
    expect(refused.body.message).toBe('Free plan allows 2 requests per hour on POST /api/export. Try again in 60 minutes.');
  });
});
