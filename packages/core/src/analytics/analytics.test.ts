// `analytics:` on the RateLimiter: exact totals per endpoint, plan and user against the
// results the checks returned, the bound on users, recent blocks with their reason, the
// three ranges on a manual clock and retention, store health for the memory store and a
// failing remote store, usage reconciled after a response, the shared sink's deltas (and its
// failures), validation, and the inspector handler.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { manualClock } from '../clock.js';
import { ConfigError, isLimitRateError } from '../errors/index.js';
import type { LimitRateEvent } from '../events/types.js';
import { createInspector } from '../http/inspector.js';
import { RateLimiter } from '../limiter.js';
import { AsyncStore } from '../__tests__/remote-store.js';
import type { RateLimitResult } from '../types.js';
import { emptyBucket, LATENCY_BOUNDS_MS, mergeBucket } from './buckets.js';
import { buildReport, parseReportQuery, reportQueryString } from './report.js';
import type { AnalyticsBatch, AnalyticsSink, OutcomeCounts } from './types.js';

const T0 = Date.UTC(2026, 10, 27, 12, 0, 0);
const MINUTE = 60_000;
const HOUR = 3_600_000;

const POLICIES = {
  free: {
    endpoints: {
      'GET|/slow': { rate: { maxPerMinute: 1, actionOnExceed: 'slowdown' as const, slowdownMs: 5 } },
      'GET|/log': { rate: { maxPerMinute: 1, actionOnExceed: 'allow-and-log' as const } },
      'POST|/api/chat': { rate: { maxPerMinute: 3, maxTokensPerDay: 1_000_000 }, cost: { estimateCost: () => 0.01, dailyCap: 0.05 } },
    },
    defaults: { rate: { maxPerMinute: 2 } },
  },
  pro: { rate: { maxPerMinute: 100 } },
};

function limiterAt(start = T0, extra: Record<string, unknown> = {}) {
  const clock = manualClock(start);
  const limiter = new RateLimiter({ policies: POLICIES, clock, analytics: true, ...extra });
  return { clock, limiter, analytics: limiter.analytics! };
}

/** Counts results the way the report does. */
function tally(results: readonly RateLimitResult[]): OutcomeCounts {
  const c = { requests: 0, allowed: 0, slowed: 0, blocked: 0, logged: 0, degraded: 0, cost: 0, tokens: 0 };
  let micros = 0;
  for (const r of results) {
    c.requests++;
    if (!r.allowed) c.blocked++;
    else if (r.action === 'allow') c.allowed++;
    else if (r.dryRun || r.action === 'allow-and-log') c.logged++;
    else c.slowed++;
    if (r.degraded) c.degraded++;
    micros += Math.round(r.cost * 1e6);
    c.tokens += r.tokens;
  }
  c.cost = micros / 1e6;
  return c;
}

const pick = ({ requests, allowed, slowed, blocked, logged, degraded, cost, tokens }: OutcomeCounts) => ({ requests, allowed, slowed, blocked, logged, degraded, cost, tokens });

describe('analytics: counts', () => {
  it('totals, endpoints, plans and users equal what the checks returned', async () => {
    const { limiter, analytics } = limiterAt();
    const results: RateLimitResult[] = [];
    for (const user of ['alice', 'bob']) {
      for (const endpoint of ['GET|/x', 'GET|/x', 'GET|/x', 'GET|/slow', 'GET|/slow', 'GET|/log', 'GET|/log', 'POST|/api/chat', 'POST|/api/chat', 'POST|/api/chat', 'POST|/api/chat']) {
        results.push(await limiter.check({ userId: user, endpoint }));
      }
    }
    for (let i = 0; i < 5; i++) results.push(await limiter.check({ userId: 'carol', plan: 'pro', endpoint: 'GET|/x' }));
    const report = analytics.report();
    expect(pick(report.totals)).toEqual(tally(results));
    expect(report.totals.blocked).toBe(4); // per user: the third on /x and the fourth on /api/chat (slowed and logged are not blocks)
    for (const e of report.endpoints) expect(pick(e)).toEqual(tally(results.filter((r) => r.endpoint === e.endpoint)));
    for (const p of report.plans) expect(pick(p)).toEqual(tally(results.filter((r) => r.plan === p.plan)));
    for (const u of report.users) expect(pick(u)).toEqual(tally(results.filter((r) => r.user === u.user)));
    expect(report.users.map((u) => [u.user, u.plan])).toEqual([
      ['alice', 'free'],
      ['bob', 'free'],
      ['carol', 'pro'],
    ]);
    expect(report.users[0]!.cost).toBe(0.03);
    expect(report.endpoints[0]!.blockRate).toBeCloseTo(report.endpoints[0]!.blocked / report.endpoints[0]!.requests);
    expect(report.otherUsers.requests).toBe(0);
    await limiter.close();
  });

  it('keeps exact totals under random traffic (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ user: fc.constantFrom('a', 'b', 'c', 'd:{x}', ''), endpoint: fc.constantFrom('GET|/x', 'GET|/slow', 'GET|/log', 'POST|/api/chat'), plan: fc.constantFrom('free', 'pro'), wait: fc.nat(20_000) }), { maxLength: 60 }),
        async (steps) => {
          const { clock, limiter, analytics } = limiterAt(T0, { analytics: { topUsers: 2 } });
          const results: RateLimitResult[] = [];
          for (const s of steps) {
            clock.advance(s.wait);
            results.push(await limiter.check({ userId: s.user, endpoint: s.endpoint, plan: s.plan }));
          }
          const report = analytics.report({ range: 'hour', top: 1000 });
          expect(pick(report.totals)).toEqual(tally(results));
          // Listed users plus the folded ones account for every check.
          const listed = report.users.reduce((n, u) => n + u.requests, 0);
          expect(listed + report.otherUsers.requests).toBe(results.length);
          expect(report.series.reduce((n, p) => n + p.requests, 0)).toBe(results.length);
          await limiter.close();
        },
      ),
      { numRuns: 40 },
    );
  });

  it('keeps at most twice topUsers users per bucket under a spray of unique users, totals exact', async () => {
    const { limiter, analytics } = limiterAt(T0, { analytics: { topUsers: 20 } });
    for (let i = 0; i < 5; i++) for (let n = 0; n < 30; n++) await limiter.check({ userId: 'heavy', plan: 'pro', endpoint: 'GET|/x' });
    for (let i = 0; i < 10_000; i++) await limiter.check({ userId: `u${i}`, plan: 'pro', endpoint: 'GET|/x' });
    const { minutes, hours } = analytics.buckets();
    for (const b of [...minutes, ...hours]) expect(b.users.length).toBeLessThanOrEqual(20);
    const report = analytics.report({ top: 5 });
    expect(report.totals.requests).toBe(10_150);
    expect(report.users[0]).toMatchObject({ user: 'heavy', requests: 150 });
    expect(report.users.reduce((n, u) => n + u.requests, 0) + report.otherUsers.requests).toBeLessThanOrEqual(10_150);
    expect(report.otherUsers.requests).toBeGreaterThan(9_000);
    await limiter.close();
  });

  it('hostile identifiers neither collide nor break anything', async () => {
    const { limiter, analytics } = limiterAt();
    const ids = ['a\tb', 'a', '1:a', 'x'.repeat(5000), '👩‍💻', '{tag}', ''];
    for (const id of ids) await limiter.check({ userId: id, plan: 'pro', endpoint: 'GET|/x' });
    const report = analytics.report({ top: 100 });
    expect(report.users.map((u) => u.user).sort()).toEqual([...ids].sort());
    expect(report.users.every((u) => u.requests === 1)).toBe(true);
    await limiter.close();
  });
});

describe('analytics: recent blocks', () => {
  it('records each refused request with its limit and reason, newest first, bounded', async () => {
    const { clock, limiter, analytics } = limiterAt(T0, { analytics: { recentBlocks: 3 } });
    for (let i = 0; i < 3; i++) await limiter.check({ userId: 'alice', endpoint: 'GET|/x' });
    clock.advance(1000);
    for (let i = 0; i < 6; i++) await limiter.check({ userId: 'bob', endpoint: 'POST|/api/chat' });
    const report = analytics.report();
    expect(report.recentBlocks).toHaveLength(3);
    expect(report.recentBlocks.every((b) => b.user === 'bob')).toBe(true);
    const b = report.recentBlocks[0]!;
    expect(b).toMatchObject({ plan: 'free', endpoint: 'POST|/api/chat', reason: 'rate_limited', limit: 'rate:1m', used: 3, capacity: 3, unit: 'requests', message: 'Rate limit exceeded (3/3 used)' });
    expect(b.retryAfterSeconds).toBeGreaterThan(0);
    expect(b.instance).toBe(analytics.instance.id);
    await limiter.close();
  });

  it('says a cost cap was reached, in dollars', async () => {
    const { clock, limiter, analytics } = limiterAt();
    const results: RateLimitResult[] = [];
    for (let i = 0; i < 8; i++) {
      clock.advance(MINUTE);
      results.push(await limiter.check({ userId: 'spender', endpoint: 'POST|/api/chat' }));
    }
    const blocked = results.filter((r) => !r.allowed);
    expect(blocked.length).toBe(3);
    const report = analytics.report({ range: 'hour' });
    expect(report.recentBlocks[0]).toMatchObject({ reason: 'cost_exceeded', limit: 'cost:1d', unit: 'usd', message: 'Cost cap reached ($0.05/$0.05)' });
    expect(report.users[0]).toMatchObject({ user: 'spender', cost: 0.05, blocked: 3 });
    await limiter.close();
  });
});

describe('analytics: ranges and retention', () => {
  it('now is the last 5 minutes, hour the last 60 per minute, day the last 24 hours per hour', async () => {
    const { clock, limiter, analytics } = limiterAt();
    const at = async (n: number) => {
      for (let i = 0; i < n; i++) await limiter.check({ userId: `u${i}`, plan: 'pro', endpoint: 'GET|/x' });
    };
    await at(7); // T0
    clock.advance(10 * MINUTE);
    await at(3); // T0 + 10 min
    clock.advance(20 * MINUTE);
    expect(analytics.report({ range: 'hour' }).series.filter((p) => p.requests > 0).map((p) => [(p.start - T0) / MINUTE, p.requests])).toEqual([
      [0, 7],
      [10, 3],
    ]);
    expect(analytics.report({ range: 'now' }).totals.requests).toBe(0);
    clock.advance(HOUR + 40 * MINUTE);
    await at(2); // T0 + 2 h 10 min
    const now = analytics.report({ range: 'now' });
    expect(now.totals.requests).toBe(2);
    expect(now.series).toHaveLength(5);
    expect(now.range.resolution).toBe('minute');
    const hour = analytics.report({ range: 'hour' });
    expect(hour.totals.requests).toBe(2);
    expect(hour.series).toHaveLength(60);
    const day = analytics.report({ range: 'day' });
    expect(day.totals.requests).toBe(12);
    expect(day.series).toHaveLength(24);
    expect(day.series.map((p) => p.requests).filter((n) => n > 0)).toEqual([10, 2]);
    await limiter.close();
  });

  it('forgets hours past the retention, and minutes past the hour view', async () => {
    const { clock, limiter, analytics } = limiterAt(T0, { analytics: { retention: '2h' } });
    await limiter.check({ userId: 'a', plan: 'pro', endpoint: 'GET|/x' });
    clock.advance(3 * HOUR);
    await limiter.check({ userId: 'a', plan: 'pro', endpoint: 'GET|/x' });
    const { minutes, hours } = analytics.buckets();
    expect(minutes.map((m) => m.start)).toEqual([T0 + 3 * HOUR]);
    expect(hours.map((h) => h.start)).toEqual([T0 + 3 * HOUR]);
    await limiter.close();
  });
});

describe('analytics: store health', () => {
  it('times the memory store through its checks', async () => {
    const limiter = new RateLimiter({ policies: POLICIES, analytics: true });
    for (let i = 0; i < 20; i++) await limiter.check({ userId: 'a', plan: 'pro', endpoint: 'GET|/x' });
    const { store } = limiter.analytics!.report();
    // Timed checks, each weighted by the checks it stands for (the last few may wait for the next timing).
    expect(store).toMatchObject({ name: 'memory', status: 'online', latencyKind: 'check', errors: 0 });
    expect(store.operations).toBeGreaterThan(0);
    expect(store.operations).toBeLessThanOrEqual(20);
    expect(store.latencyAvgMs).toBeGreaterThan(0);
    expect(LATENCY_BOUNDS_MS).toContain(store.latencyP99Ms);
    await limiter.close();
  });

  it('counts a remote store’s round trips and failures: online, degraded, offline', async () => {
    const store = new AsyncStore();
    const limiter = new RateLimiter({ policies: POLICIES, store, analytics: true, onStoreError: 'block' });
    for (let i = 0; i < 4; i++) await limiter.check({ userId: 'a', plan: 'pro', endpoint: 'GET|/x' });
    expect(limiter.analytics!.report().store).toMatchObject({ name: 'remote', status: 'online', latencyKind: 'store', operations: 4, errors: 0 });
    store.fail = true;
    const failed = await limiter.check({ userId: 'a', plan: 'pro', endpoint: 'GET|/x' });
    expect(failed.allowed).toBe(false);
    const degraded = limiter.analytics!.report();
    expect(degraded.store).toMatchObject({ status: 'degraded', operations: 5, errors: 1, errorRate: 0.2 });
    expect(degraded.totals.degraded).toBe(1);
    expect(degraded.recentBlocks[0]).toMatchObject({ reason: 'store_error', limit: '', message: 'Store unavailable (onStoreError: block)' });
    await limiter.close();

    const down = new AsyncStore();
    down.fail = true;
    const offline = new RateLimiter({ policies: POLICIES, store: down, analytics: true });
    await offline.check({ userId: 'a', endpoint: 'GET|/x' });
    expect(offline.analytics!.report().store.status).toBe('offline');
    await offline.close();
  });

  it('reports uptime from when the limiter started', async () => {
    const { clock, limiter, analytics } = limiterAt();
    clock.advance(2 * 86_400_000 + 5 * HOUR);
    expect(analytics.report().store.uptimeSeconds).toBe(2 * 86_400 + 5 * 3600);
    await limiter.close();
  });
});

describe('analytics: usage reconciled after the response', () => {
  it('adds record() charges and refunds to the user and endpoint', async () => {
    const { limiter, analytics } = limiterAt();
    const r = await limiter.check({ userId: 'ai', endpoint: 'POST|/api/chat' });
    expect(r.cost).toBe(0.01);
    await limiter.record(r, { cost: 0.04, tokens: 1200 });
    await new Promise((resolve) => setTimeout(resolve, 10)); // events are delivered asynchronously
    const report = analytics.report();
    expect(report.users[0]).toMatchObject({ user: 'ai', requests: 1, cost: 0.04, tokens: 1200 });
    expect(report.totals.cost).toBe(0.04);
    await limiter.close();
  });
});

class RecordingSink implements AnalyticsSink {
  readonly name = 'recording';
  batches: AnalyticsBatch[] = [];
  /** Sequences of every write tried, failed ones included. */
  tried: number[] = [];
  failNext = 0;
  closed = false;
  store: unknown;
  attach(context: { store: unknown }) {
    this.store = context.store;
  }
  async write(batch: AnalyticsBatch) {
    this.tried.push(batch.sequence);
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('sink down');
    }
    this.batches.push(structuredClone(batch));
  }
  async close() {
    this.closed = true;
  }
  total(): number {
    return this.batches.flatMap((b) => b.minutes).reduce((n, m) => n + m.pairs.reduce((k, p) => k + p.requests, 0), 0);
  }
}

describe('analytics: shared sink', () => {
  it('writes deltas that add up to the totals, retries a failed batch with the next, flushes on close', async () => {
    const sink = new RecordingSink();
    const events: LimitRateEvent[] = [];
    const { clock, limiter, analytics } = limiterAt(T0, { analytics: { sink, flushInterval: '1h', instanceId: 'web-1' }, onEvent: (e: LimitRateEvent) => void events.push(e) });
    expect(sink.store).toBe(limiter.store);
    for (let i = 0; i < 10; i++) await limiter.check({ userId: `u${i % 3}`, endpoint: 'GET|/x' });
    await analytics.flush();
    expect(sink.total()).toBe(10);
    expect(sink.batches[0]!.instance).toMatchObject({ id: 'web-1', store: 'memory', startedAt: T0 });
    expect(sink.batches[0]!.blocks.length).toBe(4); // u0 has 4 checks, u1 and u2 3 each: limit 2
    expect(sink.batches[0]!).toMatchObject({ retentionMs: 48 * HOUR, topUsers: 100, recentBlocks: 100 });

    sink.failNext = 1;
    clock.advance(MINUTE);
    for (let i = 0; i < 5; i++) await limiter.check({ userId: 'v', plan: 'pro', endpoint: 'GET|/x' });
    await analytics.flush();
    expect(sink.total()).toBe(10);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(events.some((e) => e.type === 'callback_error' && e.callback === 'analytics.recording.write')).toBe(true);
    for (let i = 0; i < 2; i++) await limiter.check({ userId: 'v', plan: 'pro', endpoint: 'GET|/x' });
    await limiter.close();
    expect(sink.total()).toBe(17);
    expect(sink.closed).toBe(true);
    // The failed batch (2) went again as it was, before the next (3).
    expect(sink.tried).toEqual([1, 2, 2, 3]);
    expect(sink.batches.map((b) => b.sequence)).toEqual([1, 2, 3]);
    expect(sink.batches[0]!.flushIntervalMs).toBe(HOUR);
    expect(sink.total()).toBe(analytics.report({ range: 'hour' }).totals.requests);
  });
});

describe('analytics: shared by limiters', () => {
  it('a limiter given another one’s analytics counts into it, and leaves closing it to its owner', async () => {
    const { clock, limiter, analytics } = limiterAt();
    const route = new RateLimiter({ policies: { free: { rate: { maxPerMinute: 1 } } }, clock, analytics });
    expect(route.analytics).toBe(analytics);
    await limiter.check({ userId: 'a', endpoint: 'GET|/x' });
    await route.check({ userId: 'b', endpoint: 'GET|/export' });
    await route.check({ userId: 'b', endpoint: 'GET|/export' });
    await route.close();
    await limiter.check({ userId: 'a', endpoint: 'GET|/x' });
    const report = analytics.report();
    expect(report.totals).toMatchObject({ requests: 4, blocked: 1 });
    expect(report.endpoints.map((e) => [e.endpoint, e.requests, e.blocked])).toEqual([
      ['GET|/export', 2, 1],
      ['GET|/x', 2, 0],
    ]);
    expect(report.recentBlocks[0]).toMatchObject({ user: 'b', endpoint: 'GET|/export' });
    await limiter.close();
  });
});

describe('analytics: buckets and reports', () => {
  it('mergeBucket adds pairs, users and store counters, folding users past the cap', () => {
    const a = emptyBucket(T0 + 5, 'minute');
    expect(a.start).toBe(T0);
    const b = emptyBucket(T0, 'minute');
    const counts = { requests: 2, allowed: 1, slowed: 0, blocked: 1, logged: 0, degraded: 0, cost: 0.1, tokens: 3 };
    a.pairs.push({ plan: 'free', endpoint: 'GET|/x', ...counts });
    a.users.push({ user: 'u1', plan: 'free', endpoint: 'GET|/x', ...counts });
    b.pairs.push({ plan: 'free', endpoint: 'GET|/x', ...counts, cost: 0.2 });
    b.users.push({ user: 'u2', plan: 'free', endpoint: 'GET|/x', ...counts, requests: 1 });
    b.store.operations = 3;
    b.store.latency[0] = 3;
    const hour = emptyBucket(T0, 'hour');
    mergeBucket(hour, a, 1);
    mergeBucket(hour, b, 1);
    expect(hour.pairs).toEqual([{ plan: 'free', endpoint: 'GET|/x', ...counts, requests: 4, allowed: 2, blocked: 2, cost: 0.3, tokens: 6 }]);
    expect(hour.users.map((u) => u.user)).toEqual(['u1']);
    expect(hour.otherUsers.requests).toBe(1);
    expect(hour.store.operations).toBe(3);
  });

  it('filters by user, plan and endpoint (case-insensitive substrings)', async () => {
    const { limiter, analytics } = limiterAt();
    for (const [user, plan, endpoint] of [
      ['Alice', 'free', 'GET|/x'],
      ['alice', 'free', 'POST|/api/chat'],
      ['bob', 'pro', 'POST|/api/chat'],
      ['bob', 'pro', 'GET|/x'],
    ] as const) {
      await limiter.check({ userId: user, plan, endpoint });
    }
    expect(analytics.report({ filter: { plan: 'PRO' } }).totals.requests).toBe(2);
    expect(analytics.report({ filter: { endpoint: 'chat' } }).endpoints.map((e) => e.endpoint)).toEqual(['POST|/api/chat']);
    const alice = analytics.report({ filter: { user: 'alice' } });
    expect(alice.totals.requests).toBe(2);
    expect(alice.users.map((u) => u.user).sort()).toEqual(['Alice', 'alice']);
    expect(alice.endpoints.map((e) => e.endpoint).sort()).toEqual(['GET|/x', 'POST|/api/chat']);
    expect(alice.filter).toEqual({ user: 'alice' });
    expect(analytics.report({ filter: { user: 'bob', endpoint: 'x' } }).totals.requests).toBe(1);
    await limiter.close();
  });

  it('reports nothing yet as zeros, not an error', () => {
    const report = buildReport({ now: T0, kind: 'redis', minutes: [], hours: [], blocks: [], instances: [] });
    expect(report.totals.requests).toBe(0);
    expect(report.store).toMatchObject({ status: 'unknown', latencyAvgMs: null, latencyP99Ms: null, name: 'unknown' });
    expect(report.series).toHaveLength(5);
  });

  it('reads and writes queries; refuses bad ones with a coded error', () => {
    const q = parseReportQuery(new URLSearchParams(reportQueryString({ range: 'day', top: 5, blocks: 3, filter: { user: 'a b&c', plan: 'free' } })));
    expect(q).toEqual({ range: 'day', top: 5, blocks: 3, filter: { user: 'a b&c', plan: 'free' } });
    for (const bad of ['range=week', 'top=-1', 'top=1.5', 'blocks=99999', `user=${'x'.repeat(201)}`]) {
      let error: unknown;
      try {
        parseReportQuery(new URLSearchParams(bad));
      } catch (e) {
        error = e;
      }
      expect(isLimitRateError(error) && error.code).toBe('ERR_LIMITRATE_INVALID_REQUEST');
    }
  });
});

describe('analytics: configuration', () => {
  it.each([
    [{ topUsers: 0 }, 'analytics.topUsers'],
    [{ topUsers: 1.5 }, 'analytics.topUsers'],
    [{ recentBlocks: -1 }, 'analytics.recentBlocks'],
    [{ retention: '10 minutes' }, 'analytics.retention'],
    [{ retention: 'forever' }, 'analytics.retention'],
    [{ flushInterval: 5 }, 'analytics.flushInterval'],
    [{ sink: { name: 'x' } }, 'analytics.sink'],
    [{ instanceId: '' }, 'analytics.instanceId'],
    [{ topusers: 5 }, 'analytics.topusers'],
    ['yes', 'analytics'],
  ])('%j is refused at %s', (analytics, path) => {
    let error: unknown;
    try {
      new RateLimiter({ policies: POLICIES, analytics: analytics as never });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).path).toBe(path);
  });

  it('fails the construction when the sink cannot use the store', () => {
    const sink: AnalyticsSink = {
      name: 'picky',
      attach() {
        throw new ConfigError([{ path: 'analytics.sink', code: 'ERR_LIMITRATE_INVALID_CONFIG', message: 'needs a Redis store', hint: 'Use store: { type: "redis" }' }]);
      },
      write: async () => undefined,
    };
    expect(() => new RateLimiter({ policies: POLICIES, analytics: { sink } })).toThrow(/needs a Redis store/);
  });

  it('is off by default', () => {
    expect(new RateLimiter({ policies: POLICIES }).analytics).toBeUndefined();
  });
});

describe('inspector handler', () => {
  const headers = (h: Record<string, string>) => (name: string) => h[name];
  const get = (limiter: RateLimiter, h: Record<string, string>, query = '') =>
    createInspector(() => limiter, { token: 'secret-token' })({ method: 'GET', query: new URLSearchParams(query), header: headers(h) });

  it('answers the report to the right token only', async () => {
    const { limiter } = limiterAt();
    await limiter.check({ userId: 'a', endpoint: 'GET|/x' });
    const ok = get(limiter, { authorization: 'Bearer secret-token' }, 'range=hour');
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ version: 1, totals: { requests: 1 }, range: { name: 'hour' } });
    expect(get(limiter, { 'x-limitrate-token': 'secret-token' }).status).toBe(200);
    for (const h of [{}, { authorization: 'Bearer secret-tokeN' }, { authorization: 'Bearer secret-token-and-more' }, { authorization: 'Basic secret-token' }, { 'x-limitrate-token': 'secret' }] as Array<Record<string, string>>) {
      const r = get(limiter, h);
      expect(r.status).toBe(401);
      expect(JSON.parse(r.body).code).toBe('ERR_LIMITRATE_UNAUTHORIZED');
      expect(r.headers).toContainEqual(['www-authenticate', 'Bearer realm="limitrate"']);
    }
    expect(JSON.parse(get(limiter, { authorization: 'Bearer secret-token' }, 'range=week').body).code).toBe('ERR_LIMITRATE_INVALID_REQUEST');
    const post = createInspector(() => limiter, { token: 'secret-token' })({ method: 'POST', query: new URLSearchParams(), header: headers({}) });
    expect(post.status).toBe(405);
    await limiter.close();
  });

  it('refuses to exist without a token or without analytics', () => {
    const { limiter } = limiterAt();
    expect(() => createInspector(() => limiter, {} as never)).toThrow(ConfigError);
    expect(() => createInspector(() => limiter, { token: 'short' })).toThrow(/at least 8 characters/);
    expect(() => createInspector(() => new RateLimiter({ policies: POLICIES }), { token: 'secret-token' })).toThrow(/analytics/);
    const later = createInspector(() => undefined, { token: 'secret-token' });
    expect(later({ method: 'GET', query: new URLSearchParams(), header: headers({ authorization: 'Bearer secret-token' }) }).status).toBe(503);
  });
});
