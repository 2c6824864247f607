// RateLimiter.record (post-response reconciliation), reset, and user overrides.
import { describe, expect, it } from 'vitest';
import { manualClock } from './clock.js';
import type { RateLimiterConfig } from './config.js';
import type { LimitRateEvent } from './events/types.js';
import { RateLimiter } from './limiter.js';

const T0 = Date.UTC(2026, 0, 1);
function make<TReq = unknown>(config: Omit<RateLimiterConfig<TReq>, 'clock'>) {
  const clock = manualClock(T0);
  const events: LimitRateEvent[] = [];
  const limiter = new RateLimiter<TReq>({ ...config, clock, onEvent: (e) => void events.push(e) });
  return { limiter, clock, events };
}
const usedOf = async (limiter: RateLimiter, id: string, userId = 'u', extra: object = {}) =>
  (await limiter.peek({ userId, ...extra })).limits.find((l) => l.id === id)?.used;

describe('record: reconciling usage after the response', () => {
  const tokens = { policies: { free: { rate: { maxTokensPerMinute: 1000 }, cost: { dailyCap: 1 } } } };

  it('charges the difference between the actual and the estimated tokens', async () => {
    const { limiter, events } = make(tokens);
    const r = await limiter.check({ userId: 'u', tokens: 100 });
    expect(r.tokens).toBe(100);
    const rec = await limiter.record(r, { tokens: 350 });
    expect(rec).toMatchObject({ recorded: true, tokens: 250 });
    expect(await usedOf(limiter, 'tokens:1m')).toBe(350);
    await limiter.events.flush();
    expect(events.find((e) => e.type === 'usage_recorded')).toMatchObject({ tokens: 250, overLimit: false });
  });

  it('refunds an over-estimate', async () => {
    const { limiter } = make(tokens);
    const r = await limiter.check({ userId: 'u', tokens: 800, cost: 0.5 });
    await limiter.record(r, { tokens: 120, cost: 0.1 });
    expect(await usedOf(limiter, 'tokens:1m')).toBe(120);
    expect(await usedOf(limiter, 'cost:1d')).toBeCloseTo(0.1, 10);
  });

  it('is idempotent for the same actual usage', async () => {
    const { limiter } = make(tokens);
    const r = await limiter.check({ userId: 'u', tokens: 100 });
    await limiter.record(r, { tokens: 300 });
    await limiter.record(r, { tokens: 300 });
    expect(await usedOf(limiter, 'tokens:1m')).toBe(300);
  });

  it('does not refund into a later window', async () => {
    const { limiter, clock } = make(tokens);
    const r = await limiter.check({ userId: 'u', tokens: 900 });
    clock.advance(60_000);
    await limiter.check({ userId: 'u', tokens: 500 });
    await limiter.record(r, { tokens: 100 });
    expect(await usedOf(limiter, 'tokens:1m')).toBe(500);
  });

  it('can charge past the limit; the next request is then refused', async () => {
    const { limiter, events } = make(tokens);
    const r = await limiter.check({ userId: 'u' }); // token count unknown up front
    const rec = await limiter.record(r, { tokens: 1500 });
    expect(rec.limits[0]).toMatchObject({ used: 1500, remaining: 0 });
    expect((await limiter.check({ userId: 'u' })).allowed).toBe(false);
    await limiter.events.flush();
    expect(events.find((e) => e.type === 'usage_recorded')).toMatchObject({ overLimit: true });
  });

  it('reconciles through a copy of the result (spread or JSON) by its public fields', async () => {
    const { limiter } = make(tokens);
    const r = await limiter.check({ userId: 'u', tokens: 100, cost: 0.2 });
    const copy = JSON.parse(JSON.stringify(r)) as typeof r;
    await limiter.record(copy, { tokens: 150, cost: 0.05 });
    expect(await usedOf(limiter, 'tokens:1m')).toBe(150);
    expect(await usedOf(limiter, 'cost:1d')).toBeCloseTo(0.05, 10);
    expect(copy).toMatchObject({ tokens: 150, cost: 0.05 });
    await limiter.record(copy, { tokens: 150, cost: 0.05 });
    expect(await usedOf(limiter, 'tokens:1m')).toBe(150);
  });

  it('gives a counted request back (requests: 0), once, also through a copy', async () => {
    const { limiter } = make({ policies: { free: { rate: { maxPerMinute: 2 } } } });
    const r = await limiter.check({ userId: 'u' });
    expect(await usedOf(limiter, 'rate:1m')).toBe(1);
    expect(await limiter.record(r, { requests: 0 })).toMatchObject({ recorded: true, requests: -1 });
    expect(await usedOf(limiter, 'rate:1m')).toBe(0);
    expect((await limiter.record(r, { requests: 0 })).requests).toBe(0);
    const copy = JSON.parse(JSON.stringify(await limiter.check({ userId: 'u' }))) as typeof r;
    await limiter.record(copy, { requests: 0 });
    expect(await usedOf(limiter, 'rate:1m')).toBe(0);
  });

  it('does not give back a request that was refused (nothing was counted)', async () => {
    const { limiter } = make({ policies: { free: { rate: { maxPerMinute: 1 } } } });
    await limiter.check({ userId: 'u' });
    const refused = await limiter.check({ userId: 'u' });
    expect((await limiter.record(refused, { requests: 0 })).requests).toBe(0);
    expect(await usedOf(limiter, 'rate:1m')).toBe(1);
  });

  it('reports only what the policy counts (no token limit: no tokens charged)', async () => {
    const { limiter } = make({ policies: { free: { cost: { dailyCap: 1 } } } });
    const r = await limiter.checkCost({ userId: 'u', cost: 0.1 });
    expect(await limiter.record(r, { tokens: 50, cost: 0.2 })).toMatchObject({ tokens: 0, requests: 0 });
  });

  it('records against a request when there is no check result', async () => {
    const { limiter } = make(tokens);
    await limiter.record({ userId: 'u' }, { tokens: 40, cost: 0.25 });
    expect(await usedOf(limiter, 'tokens:1m')).toBe(40);
    expect(await usedOf(limiter, 'cost:1d')).toBeCloseTo(0.25, 10);
  });

  it('charges in full for a refused request that ran anyway', async () => {
    const { limiter } = make({ policies: { free: { rate: { maxPerMinute: 1, maxTokensPerMinute: 1000 } } } });
    await limiter.check({ userId: 'u' });
    const blocked = await limiter.check({ userId: 'u', tokens: 10 });
    expect(blocked.allowed).toBe(false);
    await limiter.record(blocked, { tokens: 10 });
    expect(await usedOf(limiter, 'tokens:1m')).toBe(10);
  });

  it('does nothing when there is nothing to reconcile', async () => {
    const { limiter } = make({ policies: { free: { rate: { maxPerMinute: 5 } } } });
    const r = await limiter.check({ userId: 'u' });
    expect(await limiter.record(r, { tokens: 100 })).toEqual({ recorded: true, tokens: 0, cost: 0, requests: 0, limits: [] });
  });

  it('rejects bad usage values', async () => {
    const { limiter } = make(tokens);
    const r = await limiter.check({ userId: 'u' });
    await expect(limiter.record(r, { tokens: -5 })).rejects.toMatchObject({ code: 'ERR_LIMITRATE_INVALID_REQUEST' });
    await expect(limiter.record({} as never, { tokens: 5 })).rejects.toMatchObject({ code: 'ERR_LIMITRATE_INVALID_REQUEST' });
  });
});

describe('re-entrant checks', () => {
  it('an estimateCost that checks the limiter again does not confuse the outer check', async () => {
    const clock = manualClock(T0);
    const inner: { limiter?: RateLimiter<{ nested: boolean }> } = {};
    const limiter = new RateLimiter<{ nested: boolean }>({
      clock,
      policies: {
        free: {
          endpoints: { 'POST|/outer': { rate: { maxPerMinute: 5 }, cost: { dailyCap: 1, estimateCost: () => (inner.limiter!.checkNow({ userId: 'someone-else', endpoint: 'GET|/inner', tokens: 1 }), 0.1) } } },
          defaults: { rate: { maxPerMinute: 5 } },
        },
      },
    });
    inner.limiter = limiter;
    const r = await limiter.check({ userId: 'outer-user', endpoint: 'POST|/outer' });
    expect(r.user).toBe('outer-user');
    expect(r.limits.every((l) => l.key.startsWith('outer-user:'))).toBe(true);
    expect(r.cost).toBeCloseTo(0.1, 10);
  });
});

describe('reset', () => {
  const config = {
    policies: {
      free: { endpoints: { 'GET|/users/:id': { rate: { maxPerMinute: 1 } } }, defaults: { rate: { maxPerMinute: 1 } } },
      pro: { endpoints: { 'GET|/users/*': { rate: { maxPerMinute: 1 } } } },
    },
  };
  const exhaust = async (limiter: RateLimiter, userId: string, endpoint: string, plan = 'free') => {
    await limiter.check({ userId, endpoint, plan });
    expect((await limiter.check({ userId, endpoint, plan })).allowed).toBe(false);
  };

  it('by user, across endpoints', async () => {
    const { limiter } = make(config);
    await exhaust(limiter, 'a', 'GET|/x');
    await exhaust(limiter, 'a', 'GET|/y');
    await exhaust(limiter, 'b', 'GET|/x');
    expect(await limiter.reset({ userId: 'a' })).toBe(2);
    expect((await limiter.check({ userId: 'a', endpoint: 'GET|/x' })).allowed).toBe(true);
    expect((await limiter.check({ userId: 'b', endpoint: 'GET|/x' })).allowed).toBe(false);
  });

  it('by endpoint, for every user, including the template and wildcard it falls under', async () => {
    const { limiter } = make(config);
    await exhaust(limiter, 'a', 'GET|/users/1');
    await exhaust(limiter, 'b', 'GET|/users/2', 'pro');
    await exhaust(limiter, 'c', 'GET|/x');
    expect(await limiter.reset({ endpoint: 'GET|/users/9' })).toBe(2);
    expect((await limiter.check({ userId: 'a', endpoint: 'GET|/users/1' })).allowed).toBe(true);
    expect((await limiter.check({ userId: 'b', endpoint: 'GET|/users/1', plan: 'pro' })).allowed).toBe(true);
    expect((await limiter.check({ userId: 'c', endpoint: 'GET|/x' })).allowed).toBe(false);
  });

  it('by user and endpoint, by key, and everything', async () => {
    const { limiter } = make(config);
    await exhaust(limiter, 'a', 'GET|/x');
    await exhaust(limiter, 'a', 'GET|/y');
    expect(await limiter.reset({ userId: 'a', endpoint: 'GET|/x' })).toBe(1);
    const blocked = await limiter.check({ userId: 'a', endpoint: 'GET|/y' });
    expect(await limiter.reset({ key: blocked.limits[0]!.key })).toBe(1);
    await exhaust(limiter, 'z', 'GET|/q');
    expect(await limiter.reset({ all: true })).toBeGreaterThan(0);
    expect((await limiter.check({ userId: 'z', endpoint: 'GET|/q' })).allowed).toBe(true);
  });

  it('keeps users with hostile ids apart', async () => {
    const { limiter } = make(config);
    const ids = ['a:b', 'a', 'a*', 'a:*', '{a}', '', 'ü', 'a b', 'x'.repeat(10_000)];
    for (const id of ids) await exhaust(limiter, id, 'GET|/x');
    expect(await limiter.reset({ userId: 'a' })).toBe(1);
    for (const id of ids.filter((i) => i !== 'a')) expect((await limiter.check({ userId: id, endpoint: 'GET|/x' })).allowed).toBe(false);
    expect(await limiter.reset({ userId: 'a*' })).toBe(1);
    expect((await limiter.check({ userId: 'a:*', endpoint: 'GET|/x' })).allowed).toBe(false);
  });

  it('needs a target', async () => {
    const { limiter } = make(config);
    await expect(limiter.reset({} as never)).rejects.toMatchObject({ code: 'ERR_LIMITRATE_INVALID_REQUEST' });
  });
});

describe('user overrides', () => {
  const policies = { free: { endpoints: { 'POST|/api/chat': { rate: { maxPerMinute: 2 } } }, defaults: { rate: { maxPerMinute: 2 } } } };

  it('static overrides replace the plan fields for that user', async () => {
    const { limiter } = make({ policies, userOverrides: { vip: { maxPerMinute: 5, reason: 'trial' } } });
    let allowed = 0;
    for (let i = 0; i < 10; i++) if ((await limiter.check({ userId: 'vip', endpoint: 'POST|/api/chat' })).allowed) allowed++;
    expect(allowed).toBe(5);
    allowed = 0;
    for (let i = 0; i < 10; i++) if ((await limiter.check({ userId: 'regular', endpoint: 'POST|/api/chat' })).allowed) allowed++;
    expect(allowed).toBe(2);
  });

  it('an endpoint entry replaces the top-level override for that endpoint', async () => {
    const { limiter } = make({ policies, userOverrides: { vip: { maxPerMinute: 5, endpoints: { 'POST|/api/chat': { maxPerMinute: 1 } } } } });
    expect((await limiter.check({ userId: 'vip', endpoint: 'POST|/api/chat' })).limit).toBe(1);
    expect((await limiter.check({ userId: 'vip', endpoint: 'GET|/other' })).limit).toBe(5);
  });

  it('adds limits the plan does not have (tokens, caps, other windows)', async () => {
    const { limiter } = make({ policies, userOverrides: { vip: { maxPerHour: 100, maxTokensPerDay: 5000, dailyCap: 2 } } });
    const r = await limiter.check({ userId: 'vip', endpoint: 'GET|/x', tokens: 10, cost: 0.5 });
    expect(r.limits.map((l) => [l.id, l.limit])).toEqual([
      ['rate:1m', 2],
      ['rate:1h', 100],
      ['tokens:1d', 5000],
      ['cost:1d', 2],
    ]);
  });

  it('async getUserOverride is used when no static override exists (static wins)', async () => {
    const calls: string[] = [];
    const { limiter } = make<{ id: string }>({
      policies,
      userOverrides: { vip: { maxPerMinute: 3 } },
      getUserOverride: async (userId, req) => {
        calls.push(`${userId}:${req.id}`);
        return userId === 'dyn' ? { maxPerMinute: 4 } : null;
      },
    });
    expect((await limiter.check({ userId: 'vip', raw: { id: 'r1' } })).limit).toBe(3);
    expect((await limiter.check({ userId: 'dyn', raw: { id: 'r2' } })).limit).toBe(4);
    expect((await limiter.check({ userId: 'plain', raw: { id: 'r3' } })).limit).toBe(2);
    expect(calls).toEqual(['dyn:r2', 'plain:r3']);
  });

  it('does not put limits on endpoints the plan leaves unlimited', async () => {
    const { limiter } = make({
      policies: { free: { endpoints: { 'GET|/health': {}, 'POST|/api': { rate: { maxPerMinute: 2 } } } } },
      userOverrides: { vip: { maxPerMinute: 100 } },
    });
    expect((await limiter.check({ userId: 'vip', endpoint: 'GET|/health' })).limits).toEqual([]);
    expect((await limiter.check({ userId: 'vip', endpoint: 'GET|/no-policy' })).limits).toEqual([]);
    expect((await limiter.check({ userId: 'vip', endpoint: 'POST|/api' })).limit).toBe(100);
  });

  it('falls back to the plan when getUserOverride throws, times out or returns garbage', async () => {
    for (const fn of [
      () => {
        throw new Error('db down');
      },
      () => new Promise<never>(() => {}),
      () => ({ maxPerMinute: -3 }),
      () => Promise.reject(new Error('nope')),
    ]) {
      const { limiter, events } = make({ policies, getUserOverride: fn as never, userOverrideTimeoutMs: 20 });
      const r = await limiter.check({ userId: 'u', endpoint: 'GET|/x' });
      expect(r).toMatchObject({ allowed: true, limit: 2, degraded: true });
      expect(r.error?.code).toMatch(/^ERR_LIMITRATE_CALLBACK/);
      await limiter.events.flush();
      expect(events.find((e) => e.type === 'callback_error')).toMatchObject({ callback: 'getUserOverride', fallback: 'applied the plan limits' });
    }
  });
});
