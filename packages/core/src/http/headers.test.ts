// Rate-limit headers in every mode, on real results of the RateLimiter, with the draft fields parsed by a structured-field parser.
import { parseList, type BareItem, type Item } from 'structured-headers';
import { describe, expect, it } from 'vitest';
import { manualClock } from '../clock.js';
import type { RateLimiterConfig } from '../config.js';
import { RateLimiter } from '../limiter.js';
import type { Store } from '../stores/types.js';
import type { RateLimitResult } from '../types.js';
import { rateLimitHeaders, rateLimitPolicyName, retryAfterSeconds, type HeaderMode } from './headers.js';

const T0 = Date.UTC(2026, 0, 1); // aligned to every window
const T0s = T0 / 1000;
const CHAT = 'POST|/api/chat';

function make(config: Omit<RateLimiterConfig, 'clock'>) {
  const clock = manualClock(T0);
  return { limiter: new RateLimiter({ ...config, clock }), clock };
}

const failingStore: Store = {
  name: 'down',
  consume() {
    throw new Error('ECONNREFUSED');
  },
  reset: () => 0,
};

/** The header's value (fails the test when it is missing or repeated). */
function header(headers: Array<[string, string]>, name: string): string {
  const found = headers.filter(([n]) => n === name);
  expect(found, name).toHaveLength(1);
  return found[0]![1];
}

/** A draft field as plain data: [name, { param: value }][]. */
function parsed(value: string): Array<[BareItem, Record<string, BareItem>]> {
  return parseList(value).map((member) => {
    expect(Array.isArray(member[0]), 'an Item, not an Inner List').toBe(false);
    const [bare, params] = member as Item;
    return [bare, Object.fromEntries(params)];
  });
}

const names = (headers: Array<[string, string]>) => headers.map(([n]) => n);
const MODES: HeaderMode[] = ['v3', 'draft', 'legacy', 'both', false];

describe('v3 mode (the default)', () => {
  it('sends the v3 set and the legacy set, with delta and absolute reset times', async () => {
    const { limiter } = make({ policies: { free: { rate: { maxPerMinute: 10 } } } });
    const r = await limiter.check({ userId: 'u', endpoint: CHAT });
    const expected = [
      ['RateLimit-Limit', '10'],
      ['RateLimit-Remaining', '9'],
      ['RateLimit-Reset', '60'],
      ['X-RateLimit-Limit', '10'],
      ['X-RateLimit-Remaining', '9'],
      ['X-RateLimit-Reset', String(T0s + 60)],
    ];
    expect(rateLimitHeaders(r)).toEqual(expected);
    expect(rateLimitHeaders(r, {})).toEqual(expected);
    expect(rateLimitHeaders(r, { mode: 'v3' })).toEqual(expected);
    expect(rateLimitHeaders(r, null as unknown as undefined)).toEqual(expected);
  });

  it('describes the blocking limit when refused', async () => {
    const { limiter, clock } = make({ policies: { free: { rate: { maxPerMinute: 2 } } } });
    await limiter.check({ userId: 'u', endpoint: CHAT });
    await limiter.check({ userId: 'u', endpoint: CHAT });
    clock.advance(17_500);
    const r = await limiter.check({ userId: 'u', endpoint: CHAT });
    expect(r.allowed).toBe(false);
    expect(rateLimitHeaders(r)).toEqual([
      ['RateLimit-Limit', '2'],
      ['RateLimit-Remaining', '0'],
      ['RateLimit-Reset', '43'],
      ['X-RateLimit-Limit', '2'],
      ['X-RateLimit-Remaining', '0'],
      ['X-RateLimit-Reset', String(Math.ceil((T0 + 17_500 + 43_000) / 1000))],
    ]);
    expect(retryAfterSeconds(r)).toBe(43);
  });

  it('counts absolute reset times from `now` when given', async () => {
    const { limiter } = make({ policies: { free: { rate: { maxPerHour: 5 } } } });
    const r = await limiter.check({ userId: 'u' });
    expect(header(rateLimitHeaders(r, { now: T0 + 10_000 }), 'X-RateLimit-Reset')).toBe(String(T0s + 10 + 3600));
    expect(header(rateLimitHeaders(r, { now: Number.NaN }), 'X-RateLimit-Reset')).toBe(String(T0s + 3600));
  });

  it('prints a spending cap in dollars, without float noise', async () => {
    const { limiter } = make({ policies: { free: { cost: { dailyCap: 0.5 } } } });
    await limiter.check({ userId: 'u', cost: 0.1 });
    const r = await limiter.check({ userId: 'u', cost: 0.2 }); // 0.1 + 0.2 leaves exactly 0.2
    expect(r.remaining).toBeCloseTo(0.2);
    expect(rateLimitHeaders(r)).toEqual([
      ['RateLimit-Limit', '0.5'],
      ['RateLimit-Remaining', '0.2'],
      ['RateLimit-Reset', '86400'],
      ['X-RateLimit-Limit', '0.5'],
      ['X-RateLimit-Remaining', '0.2'],
      ['X-RateLimit-Reset', String(T0s + 86_400)],
    ]);
  });
});

describe('legacy, both and none', () => {
  it('legacy sends only X-RateLimit-*', async () => {
    const { limiter } = make({ policies: { free: { rate: { maxPerMinute: 10 } } } });
    const r = await limiter.check({ userId: 'u' });
    expect(rateLimitHeaders(r, { mode: 'legacy' })).toEqual([
      ['X-RateLimit-Limit', '10'],
      ['X-RateLimit-Remaining', '9'],
      ['X-RateLimit-Reset', String(T0s + 60)],
    ]);
  });

  it('both sends the draft fields then the legacy ones', async () => {
    const { limiter } = make({ policies: { free: { rate: { maxPerMinute: 10 } } } });
    const r = await limiter.check({ userId: 'u' });
    const both = rateLimitHeaders(r, { mode: 'both' });
    expect(names(both)).toEqual(['RateLimit-Policy', 'RateLimit', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset']);
    expect(both.slice(0, 2)).toEqual(rateLimitHeaders(r, { mode: 'draft' }));
    expect(both.slice(2)).toEqual(rateLimitHeaders(r, { mode: 'legacy' }));
  });

  it('false sends nothing', async () => {
    const { limiter } = make({ policies: { free: { rate: { maxPerMinute: 1 } } } });
    await limiter.check({ userId: 'u' });
    const blocked = await limiter.check({ userId: 'u' });
    expect(blocked.allowed).toBe(false);
    expect(rateLimitHeaders(blocked, { mode: false })).toEqual([]);
  });
});

describe('draft mode (RateLimit-Policy and RateLimit structured fields)', () => {
  it('declares the policy and the service limit', async () => {
    const { limiter } = make({ policies: { free: { rate: { maxPerMinute: 10 } } } });
    const r = await limiter.check({ userId: 'u', endpoint: CHAT });
    const h = rateLimitHeaders(r, { mode: 'draft' });
    expect(names(h)).toEqual(['RateLimit-Policy', 'RateLimit']);
    expect(header(h, 'RateLimit-Policy')).toBe('"rate-1m";q=10;w=60');
    expect(header(h, 'RateLimit')).toBe('"rate-1m";r=9;t=60');
    expect(parsed(header(h, 'RateLimit-Policy'))).toEqual([['rate-1m', { q: 10, w: 60 }]]);
    expect(parsed(header(h, 'RateLimit'))).toEqual([['rate-1m', { r: 9, t: 60 }]]);
  });

  it('lists every limit of a multi-limit result, with units, and reports the one closest to running out', async () => {
    const { limiter } = make({
      policies: { free: { rate: { maxPerSecond: 5, maxPerMinute: 100, maxTokensPerHour: 1000, maxTokensPerDay: 50_000 }, cost: { hourlyCap: 2, dailyCap: 10 } } },
    });
    const r = await limiter.check({ userId: 'u', endpoint: CHAT, tokens: 900, cost: 0.25 });
    expect(r.allowed).toBe(true);
    const h = rateLimitHeaders(r, { mode: 'draft' });
    expect(parsed(header(h, 'RateLimit-Policy'))).toEqual([
      ['rate-1s', { q: 5, w: 1 }],
      ['rate-1m', { q: 100, w: 60 }],
      ['tokens-1h', { q: 1000, qu: 'tokens', w: 3600 }],
      ['tokens-1d', { q: 50_000, qu: 'tokens', w: 86_400 }],
      ['cost-1h', { q: 2_000_000, qu: 'usd-micros', w: 3600 }],
      ['cost-1d', { q: 10_000_000, qu: 'usd-micros', w: 86_400 }],
    ]);
    // 100 of 1000 tokens left (10%) is the lowest share: that is the limit that matters.
    expect(parsed(header(h, 'RateLimit'))).toEqual([['tokens-1h', { r: 100, t: 3600 }]]);
    expect(rateLimitHeaders(r)).toEqual([
      ['RateLimit-Limit', '1000'],
      ['RateLimit-Remaining', '100'],
      ['RateLimit-Reset', '3600'],
      ['X-RateLimit-Limit', '1000'],
      ['X-RateLimit-Remaining', '100'],
      ['X-RateLimit-Reset', String(T0s + 3600)],
    ]);
  });

  it('reports a spending cap in micro-dollars, and the cap that refused', async () => {
    const { limiter, clock } = make({ policies: { free: { rate: { maxPerMinute: 100 }, cost: { dailyCap: 1 } } } });
    await limiter.check({ userId: 'u', cost: 0.7 });
    const close = await limiter.check({ userId: 'u', cost: 0.2 }); // 0.1 left: 10% of the cap
    expect(parsed(header(rateLimitHeaders(close, { mode: 'draft' }), 'RateLimit'))).toEqual([['cost-1d', { r: 100_000, t: 86_400 }]]);
    clock.advance(3_600_000);
    const refused = await limiter.check({ userId: 'u', cost: 0.3 });
    expect(refused).toMatchObject({ allowed: false, reason: 'cost_exceeded', retryAfter: 82_800 });
    const h = rateLimitHeaders(refused, { mode: 'both' });
    expect(parsed(header(h, 'RateLimit'))).toEqual([['cost-1d', { r: 100_000, t: 82_800 }]]);
    expect(h.slice(2)).toEqual([
      ['X-RateLimit-Limit', '1'],
      ['X-RateLimit-Remaining', '0.1'],
      ['X-RateLimit-Reset', String(T0s + 86_400)],
    ]);
    expect(retryAfterSeconds(refused)).toBe(82_800);
  });

  it('describes a bucket by its capacity and refill time, with t no later than Retry-After', async () => {
    const { limiter } = make({ policies: { free: { rate: { algorithm: 'token-bucket', capacity: 10, refillRate: 2 } } } });
    let r: RateLimitResult | undefined;
    for (let i = 0; i < 11; i++) r = await limiter.check({ userId: 'u' });
    expect(r).toMatchObject({ allowed: false, retryAfter: 1, resetInSeconds: 5 });
    const h = rateLimitHeaders(r!, { mode: 'both' });
    expect(parsed(header(h, 'RateLimit-Policy'))).toEqual([['rate-bucket', { q: 10, w: 5 }]]);
    // Another token arrives within a second: that is when more quota is available.
    expect(parsed(header(h, 'RateLimit'))).toEqual([['rate-bucket', { r: 0, t: 1 }]]);
    expect(retryAfterSeconds(r!)).toBe(1);
  });

  it('gives a bucket with a named window that window, and its capacity as the quota', async () => {
    const { limiter } = make({ policies: { free: { rate: { algorithm: 'gcra', maxPerMinute: 60, burst: 5 } } } });
    const r = await limiter.check({ userId: 'u' });
    const h = rateLimitHeaders(r, { mode: 'draft' });
    expect(parsed(header(h, 'RateLimit-Policy'))).toEqual([['rate-1m', { q: 65, w: 60 }]]);
    const [[name, params]] = parsed(header(h, 'RateLimit')) as [[BareItem, Record<string, BareItem>]];
    expect(name).toBe('rate-1m');
    expect(params.r).toBe(64);
  });

  it('reports the slowdown limit of a slowed request', async () => {
    const { limiter } = make({ policies: { free: { rate: { maxPerMinute: 2, actionOnExceed: 'slowdown', slowdownMs: 300 } } } });
    for (let i = 0; i < 2; i++) await limiter.check({ userId: 'u' });
    const r = await limiter.check({ userId: 'u' });
    expect(r).toMatchObject({ allowed: true, action: 'slowdown', slowdownMs: 300 });
    const h = rateLimitHeaders(r, { mode: 'both' });
    expect(parsed(header(h, 'RateLimit'))).toEqual([['rate-1m', { r: 0, t: 60 }]]);
    expect(header(h, 'X-RateLimit-Remaining')).toBe('0');
    expect(retryAfterSeconds(r)).toBeUndefined(); // served, not refused
  });

  it('reports a request larger than the limit without any Retry-After', async () => {
    const { limiter } = make({ policies: { free: { rate: { maxPerMinute: 10, maxTokensPerHour: 50_000 } } } });
    const r = await limiter.check({ userId: 'u', endpoint: CHAT, tokens: 60_000 });
    expect(r).toMatchObject({ allowed: false, reason: 'token_limit_exceeded', retryAfter: undefined });
    expect(r.blockedBy?.exceedsCapacity).toBe(true);
    const h = rateLimitHeaders(r, { mode: 'both' });
    expect(parsed(header(h, 'RateLimit'))).toEqual([['tokens-1h', { r: 50_000, t: 0 }]]);
    expect(h.slice(2)).toEqual([
      ['X-RateLimit-Limit', '50000'],
      ['X-RateLimit-Remaining', '50000'],
      ['X-RateLimit-Reset', String(T0s)],
    ]);
    expect(retryAfterSeconds(r)).toBeUndefined();
  });

  it('clamps quotas to the sf-integer range', async () => {
    const { limiter } = make({ policies: { free: { cost: { dailyCap: 1_000_000_000 } } } });
    const r = await limiter.check({ userId: 'u', cost: 1 });
    const policy = parsed(header(rateLimitHeaders(r, { mode: 'draft' }), 'RateLimit-Policy'));
    expect(policy).toEqual([['cost-1d', { q: 999_999_999_999_999, qu: 'usd-micros', w: 86_400 }]]);
    expect(parsed(header(rateLimitHeaders(r, { mode: 'draft' }), 'RateLimit'))).toEqual([['cost-1d', { r: 999_999_999_000_000, t: 86_400 }]]);
  });

  it('parses, with non-negative integers only, across six algorithms and a stream of mixed traffic', async () => {
    let refused = 0;
    const algorithms = ['fixed-window', 'sliding-window', 'sliding-log', 'token-bucket', 'leaky-bucket', 'gcra'] as const;
    for (const algorithm of algorithms) {
      const { limiter, clock } = make({
        policies: { free: { rate: { algorithm, maxPerSecond: 3, maxPerMinute: 20, maxTokensPerMinute: 500 }, cost: { hourlyCap: 0.05, algorithm } } },
      });
      for (let i = 0; i < 60; i++) {
        const r = await limiter.check({ userId: 'u', tokens: 37, cost: 0.003 });
        for (const mode of MODES) {
          for (const [name, value] of rateLimitHeaders(r, { mode })) {
            expect(value, `${algorithm} ${name}`).not.toMatch(/Infinity|NaN|\de[+-]?\d/i);
            if (name === 'RateLimit-Policy' || name === 'RateLimit') {
              for (const [, params] of parsed(value)) {
                for (const [key, v] of Object.entries(params)) {
                  if (key === 'qu') continue;
                  expect(Number.isInteger(v) && (v as number) >= 0, `${algorithm} ${name} ${key}=${String(v)}`).toBe(true);
                }
                if ('w' in params) expect(params.w as number).toBeGreaterThan(0);
              }
            } else {
              // Whole numbers, except a spending cap's dollars (at most six decimals).
              const described = r.blockedBy ?? r.limits.find((l) => l.limit === r.limit && l.remaining === r.remaining && l.used === r.current);
              const dollars = described?.kind === 'cost' && !name.endsWith('Reset');
              expect(value, `${algorithm} ${name}`).toMatch(dollars ? /^\d+(\.\d{1,6})?$/ : /^\d+$/);
            }
          }
        }
        const retry = retryAfterSeconds(r);
        if (retry !== undefined) {
          refused++;
          const t = parsed(header(rateLimitHeaders(r, { mode: 'draft' }), 'RateLimit'))[0]![1].t as number;
          expect(retry, 'Retry-After is never earlier than t').toBeGreaterThanOrEqual(t);
        }
        clock.advance(700 + ((i * 7919) % 1500));
      }
    }
    expect(refused).toBeGreaterThan(50);
  });
});

describe('results without limits', () => {
  it('an unlimited plan, an exempt endpoint, a failed store and an unknown plan get no rate-limit headers', async () => {
    const unlimited = await make({ policies: { free: {} } }).limiter.check({ userId: 'u' });
    const exempt = await make({ policies: { free: { endpoints: { 'GET|/health': {} }, rate: { maxPerMinute: 1 } } } }).limiter.check({ userId: 'u', endpoint: 'GET|/health' });
    const failOpen = await make({ policies: { free: { rate: { maxPerMinute: 1 } } }, store: failingStore }).limiter.check({ userId: 'u' });
    const failClosed = await make({ policies: { free: { rate: { maxPerMinute: 1 } } }, store: failingStore, onStoreError: 'block' }).limiter.check({ userId: 'u' });
    const unknown = await make({ policies: { free: { rate: { maxPerMinute: 1 } } }, onUnknownPlan: 'block' }).limiter.check({ userId: 'u', plan: 'gold' });
    expect(unlimited).toMatchObject({ limits: [], limit: Infinity });
    expect(exempt).toMatchObject({ limits: [], policy: 'GET|/health' });
    expect(failClosed).toMatchObject({ allowed: false, reason: 'store_error', limits: [] });
    expect(unknown).toMatchObject({ allowed: false, reason: 'unknown_plan', limits: [] });
    for (const r of [unlimited, exempt, failOpen, failClosed, unknown]) {
      for (const mode of MODES) expect(rateLimitHeaders(r, { mode })).toEqual([]);
    }
  });
});

describe('retryAfterSeconds', () => {
  it('is 1 for a request refused because the store or estimateCost failed', async () => {
    const store = await make({ policies: { free: { rate: { maxPerMinute: 1 } } }, store: failingStore, onStoreError: 'block' }).limiter.check({ userId: 'u' });
    const callback = await make({
      policies: { free: { cost: { dailyCap: 1, estimateCost: () => Number.NaN } } },
      onStoreError: 'block',
    }).limiter.check({ userId: 'u' });
    expect(callback).toMatchObject({ allowed: false, reason: 'callback_error' });
    expect(retryAfterSeconds(store)).toBe(1);
    expect(retryAfterSeconds(callback)).toBe(1);
  });

  it('is undefined for anything let through: allowed, failed open, logged, dry run', async () => {
    const allowed = await make({ policies: { free: { rate: { maxPerMinute: 1 } } } }).limiter.check({ userId: 'u' });
    const failOpen = await make({ policies: { free: { rate: { maxPerMinute: 1 } } }, store: failingStore }).limiter.check({ userId: 'u' });
    const logged = make({ policies: { free: { rate: { maxPerMinute: 1, actionOnExceed: 'allow-and-log' } } } }).limiter;
    await logged.check({ userId: 'u' });
    const log = await logged.check({ userId: 'u' });
    const dry = make({ policies: { free: { rate: { maxPerMinute: 1 } } }, dryRun: true }).limiter;
    await dry.check({ userId: 'u' });
    const dryBlock = await dry.check({ userId: 'u' });
    expect(log).toMatchObject({ allowed: true, action: 'allow-and-log', retryAfter: 60 });
    expect(dryBlock).toMatchObject({ allowed: true, action: 'block', dryRun: true, retryAfter: 60 });
    for (const r of [allowed, failOpen, log, dryBlock]) expect(retryAfterSeconds(r)).toBeUndefined();
  });

  it('is undefined for an unknown plan and for a cost larger than the cap', async () => {
    const unknown = await make({ policies: { free: { rate: { maxPerMinute: 1 } } }, onUnknownPlan: 'block' }).limiter.check({ userId: 'u', plan: 'gold' });
    const oversized = await make({ policies: { free: { cost: { dailyCap: 1 } } } }).limiter.check({ userId: 'u', cost: 2 });
    expect(oversized).toMatchObject({ allowed: false, reason: 'cost_exceeded' });
    expect(retryAfterSeconds(unknown)).toBeUndefined();
    expect(retryAfterSeconds(oversized)).toBeUndefined();
  });

  it('rounds up to whole seconds, at least 1', async () => {
    const { limiter, clock } = make({ policies: { free: { rate: { maxPerSecond: 1 } } } });
    await limiter.check({ userId: 'u' });
    clock.advance(999);
    const r = await limiter.check({ userId: 'u' });
    expect(r.allowed).toBe(false);
    expect(retryAfterSeconds(r)).toBe(1);
    expect(retryAfterSeconds({ ...r, retryAfter: 2.2 })).toBe(3);
    expect(retryAfterSeconds({ ...r, retryAfter: Infinity })).toBeUndefined();
  });
});

describe('robustness', () => {
  it('never prints Infinity or NaN, even for a damaged result', async () => {
    const { limiter } = make({ policies: { free: { rate: { maxPerMinute: 10 } } } });
    const r = await limiter.check({ userId: 'u' });
    const damaged: RateLimitResult[] = [
      { ...r, remaining: Infinity, resetInSeconds: Number.NaN, timestamp: Number.NaN },
      { ...r, limit: Infinity, remaining: Infinity },
      { ...r, limits: [{ ...r.limits[0]!, windowMs: Infinity, limit: Number.NaN, remaining: -3, resetInSeconds: -1 }] },
    ];
    for (const d of damaged) {
      for (const mode of MODES) {
        for (const [name, value] of rateLimitHeaders(d, { mode })) {
          expect(value, name).not.toMatch(/Infinity|NaN|=-|^-/);
          if (name.startsWith('RateLimit-Policy') || name === 'RateLimit') expect(() => parseList(value)).not.toThrow();
        }
      }
    }
    expect(names(rateLimitHeaders(damaged[1]!))).toEqual([]); // no honest v3 values for an infinite limit
  });

  it('derives stable, safe policy names from limit ids', async () => {
    const { limiter } = make({ policies: { free: { rate: { maxPerMinute: 10 } } } });
    const r = await limiter.check({ userId: 'u' });
    expect(['rate:1m', 'tokens:1h', 'cost:1d', 'rate:bucket'].map((id) => rateLimitPolicyName({ id }))).toEqual(['rate-1m', 'tokens-1h', 'cost-1d', 'rate-bucket']);
    const hostile = { ...r, limits: [{ ...r.limits[0]!, id: 'a"b\\c;q=1, "x' }] };
    const value = header(rateLimitHeaders(hostile, { mode: 'draft' }), 'RateLimit-Policy');
    expect(parsed(value)).toEqual([['a-b-c-q-1-x', { q: 10, w: 60 }]]);
  });
});
