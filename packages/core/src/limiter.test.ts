// RateLimiter.check / checkCost / peek: plans, endpoints, several windows, tokens, cost
// caps, actions, dry run, all-or-nothing sets, lifecycle. Concurrency: limiter-concurrency.test.ts.
import { describe, expect, it } from 'vitest';
import { manualClock } from './clock.js';
import type { RateLimiterConfig } from './config.js';
import type { LimitRateEvent } from './events/types.js';
import { RateLimiter } from './limiter.js';
import { MemoryStore } from './stores/memory.js';
import type { Store } from './stores/types.js';
import type { RateLimitRequest } from './types.js';

const T0 = Date.UTC(2026, 0, 1); // aligned to every window
function make(config: Omit<RateLimiterConfig, 'clock'>) {
  const clock = manualClock(T0);
  const events: LimitRateEvent[] = [];
  const limiter = new RateLimiter({ ...config, clock, onEvent: (e) => void events.push(e) });
  return { limiter, clock, events };
}
const times = async (n: number, f: () => Promise<{ allowed: boolean }>) => {
  const out: boolean[] = [];
  for (let i = 0; i < n; i++) out.push((await f()).allowed);
  return out;
};

describe('plans and endpoints', () => {
  const config = {
    policies: {
      free: {
        endpoints: { 'POST|/api/chat': { rate: { maxPerMinute: 3 } }, 'GET|/users/:id': { rate: { maxPerSecond: 2 } } },
        defaults: { rate: { maxPerMinute: 5 } },
      },
      pro: { rate: { maxPerMinute: 100 } },
    },
  } satisfies Omit<RateLimiterConfig, 'clock'>;

  it('applies the endpoint rule, then blocks with the decision', async () => {
    const { limiter } = make(config);
    const req: RateLimitRequest = { userId: 'u1', plan: 'free', endpoint: 'POST|/api/chat' };
    expect(await times(3, () => limiter.check(req))).toEqual([true, true, true]);
    const r = await limiter.check(req);
    expect(r).toMatchObject({
      allowed: false,
      action: 'block',
      reason: 'rate_limited',
      current: 3,
      limit: 3,
      remaining: 0,
      retryAfter: 60,
      resetInSeconds: 60,
      plan: 'free',
      endpoint: 'POST|/api/chat',
      policy: 'POST|/api/chat',
    });
    expect(r.blockedBy).toMatchObject({ id: 'rate:1m', kind: 'rate', window: '1m', exceeded: true, retryAfterSeconds: 60 });
  });

  it('counts each user and each plan rule separately', async () => {
    const { limiter } = make(config);
    for (let i = 0; i < 3; i++) await limiter.check({ userId: 'a', endpoint: 'POST|/api/chat' });
    expect((await limiter.check({ userId: 'a', endpoint: 'POST|/api/chat' })).allowed).toBe(false);
    expect((await limiter.check({ userId: 'b', endpoint: 'POST|/api/chat' })).allowed).toBe(true);
    // Upgrading keeps the count (usage is usage) but the pro limit applies.
    expect((await limiter.check({ userId: 'a', plan: 'pro', endpoint: 'POST|/api/chat' })).allowed).toBe(true);
  });

  it('shares one counter across a route template', async () => {
    const { limiter } = make(config);
    expect((await limiter.check({ userId: 'u', endpoint: 'GET|/users/1' })).allowed).toBe(true);
    expect((await limiter.check({ userId: 'u', endpoint: 'GET|/users/2' })).allowed).toBe(true);
    const r = await limiter.check({ userId: 'u', endpoint: '/users/3', method: 'get' });
    expect(r).toMatchObject({ allowed: false, policy: 'GET|/users/:id' });
  });

  it('gives each endpoint its own defaults budget', async () => {
    const { limiter } = make(config);
    expect(await times(6, () => limiter.check({ userId: 'u', endpoint: 'GET|/a' }))).toEqual([true, true, true, true, true, false]);
    expect((await limiter.check({ userId: 'u', endpoint: 'GET|/b' })).allowed).toBe(true);
  });

  it('resets after the window', async () => {
    const { limiter, clock } = make(config);
    for (let i = 0; i < 3; i++) await limiter.check({ userId: 'u', endpoint: 'POST|/api/chat' });
    clock.advance(59_999);
    expect((await limiter.check({ userId: 'u', endpoint: 'POST|/api/chat' })).allowed).toBe(false);
    clock.advance(1);
    expect((await limiter.check({ userId: 'u', endpoint: 'POST|/api/chat' })).allowed).toBe(true);
  });

  it('uses free, or the first plan, as the default plan', async () => {
    expect(make(config).limiter.defaultPlan).toBe('free');
    expect(make({ policies: { basic: { rate: { maxPerSecond: 1 } }, gold: {} } }).limiter.defaultPlan).toBe('basic');
    expect(make({ ...config, defaultPlan: 'pro' }).limiter.defaultPlan).toBe('pro');
  });

  it('handles unknown plans as configured, always with an event', async () => {
    const def = make(config);
    const r = await def.limiter.check({ userId: 'u', plan: 'platinum', endpoint: 'POST|/api/chat' });
    expect(r).toMatchObject({ allowed: true, plan: 'free', policy: 'POST|/api/chat' });
    await def.limiter.events.flush();
    expect(def.events.find((e) => e.type === 'unknown_plan')).toMatchObject({ requestedPlan: 'platinum', handling: 'default' });

    const allow = make({ ...config, onUnknownPlan: 'allow' });
    expect(await allow.limiter.check({ userId: 'u', plan: 'x' })).toMatchObject({ allowed: true, reason: 'unknown_plan', limits: [] });
    const block = make({ ...config, onUnknownPlan: 'block' });
    expect(await block.limiter.check({ userId: 'u', plan: 'x' })).toMatchObject({ allowed: false, action: 'block', reason: 'unknown_plan' });
  });

  it('lets requests without a matching policy through, unlimited', async () => {
    const { limiter } = make({ policies: { free: { endpoints: { 'POST|/x': { rate: { maxPerSecond: 1 } } } } } });
    const r = await limiter.check({ userId: 'u', endpoint: 'GET|/y' });
    expect(r).toMatchObject({ allowed: true, limits: [], limit: Infinity, remaining: Infinity, policy: '' });
  });

  it('rejects malformed requests with a coded error', async () => {
    const { limiter } = make(config);
    await expect(limiter.check({ userId: 42 as unknown as string })).rejects.toMatchObject({ code: 'ERR_LIMITRATE_INVALID_REQUEST' });
    await expect(limiter.check(null as unknown as RateLimitRequest)).rejects.toMatchObject({ code: 'ERR_LIMITRATE_INVALID_REQUEST' });
    await expect(limiter.check({ userId: 'u', tokens: -1 })).rejects.toMatchObject({ code: 'ERR_LIMITRATE_INVALID_REQUEST' });
    await expect(limiter.check({ userId: 'u', cost: Number.NaN })).rejects.toMatchObject({ code: 'ERR_LIMITRATE_INVALID_REQUEST' });
  });
});

describe('several limits in one request', () => {
  it('enforces every window of a rule', async () => {
    const { limiter, clock } = make({ policies: { free: { rate: { maxPerSecond: 2, maxPerMinute: 3 } } } });
    const req = { userId: 'u', endpoint: 'GET|/x' };
    expect(await times(3, () => limiter.check(req))).toEqual([true, true, false]);
    clock.advance(1000);
    const r = await limiter.check(req);
    expect(r.allowed).toBe(true);
    const blocked = await limiter.check(req);
    expect(blocked).toMatchObject({ allowed: false, blockedBy: { id: 'rate:1m' }, retryAfter: 59 });
  });

  it('adds burst on top of each window (v3 semantics)', async () => {
    const { limiter } = make({ policies: { free: { rate: { maxPerMinute: 2, burst: 3 } } } });
    expect(await times(6, () => limiter.check({ userId: 'u' }))).toEqual([true, true, true, true, true, false]);
  });

  it('is all-or-nothing: a refused cost cap consumes no request budget', async () => {
    const { limiter } = make({ policies: { free: { rate: { maxPerMinute: 10 }, cost: { hourlyCap: 0.01 } } } });
    const r1 = await limiter.check({ userId: 'u', cost: 0.008 });
    expect(r1.allowed).toBe(true);
    const r2 = await limiter.check({ userId: 'u', cost: 0.005 });
    expect(r2).toMatchObject({ allowed: false, reason: 'cost_exceeded', cost: 0 });
    expect(r2.limits.find((l) => l.kind === 'rate')).toMatchObject({ used: 1, remaining: 9 });
    expect(r2.blockedBy).toMatchObject({ unit: 'usd', limit: 0.01, used: 0.008 });
  });

  it('names the limit with the longest wait when several block', async () => {
    const { limiter } = make({ policies: { free: { rate: { maxPerSecond: 1, maxPerDay: 1 } } } });
    await limiter.check({ userId: 'u' });
    const r = await limiter.check({ userId: 'u' });
    expect(r.blockedBy?.id).toBe('rate:1d');
  });

  it('weights token limits by the token count and probes when it is unknown', async () => {
    const { limiter } = make({ policies: { free: { rate: { maxPerMinute: 100, maxTokensPerMinute: 1000 } } } });
    expect((await limiter.check({ userId: 'u', tokens: 600 })).allowed).toBe(true);
    const r = await limiter.check({ userId: 'u', tokens: 600 });
    expect(r).toMatchObject({ allowed: false, reason: 'token_limit_exceeded', blockedBy: { id: 'tokens:1m', used: 600, remaining: 400 } });
    // Unknown count: admitted while there is room, charges nothing.
    const probe = await limiter.check({ userId: 'u' });
    expect(probe).toMatchObject({ allowed: true, tokens: 0 });
    expect(probe.limits.find((l) => l.kind === 'tokens')?.used).toBe(600);
    expect((await limiter.check({ userId: 'u', tokens: 400 })).allowed).toBe(true);
    expect((await limiter.check({ userId: 'u' })).allowed).toBe(false);
  });

  it('never admits a request larger than a limit and says so', async () => {
    const { limiter } = make({ policies: { free: { rate: { maxTokensPerMinute: 100 } } } });
    const r = await limiter.check({ userId: 'u', tokens: 101 });
    expect(r).toMatchObject({ allowed: false, blockedBy: { exceedsCapacity: true } });
    expect(r.blockedBy?.retryAfterSeconds).toBeUndefined();
    // Waiting cannot help, so there is no retry time (adapters send no Retry-After).
    expect(r.retryAfter).toBeUndefined();
  });

  it('names the oversized limit even when another limit has a long wait', async () => {
    const { limiter } = make({ policies: { free: { rate: { maxPerDay: 1, maxTokensPerMinute: 100 } } } });
    await limiter.check({ userId: 'u', tokens: 1 });
    const r = await limiter.check({ userId: 'u', tokens: 500 });
    expect(r.blockedBy).toMatchObject({ id: 'tokens:1m', exceedsCapacity: true });
    expect(r.retryAfter).toBeUndefined();
    expect(r.limits.find((l) => l.id === 'rate:1d')?.retryAfterSeconds).toBeGreaterThan(0);
  });

  it('keeps cost sums exact in micro-dollars', async () => {
    const { limiter } = make({ policies: { free: { cost: { dailyCap: 0.3 } } } });
    // 0.1 + 0.2 !== 0.3 in floating point; the cap must still admit exactly 0.3.
    expect((await limiter.check({ userId: 'u', cost: 0.1 })).allowed).toBe(true);
    expect((await limiter.check({ userId: 'u', cost: 0.2 })).allowed).toBe(true);
    const full = await limiter.check({ userId: 'u', cost: 0.000001 });
    expect(full).toMatchObject({ allowed: false, reason: 'cost_exceeded' });
    expect(full.blockedBy?.used).toBe(0.3);
  });

  it('enforces hourly and daily caps together (v3 enforced only the daily one)', async () => {
    const { limiter, clock } = make({ policies: { free: { cost: { hourlyCap: 1, dailyCap: 1.5 } } } });
    expect((await limiter.check({ userId: 'u', cost: 1 })).allowed).toBe(true);
    expect((await limiter.check({ userId: 'u', cost: 0.1 })).blockedBy?.id).toBe('cost:1h');
    clock.advance(3_600_000);
    expect((await limiter.check({ userId: 'u', cost: 0.5 })).allowed).toBe(true);
    expect((await limiter.check({ userId: 'u', cost: 0.1 })).blockedBy?.id).toBe('cost:1d');
  });

  it('estimates cost with the rule callback, given the raw request', async () => {
    const seen: unknown[] = [];
    const clock = manualClock(T0);
    const limiter = new RateLimiter<{ prompt: string }>({
      clock,
      policies: { free: { cost: { hourlyCap: 0.001, estimateCost: (req) => (seen.push(req), req.prompt.length * 0.0001) } } },
    });
    expect((await limiter.check({ userId: 'u', raw: { prompt: 'hello' } })).cost).toBeCloseTo(0.0005, 10);
    expect((await limiter.check({ userId: 'u', raw: { prompt: 'hello!' } })).allowed).toBe(false);
    expect(seen).toEqual([{ prompt: 'hello' }, { prompt: 'hello!' }]);
  });

  it('checkCost checks only the caps', async () => {
    const { limiter } = make({ policies: { free: { rate: { maxPerMinute: 1 }, cost: { hourlyCap: 1 } } } });
    await limiter.check({ userId: 'u', cost: 0.1 });
    const r = await limiter.checkCost({ userId: 'u', cost: 0.2 });
    expect(r.allowed).toBe(true);
    expect(r.limits.map((l) => l.id)).toEqual(['cost:1h']);
    expect(r.limits[0]?.used).toBeCloseTo(0.3, 10);
  });
});

describe('actions and dry run', () => {
  it('slowdown lets the request through with a delay, counts it, and emits', async () => {
    const { limiter, events } = make({ policies: { pro: { rate: { maxPerMinute: 1, actionOnExceed: 'slowdown', slowdownMs: 250 } } } });
    await limiter.check({ userId: 'u' });
    const r = await limiter.check({ userId: 'u' });
    expect(r).toMatchObject({ allowed: true, action: 'slowdown', slowdownMs: 250, reason: 'rate_limited', current: 2, limit: 1, remaining: 0 });
    await limiter.events.flush();
    expect(events.map((e) => e.type)).toEqual(['allowed', 'rate_exceeded', 'slowdown_applied']);
    expect(events[1]).toMatchObject({ value: 2, threshold: 1, window: '1m', action: 'slowdown' });
  });

  it('allow-and-log lets the request through and reports', async () => {
    const { limiter, events } = make({ policies: { ent: { rate: { maxPerMinute: 1, actionOnExceed: 'allow-and-log' } } } });
    await limiter.check({ userId: 'u' });
    expect(await limiter.check({ userId: 'u' })).toMatchObject({ allowed: true, action: 'allow-and-log', slowdownMs: 0 });
    await limiter.events.flush();
    expect(events.filter((e) => e.type === 'rate_exceeded')).toHaveLength(1);
  });

  it('block wins over slowdown when both are exceeded', async () => {
    const { limiter } = make({
      policies: { free: { rate: { maxPerMinute: 1, actionOnExceed: 'slowdown', slowdownMs: 100 }, cost: { hourlyCap: 0.001 } } },
    });
    await limiter.check({ userId: 'u', cost: 0.001 });
    expect(await limiter.check({ userId: 'u', cost: 0.001 })).toMatchObject({ allowed: false, action: 'block', reason: 'cost_exceeded' });
  });

  it('dryRun never blocks, counts as the real thing would, and reports through dryRunLogger', async () => {
    const logged: unknown[] = [];
    const clock = manualClock(T0);
    const limiter = new RateLimiter({ clock, dryRun: true, dryRunLogger: (e) => void logged.push(e), policies: { free: { rate: { maxPerMinute: 2 } } } });
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await limiter.check({ userId: 'u', endpoint: 'POST|/a' }));
    expect(results.map((r) => [r.allowed, r.action, r.dryRun])).toEqual([
      [true, 'allow', false],
      [true, 'allow', false],
      [true, 'block', true],
      [true, 'block', true],
    ]);
    expect(results[3]!.current).toBe(2);
    await limiter.events.flush();
    expect(logged).toHaveLength(2);
    expect(logged[0]).toMatchObject({ user: 'u', plan: 'free', endpoint: 'POST|/a', action: 'block', reason: 'rate_exceeded', current: 3, limit: 2, retryAfter: 60 });
    expect((logged[0] as { timestamp: Date }).timestamp).toBeInstanceOf(Date);
  });
});

describe('dry run covers every kind of block', () => {
  it('unknown plans and failing stores are reported, not blocked', async () => {
    const unknown = new RateLimiter({ dryRun: true, onUnknownPlan: 'block', policies: { free: { rate: { maxPerMinute: 1 } } } });
    expect(await unknown.check({ userId: 'u', plan: 'gold' })).toMatchObject({ allowed: true, action: 'block', reason: 'unknown_plan', dryRun: true });
    const broken = new RateLimiter({
      dryRun: true,
      onStoreError: 'block',
      store: { name: 'broken', consume: () => Promise.reject(new Error('down')), reset: () => 0 },
      policies: { free: { rate: { maxPerMinute: 1 } } },
    });
    expect(await broken.check({ userId: 'u' })).toMatchObject({ allowed: true, action: 'block', reason: 'store_error', dryRun: true });
  });
});

describe('peek', () => {
  it('emits nothing, not even for unknown plans or failing overrides', async () => {
    const { limiter, events } = make({ policies: { free: { rate: { maxPerMinute: 2 } } }, getUserOverride: () => { throw new Error('x'); } });
    await limiter.peek({ userId: 'u', plan: 'nope' });
    await limiter.events.flush();
    expect(events).toEqual([]);
  });

  it('answers like check without counting, calling estimateCost or emitting', async () => {
    let estimates = 0;
    const { limiter, events } = make({ policies: { free: { rate: { maxPerMinute: 2 }, cost: { dailyCap: 1, estimateCost: () => (estimates++, 0.1) } } } });
    await limiter.check({ userId: 'u' });
    const p = await limiter.peek({ userId: 'u' });
    expect(p).toMatchObject({ allowed: true, cost: 0 });
    expect(p.limits.find((l) => l.kind === 'rate')?.remaining).toBe(1);
    await limiter.check({ userId: 'u' });
    expect((await limiter.peek({ userId: 'u' })).allowed).toBe(false);
    expect(estimates).toBe(2);
    await limiter.events.flush();
    expect(events.every((e) => e.type === 'allowed')).toBe(true);
    expect(events).toHaveLength(2);
  });
});

describe('algorithms through the limiter', () => {
  it('token-bucket by capacity and refill rate (roadmap example)', async () => {
    const { limiter, clock } = make({ policies: { free: { endpoints: { 'POST|/api/image': { rate: { algorithm: 'token-bucket', capacity: 10, refillRate: 0.1 } } } } } });
    const req = { userId: 'u', endpoint: 'POST|/api/image' };
    expect((await times(5, () => limiter.check(req))).every(Boolean)).toBe(true);
    clock.advance(10_000);
    expect((await limiter.check(req)).remaining).toBe(5);
    clock.advance(90_000);
    expect(await times(11, () => limiter.check(req))).toEqual([...Array(10).fill(true), false]);
    const r = await limiter.check(req);
    expect(r.blockedBy).toMatchObject({ id: 'rate:bucket', algorithm: 'token-bucket', retryAfterSeconds: 10 });
  });

  it('leaky-bucket, sliding-window, sliding-log and gcra from maxPer* fields', async () => {
    for (const algorithm of ['leaky-bucket', 'sliding-window', 'sliding-log', 'gcra'] as const) {
      const { limiter } = make({ policies: { free: { rate: { algorithm, maxPerMinute: 3 } } } });
      expect(await times(4, () => limiter.check({ userId: 'u' }))).toEqual([true, true, true, false]);
    }
  });

  it('gcra with capacity 1 spaces requests evenly', async () => {
    const { limiter, clock } = make({ policies: { free: { rate: { algorithm: 'gcra', maxPerMinute: 60, capacity: 1 } } } });
    expect(await times(2, () => limiter.check({ userId: 'u' }))).toEqual([true, false]);
    clock.advance(999);
    expect((await limiter.check({ userId: 'u' })).allowed).toBe(false);
    clock.advance(1);
    expect((await limiter.check({ userId: 'u' })).allowed).toBe(true);
  });
});

describe('lifecycle', () => {
  it('refuses to check after close()', async () => {
    const { limiter } = make({ policies: { free: { rate: { maxPerMinute: 1 } } } });
    await limiter.close();
    await expect(limiter.check({ userId: 'u' })).rejects.toMatchObject({ code: 'ERR_LIMITRATE_CLOSED' });
  });

  it('closes the store it built, and leaves a store instance it was given (which may be shared) open', async () => {
    const policies = { free: { rate: { maxPerMinute: 5 } } };
    const shared = new MemoryStore({ clock: manualClock(0), cleanupIntervalMs: 0 });
    let closes = 0;
    const counting: Store = { name: 'shared', consume: (l, o) => shared.consume(l, o), reset: (s) => shared.reset(s), close: () => void closes++ };
    const a = new RateLimiter({ clock: manualClock(0), policies, store: counting });
    const b = new RateLimiter({ clock: manualClock(0), policies, store: counting });
    await a.check({ userId: 'u' });
    await a.close();
    expect(closes).toBe(0);
    expect((await b.check({ userId: 'u' })).current).toBe(2);
    const own = new RateLimiter({ clock: manualClock(0), policies, store: { type: 'memory', cleanupIntervalMs: 1000 } });
    let closed = false;
    const store = own.store as MemoryStore;
    const close = store.close.bind(store);
    store.close = () => {
      closed = true;
      return close();
    };
    await own.close();
    expect(closed).toBe(true);
  });

  it('types event listeners by event type', async () => {
    const { limiter } = make({ policies: { free: { rate: { maxPerMinute: 1 } } } });
    const windows: string[] = [];
    limiter.events.on('rate_exceeded', (e) => void windows.push(e.window));
    limiter.events.on('slowdown_applied', (e) => void windows.push(String(e.value)));
    await limiter.check({ userId: 'u' });
    await limiter.check({ userId: 'u' });
    await limiter.events.flush();
    expect(windows).toEqual(['1m']);
  });
});

describe('any store gives the same decisions as the memory store', () => {
  it('matches a generic store (full keys, spec objects) on random traffic', async () => {
    const policies = {
      free: {
        endpoints: { 'POST|/chat': { rate: { maxPerSecond: 3, maxPerMinute: 20, maxTokensPerMinute: 500 }, cost: { hourlyCap: 0.05 } } },
        defaults: { rate: { algorithm: 'sliding-window' as const, maxPerMinute: 7 } },
      },
      pro: { rate: { algorithm: 'gcra' as const, maxPerMinute: 30, capacity: 5 } },
    };
    const clock = manualClock(T0);
    const fast = new RateLimiter({ clock, policies });
    const inner = new MemoryStore({ clock, cleanupIntervalMs: 0 });
    // Not a MemoryStore instance: the limiter goes through Store.consume with built keys.
    const generic: Store = { name: 'wrapped', consume: (l, o) => inner.consume(l, o), reset: (s) => inner.reset(s) };
    const slow = new RateLimiter({ clock, policies, store: generic });
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
    for (let i = 0; i < 3000; i++) {
      clock.advance(rnd(400));
      const req = {
        userId: `u${rnd(4)}`,
        plan: rnd(3) === 0 ? 'pro' : 'free',
        endpoint: ['POST|/chat', 'GET|/a', 'GET|/b'][rnd(3)],
        tokens: rnd(60),
        cost: rnd(10) / 1000,
      };
      const [a, b] = [await fast.check(req), await slow.check(req)];
      expect(b.allowed).toBe(a.allowed);
      expect(b.limits.map((l) => [l.key, l.used, l.remaining, l.resetInSeconds])).toEqual(a.limits.map((l) => [l.key, l.used, l.remaining, l.resetInSeconds]));
    }
  });
});

describe('the fast path answers exactly as the general one', () => {
  const cases = [
    { name: 'fixed window, block', rate: { maxPerSecond: 3 } },
    { name: 'sliding window, slowdown', rate: { algorithm: 'sliding-window' as const, maxPerSecond: 3, actionOnExceed: 'slowdown' as const, slowdownMs: 40 } },
    { name: 'sliding log, allow-and-log', rate: { algorithm: 'sliding-log' as const, maxPerSecond: 2, actionOnExceed: 'allow-and-log' as const } },
    { name: 'token bucket with slow start', rate: { algorithm: 'token-bucket' as const, capacity: 4, refillRate: 2, initialTokens: 1 } },
    { name: 'leaky bucket', rate: { algorithm: 'leaky-bucket' as const, capacity: 3, leakRate: 2 } },
    { name: 'gcra, evenly spaced', rate: { algorithm: 'gcra' as const, maxPerSecond: 4, capacity: 1 } },
  ];
  it.each(cases)('$name (and in dry run)', async ({ rate }) => {
    for (const dryRun of [false, true]) {
      const clock = manualClock(T0);
      const policies = { free: { rate, endpoints: { 'GET|/open': {} } }, pro: { rate: { maxPerSecond: 50 } } };
      const fastEvents: unknown[] = [];
      const slowEvents: unknown[] = [];
      const fast = new RateLimiter({ clock, policies, dryRun, onEvent: (e) => void fastEvents.push(e) });
      const inner = new MemoryStore({ clock, cleanupIntervalMs: 0 });
      const generic: Store = { name: 'memory', consume: (l, o) => inner.consume(l, o), reset: (sel) => inner.reset(sel) };
      const slow = new RateLimiter({ clock, policies, dryRun, store: generic, onEvent: (e) => void slowEvents.push(e) });
      let seed = 11;
      const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
      for (let i = 0; i < 1500; i++) {
        clock.advance(rnd(300));
        const req = { userId: ['a', 'b:c', ''][rnd(3)]!, plan: rnd(5) === 0 ? 'pro' : undefined, endpoint: ['GET|/x', 'GET|/open', 'POST|/y'][rnd(3)] };
        const a = fast.checkNow(req);
        const b = await slow.check(req);
        expect(a).toEqual(b);
      }
      await fast.events.flush();
      await slow.events.flush();
      expect(fastEvents).toEqual(slowEvents);
    }
  });
});
