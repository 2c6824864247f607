// The express-ai example over real HTTP: a user is refused with reason cost_exceeded once the
// hourly cap is spent, the token budget is settled at the actual usage (not the estimate),
// and enterprise caps are served and logged.
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock, type LimitRateEvent } from '@limitrate/core';
import type { LimitRateMiddleware } from '@limitrate/express';
import { createApp, listen } from '../src/app.js';
import { estimateCost, priceOf } from '../src/models.js';

// The limiter's clock, pinned at 10:45:00 UTC: the hourly cap resets in 15 minutes.
const T0 = Date.UTC(2026, 0, 1, 10, 45);
const events: LimitRateEvent[] = [];
const logs: string[] = [];
let server: Server;
let url: string;
let limiter: LimitRateMiddleware;

beforeAll(async () => {
  const created = createApp({
    log: (line) => logs.push(line),
    onEvent: (e) => events.push(e),
    modelDelayMs: 2,
    overrides: { clock: manualClock(T0), userOverrides: { 'acme-trial': { hourlyCap: 0.01 } } },
  });
  limiter = created.limiter;
  ({ server, url } = await listen(created.app, 0));
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await limiter.close();
});

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function chat(key: string | undefined, body: unknown): Promise<{ status: number; headers: Headers; body: Json }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (key !== undefined) headers.authorization = `Bearer ${key}`;
  const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Json };
}
const prompt = (model: string, chars: number, maxTokens: number) => ({ model, messages: [{ role: 'user', content: 'x'.repeat(chars) }], max_tokens: maxTokens });
async function usage(key: string): Promise<Json> {
  return (await (await fetch(`${url}/v1/usage`, { headers: { authorization: `Bearer ${key}` } })).json()) as Json;
}
/** The usage once the limiter has settled the last response (extractTokenUsage runs after it is sent). */
async function settled(key: string, tokens: number): Promise<Json> {
  for (let i = 0; i < 50; i++) {
    const u = await usage(key);
    if (u.tokens_this_minute.used === tokens) return u;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return usage(key);
}
const eventsOf = async (user: string) => {
  await limiter.limiter.events.flush();
  return events.filter((e) => e.user === user);
};

describe('cost caps', () => {
  // A 2,000-token prompt to claude-sonnet with max_tokens 1,000: estimated at $0.021, it
  // costs $0.006975 once the model has answered 65 tokens.
  const big = prompt('claude-sonnet', 8000, 1000);

  it('prices each request before it runs and settles it at the actual cost', async () => {
    expect(estimateCost(big)).toBeCloseTo(0.021, 9);
    const r = await chat('sk-free-alice', big);
    expect(r.status).toBe(200);
    expect(r.body.usage).toEqual({ prompt_tokens: 2000, completion_tokens: 65, total_tokens: 2065 });
    expect(r.body.billing).toEqual({ estimated_usd: 0.021, actual_usd: 0.006975, estimated_tokens: 3000 });
    expect(priceOf('claude-sonnet', 2000, 65)).toBeCloseTo(0.006975, 9);
    const u = await settled('sk-free-alice', 2065);
    expect(u.usd_this_hour).toEqual({ used: 0.006975, cap: 0.05, resets_in_seconds: 900 });
    expect(u.usd_today).toMatchObject({ used: 0.006975, cap: 0.2 });
    // The draft headers name every limit of the endpoint, spending caps in micro-dollars.
    expect(r.headers.get('ratelimit-policy')).toBe('"rate-1m";q=20;w=60, "tokens-1m";q=20000;qu="tokens";w=60, "cost-1h";q=50000;qu="usd-micros";w=3600, "cost-1d";q=200000;qu="usd-micros";w=86400');
  });

  it('blocks with reason cost_exceeded once the hourly cap is spent, and the 429 body names the cap', async () => {
    const statuses: number[] = [];
    let refused: Awaited<ReturnType<typeof chat>> | undefined;
    for (let i = 0; i < 10 && refused === undefined; i++) {
      const r = await chat('sk-free-alice', big);
      statuses.push(r.status);
      if (r.status !== 200) refused = r;
    }
    // 5 requests fit in $0.05 at their actual cost (5 x $0.006975 + the next estimate $0.021 > $0.05);
    // at the estimate alone only 2 would have.
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
    expect(refused!.headers.get('retry-after')).toBe('900');
    expect(refused!.body).toEqual({
      ok: false,
      reason: 'cost_exceeded',
      message: "Free plan's hourly spending cap of $0.05 on POST /v1/chat/completions would be exceeded by this request. Try again in 15 minutes.",
      retry_after_seconds: 900,
      used: 0.034875,
      allowed: 0.05,
      plan: 'free',
      endpoint: 'POST|/v1/chat/completions',
      upgrade_hint: 'Pro raises the caps to $2 an hour, $20 a day and 200,000 tokens a minute: https://example.com/pricing',
    });
    const exceeded = (await eventsOf('alice')).filter((e) => e.type === 'cost_exceeded');
    expect(exceeded).toEqual([expect.objectContaining({ limit: 'cost:1h', action: 'block', threshold: 0.05, retryAfterSeconds: 900 })]);
    expect(logs.some((l) => /cost_exceeded\s+free\/alice\s+cost:1h \$0\.055875 > \$0\.05 -> block, retry in 15m/.test(l))).toBe(true);

    // The cap is in dollars: a cheap request still fits.
    const small = await chat('sk-free-alice', prompt('gpt-4o-mini', 400, 200));
    expect(small.status).toBe(200);
  });

  it('serves enterprise requests over a cap and logs them (soft caps)', async () => {
    const key = 'sk-enterprise-acme-trial'; // overridden to $0.01 an hour
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await chat(key, prompt('gpt-4o', 4000, 500))).status);
    expect(statuses).toEqual([200, 200, 200, 200]);
    const over = (await eventsOf('acme-trial')).filter((e) => e.type === 'cost_exceeded');
    expect(over.length).toBeGreaterThan(0);
    expect(over.every((e) => e.type === 'cost_exceeded' && e.action === 'allow-and-log' && e.plan === 'enterprise')).toBe(true);
    expect((await usage(key)).usd_this_hour).toMatchObject({ used: 0.0126, cap: 0.01 });
  });
});

describe('token limits', () => {
  // gpt-4o-mini, a 4,000-token prompt with max_tokens 6,000: 10,000 tokens estimated, 4,065 used.
  const request = prompt('gpt-4o-mini', 16_000, 6000);

  it('charges the estimate up front and settles the token budget at the actual usage', async () => {
    const r = await chat('sk-free-carol', request);
    expect(r.status).toBe(200);
    expect(r.body.billing.estimated_tokens).toBe(10_000);
    expect(r.body.usage.total_tokens).toBe(4065);
    const u = await settled('sk-free-carol', 4065);
    expect(u.tokens_this_minute).toMatchObject({ used: 4065, limit: 20_000 });
    const recorded = (await eventsOf('carol')).filter((e) => e.type === 'usage_recorded');
    expect(recorded).toContainEqual(expect.objectContaining({ tokens: -5935 }));
  });

  it('refuses with token_limit_exceeded when the next estimate does not fit what was actually used', async () => {
    expect((await chat('sk-free-carol', request)).status).toBe(200);
    expect((await chat('sk-free-carol', request)).status).toBe(200); // 3 x 10,000 estimated would not have fit
    await settled('sk-free-carol', 3 * 4065);
    const refused = await chat('sk-free-carol', request);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({
      reason: 'token_limit_exceeded',
      message: 'Free plan allows 20,000 tokens per minute on POST /v1/chat/completions. Try again in 60 seconds.',
      used: 12_195,
      allowed: 20_000,
    });
    expect((await eventsOf('carol')).find((e) => e.type === 'token_limit_exceeded')).toMatchObject({ limit: 'tokens:1m', value: 22_195, threshold: 20_000, action: 'block' });
  });
});

describe('requests the model never sees', () => {
  it('answers 401 without a key and 400 for an unknown model, charging nothing', async () => {
    const anonymous = await chat(undefined, prompt('gpt-4o', 400, 100));
    expect(anonymous.status).toBe(401);
    const bad = await chat('sk-pro-bob', { model: 'gpt-5', messages: [{ role: 'user', content: 'hi' }] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/Unknown model "gpt-5"/);
    const u = await settled('sk-pro-bob', 0);
    expect(u).toMatchObject({ plan: 'pro', tokens_this_minute: { used: 0 }, usd_this_hour: { used: 0 } });
  });
});
