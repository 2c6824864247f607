// What HttpLimiter.decide answers after the check: headers per mode, Retry-After, refusal bodies, slowdown, allow-and-log, dryRun; and status().
import { describe, expect, it, vi } from 'vitest';
import type { Store } from '../stores/types.js';
import type { HeaderMode } from './headers.js';
import { IP, ITEMS, T0, header, info, makeHttp, names, now, ofType } from './__tests__/harness.js';

const T0s = T0 / 1000;
const make = makeHttp;

const LIMIT_2 = { free: { rate: { maxPerMinute: 2 } } };

const failingStore: Store = {
  name: 'down',
  consume() {
    throw new Error('ECONNREFUSED');
  },
  reset: () => 0,
};

describe('headers per mode', () => {
  const V3 = ['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'];
  const DRAFT = ['RateLimit-Policy', 'RateLimit'];
  const LEGACY = ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'];
  const modes: Array<[string, HeaderMode | undefined, string[]]> = [
    ['v3 (the default)', undefined, V3],
    ['v3', 'v3', V3],
    ['draft', 'draft', DRAFT],
    ['legacy', 'legacy', LEGACY],
    ['both', 'both', [...DRAFT, ...LEGACY]],
  ];

  it.each(modes)('%s: on continue, then on the 429 plus Retry-After', (_label, mode, expected) => {
    const { http } = make({ policies: LIMIT_2, ...(mode === undefined ? {} : { headers: mode }) });
    const first = now(http.decide(info()));
    expect(first.action).toBe('continue');
    expect(names(first)).toEqual(expected);
    now(http.decide(info()));
    const refused = now(http.decide(info()));
    expect(refused.status).toBe(429);
    expect(names(refused)).toEqual([...expected, 'Retry-After']);
    expect(header(refused, 'Retry-After')).toBe('60');
  });

  it('v3 values: limit, remaining, reset in seconds, and X-RateLimit-Reset as a Unix time', () => {
    const { http, clock } = make({ policies: LIMIT_2 });
    clock.advance(15_000);
    const d = now(http.decide(info()));
    expect(d.headers).toEqual([
      ['RateLimit-Limit', '2'],
      ['RateLimit-Remaining', '1'],
      ['RateLimit-Reset', '45'],
      ['X-RateLimit-Limit', '2'],
      ['X-RateLimit-Remaining', '1'],
      ['X-RateLimit-Reset', String(T0s + 60)],
    ]);
  });

  it('draft values', () => {
    const { http } = make({ policies: LIMIT_2, headers: 'draft' });
    expect(now(http.decide(info())).headers).toEqual([
      ['RateLimit-Policy', '"rate-1m";q=2;w=60'],
      ['RateLimit', '"rate-1m";r=1;t=60'],
    ]);
  });

  it('false: no rate-limit headers at all', () => {
    const { http } = make({ policies: LIMIT_2, headers: false });
    expect(now(http.decide(info())).headers).toEqual([]);
    now(http.decide(info()));
    const refused = now(http.decide(info()));
    expect(refused.status).toBe(429);
    expect(names(refused).filter((n) => n !== 'Retry-After')).toEqual([]);
  });

  it('none for an endpoint without limits', () => {
    const { http } = make({ policies: { free: { endpoints: { 'GET|/health': {} }, defaults: { rate: { maxPerMinute: 2 } } } } });
    const d = now(http.decide(info({ path: '/health' })));
    expect(d).toMatchObject({ action: 'continue', headers: [] });
    expect(d.result!.limits).toEqual([]);
  });
});

describe('Retry-After on 429 and 503 only', () => {
  it('429 for a limit: Retry-After is the wait in whole seconds', () => {
    const { http, clock } = make({ policies: LIMIT_2 });
    now(http.decide(info()));
    now(http.decide(info()));
    clock.advance(20_500);
    const d = now(http.decide(info()));
    expect(d.status).toBe(429);
    expect(header(d, 'Retry-After')).toBe('40');
  });

  it('503 when the store fails under onStoreError block', () => {
    const { http } = make({ policies: LIMIT_2, store: failingStore, onStoreError: 'block' });
    const d = now(http.decide(info()));
    expect(d).toMatchObject({ action: 'refuse', status: 503 });
    expect(d.body).toMatchObject({ reason: 'store_unavailable', retry_after_seconds: 1 });
    expect(header(d, 'Retry-After')).toBe('1');
  });

  it('none when the store fails under onStoreError allow (the request continues, without rate-limit headers)', async () => {
    const { http, flushed } = make({ policies: LIMIT_2, store: failingStore });
    const d = now(http.decide(info()));
    expect(d).toMatchObject({ action: 'continue', headers: [], result: { degraded: true, reason: 'store_error' } });
    expect(ofType(await flushed(), 'store_error')).toHaveLength(1);
  });

  it('none on 403 (blocked IP) and on continue decisions of every kind', () => {
    const blocked = make({ policies: LIMIT_2, ipBlocklist: [IP] });
    expect(names(now(blocked.http.decide(info())))).not.toContain('Retry-After');
    for (const actionOnExceed of ['slowdown', 'allow-and-log'] as const) {
      const { http } = make({ policies: { free: { rate: { maxPerMinute: 1, actionOnExceed } } } });
      now(http.decide(info()));
      const d = now(http.decide(info()));
      expect(d.action).toBe('continue');
      expect(names(d)).not.toContain('Retry-After');
    }
    const dry = make({ policies: LIMIT_2, dryRun: true });
    for (let i = 0; i < 3; i++) expect(names(now(dry.http.decide(info())))).not.toContain('Retry-After');
  });

  it('none on a 429 for a request that can never fit (larger than the limit)', () => {
    const { http } = make({ policies: { free: { rate: { maxPerMinute: 10, maxTokensPerMinute: 100 } } }, identifyTokenUsage: (req) => req.tokens });
    const d = now(http.decide(info({ raw: { tokens: 500 } })));
    expect(d.status).toBe(429);
    expect(d.body).toMatchObject({ reason: 'token_limit_exceeded', retry_after_seconds: null });
    expect(names(d)).not.toContain('Retry-After');
  });
});

describe('refusal bodies', () => {
  it('the LimitRate v3 429 body', () => {
    const { http } = make({ policies: LIMIT_2 });
    now(http.decide(info()));
    now(http.decide(info()));
    const d = now(http.decide(info()));
    expect(d).toMatchObject({ action: 'refuse', status: 429, contentType: 'application/json', delayMs: 0, done: undefined, user: IP, plan: 'free', endpoint: ITEMS });
    expect(d.body).toEqual({ ok: false, reason: 'rate_limited', message: expect.stringContaining('2 requests per minute'), retry_after_seconds: 60, used: 2, allowed: 2, plan: 'free', endpoint: ITEMS });
    expect(d.result).toMatchObject({ allowed: false, action: 'block', reason: 'rate_limited' });
  });

  it('upgradeHint as a string or a function of the plan', () => {
    const fixed = make({ policies: { free: { rate: { maxPerMinute: 1 } } }, upgradeHint: 'Upgrade to Pro' });
    now(fixed.http.decide(info()));
    expect(now(fixed.http.decide(info())).body).toMatchObject({ upgrade_hint: 'Upgrade to Pro' });
    const hint = vi.fn((plan: string) => (plan === 'free' ? `Leave ${plan}` : null));
    const byPlan = make({ policies: { free: { rate: { maxPerMinute: 1 } }, pro: { rate: { maxPerMinute: 1 } } }, upgradeHint: hint, identifyPlan: (req) => req.plan ?? 'free' });
    now(byPlan.http.decide(info()));
    expect(now(byPlan.http.decide(info())).body).toMatchObject({ upgrade_hint: 'Leave free' });
    now(byPlan.http.decide(info({ raw: { plan: 'pro' } })));
    expect(now(byPlan.http.decide(info({ raw: { plan: 'pro' } }))).body).not.toHaveProperty('upgrade_hint');
  });

  it('problem details, with the request path as instance', () => {
    const { http } = make({ policies: { free: { rate: { maxPerMinute: 1 } } }, problemDetails: true });
    now(http.decide(info()));
    const d = now(http.decide(info({ path: '/api/items' })));
    expect(d.contentType).toBe('application/problem+json');
    expect(d.body).toMatchObject({ type: 'https://iana.org/assignments/http-problem-types#quota-exceeded', status: 429, instance: '/api/items', reason: 'rate_limited', 'violated-policies': ['rate-1m'] });
  });
});

describe('slowdown, allow-and-log and dryRun', () => {
  it('slowdown: continue after delayMs, and a slowdown_applied event', async () => {
    const { http, flushed } = make({ policies: { free: { rate: { maxPerMinute: 1, actionOnExceed: 'slowdown', slowdownMs: 250 } } } });
    expect(now(http.decide(info())).delayMs).toBe(0);
    const d = now(http.decide(info()));
    expect(d).toMatchObject({ action: 'continue', status: 200, delayMs: 250, body: undefined, result: { allowed: true, action: 'slowdown' } });
    expect(ofType(await flushed(), 'slowdown_applied')).toEqual([expect.objectContaining({ value: 250, endpoint: ITEMS })]);
  });

  it('slowdown uses 500 ms by default', () => {
    const { http } = make({ policies: { free: { rate: { maxPerMinute: 1, actionOnExceed: 'slowdown' } } } });
    now(http.decide(info()));
    expect(now(http.decide(info())).delayMs).toBe(500);
  });

  it('allow-and-log: continue at once, with the rate_exceeded event', async () => {
    const { http, flushed } = make({ policies: { free: { rate: { maxPerMinute: 1, actionOnExceed: 'allow-and-log' } } } });
    now(http.decide(info()));
    const d = now(http.decide(info()));
    expect(d).toMatchObject({ action: 'continue', delayMs: 0, result: { allowed: true, action: 'allow-and-log' } });
    expect(ofType(await flushed(), 'rate_exceeded')).toEqual([expect.objectContaining({ action: 'allow-and-log', dryRun: false })]);
  });

  it('dryRun: continue with what would have happened (a block), headers describing the limit', async () => {
    const dryRunLogger = vi.fn();
    const { http, flushed } = make({ policies: { free: { rate: { maxPerMinute: 1 } } }, dryRun: true, dryRunLogger });
    now(http.decide(info()));
    const d = now(http.decide(info()));
    expect(d).toMatchObject({ action: 'continue', status: 200, delayMs: 0, body: undefined, result: { allowed: true, dryRun: true, action: 'block', reason: 'rate_limited' } });
    expect(header(d, 'RateLimit-Remaining')).toBe('0');
    expect(ofType(await flushed(), 'rate_exceeded')).toEqual([expect.objectContaining({ dryRun: true, action: 'block' })]);
    expect(dryRunLogger).toHaveBeenCalledWith(expect.objectContaining({ action: 'block', reason: 'rate_exceeded', limit: 1 }));
  });

  it('dryRun with slowdown: no delay, and no slowdown_applied event', async () => {
    const { http, flushed } = make({ policies: { free: { rate: { maxPerMinute: 1, actionOnExceed: 'slowdown', slowdownMs: 250 } } }, dryRun: true });
    now(http.decide(info()));
    const d = now(http.decide(info()));
    expect(d).toMatchObject({ action: 'continue', delayMs: 0, result: { dryRun: true, action: 'slowdown' } });
    expect(ofType(await flushed(), 'slowdown_applied')).toEqual([]);
  });

  it('dryRun with a failing store under block: continue', () => {
    const { http } = make({ policies: LIMIT_2, store: failingStore, onStoreError: 'block', dryRun: true });
    expect(now(http.decide(info()))).toMatchObject({ action: 'continue', result: { dryRun: true, action: 'block', reason: 'store_error' } });
  });
});

describe('status()', () => {
  const POLICIES = {
    free: { endpoints: { 'GET|/health': {}, 'POST|/api/chat': { rate: { maxPerMinute: 5 } } }, defaults: { rate: { maxPerMinute: 10 } } },
    pro: { rate: { maxPerMinute: 100, maxPerDay: 1000 } },
  };

  it('reports the v3 fields and every limit, without counting', async () => {
    const { http, flushed } = make({ policies: POLICIES });
    for (let i = 0; i < 3; i++) {
      expect(await http.status(info())).toEqual({
        used: 0,
        limit: 10,
        remaining: 10,
        resetIn: expect.any(Number),
        plan: 'free',
        percentage: 0,
        endpoint: ITEMS,
        limits: [expect.objectContaining({ id: 'rate:1m', limit: 10, used: 0 })],
      });
    }
    expect(await flushed()).toEqual([]);
  });

  it('follows what decide() counted', async () => {
    const { http, clock } = make({ policies: POLICIES });
    for (let i = 0; i < 3; i++) now(http.decide(info()));
    clock.advance(15_000);
    expect(await http.status(info())).toMatchObject({ used: 3, limit: 10, remaining: 7, resetIn: 45, percentage: 30, plan: 'free' });
    for (let i = 0; i < 7; i++) now(http.decide(info()));
    expect(await http.status(info())).toMatchObject({ used: 10, remaining: 0, percentage: 100 });
    expect(now(http.decide(info())).status).toBe(429);
    expect(await http.status(info())).toMatchObject({ used: 10, remaining: 0, percentage: 100 });
  });

  it('identifies the user and plan like decide()', async () => {
    const { http } = make({ policies: POLICIES, identifyUser: (req) => req.user ?? 'anon', identifyPlan: (req) => req.plan ?? 'free' });
    now(http.decide(info({ raw: { user: 'u', plan: 'pro' } })));
    const s = await http.status(info({ raw: { user: 'u', plan: 'pro' } }));
    expect(s).toMatchObject({ used: 1, limit: 100, remaining: 99, plan: 'pro', percentage: 1 });
    expect(s.limits.map((l) => l.id)).toEqual(['rate:1m', 'rate:1d']);
    expect((await http.status(info({ raw: { user: 'other', plan: 'pro' } }))).used).toBe(0);
  });

  it('of another endpoint when asked', async () => {
    const { http } = make({ policies: POLICIES });
    now(http.decide(info({ method: 'POST', path: '/api/chat' })));
    expect(await http.status(info(), 'POST|/api/chat')).toMatchObject({ used: 1, limit: 5, remaining: 4, endpoint: 'POST|/api/chat', percentage: 20 });
  });

  it('null limit and remaining for an endpoint without limits', async () => {
    const { http } = make({ policies: POLICIES });
    now(http.decide(info({ path: '/health' })));
    expect(await http.status(info({ path: '/health' }))).toEqual({ used: 0, limit: null, remaining: null, resetIn: 0, plan: 'free', percentage: 0, endpoint: 'GET|/health', limits: [] });
  });

  it('templates the path like decide()', async () => {
    const { http } = make({ policies: POLICIES });
    now(http.decide(info({ path: '/users/1' })));
    expect(await http.status(info({ path: '/users/2' }))).toMatchObject({ used: 1, endpoint: 'GET|/users/:id' });
  });
});
