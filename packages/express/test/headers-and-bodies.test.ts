// Response headers in every mode (v3, draft, legacy, both, none), Retry-After, the v3 429
// body, upgradeHint, and RFC 9457 problem details.
import { manualClock, type Store } from '@limitrate/core';
import { describe, expect, it } from 'vitest';
import { as, byHeader, echo, EXPRESS_VERSIONS, parseDraft, planHeader, rateLimitHeaderNames, useHarness } from './helpers.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const failing: Store = { name: 'down', consume: () => Promise.reject(new Error('ECONNREFUSED')), reset: () => 0 };

describe.each(EXPRESS_VERSIONS)('%s: headers and bodies', (_name, express) => {
  const h = useHarness(express);

  async function serve(options: Parameters<typeof h.limitrate>[0]) {
    const lr = h.limitrate(options);
    const app = h.app();
    app.use(express.json());
    app.use(lr);
    app.all('/x', echo);
    return h.listen(app);
  }

  it("sends v3's RateLimit-* plus X-RateLimit-* by default", async () => {
    const clock = manualClock(T0 + 15_000);
    const c = await serve({ clock, policies: { free: { rate: { maxPerMinute: 3 } } } });
    const r = await c.get('/x');
    expect(rateLimitHeaderNames(r.headers)).toEqual(['ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']);
    expect(r.headers.get('ratelimit-limit')).toBe('3');
    expect(r.headers.get('ratelimit-remaining')).toBe('2');
    // Delta seconds to the end of the fixed window (it started at T0).
    expect(r.headers.get('ratelimit-reset')).toBe('45');
    expect(r.headers.get('x-ratelimit-limit')).toBe('3');
    expect(r.headers.get('x-ratelimit-remaining')).toBe('2');
    // Absolute Unix seconds.
    expect(r.headers.get('x-ratelimit-reset')).toBe(String((T0 + 60_000) / 1000));
  });

  it("sends the IETF structured fields with headers: 'draft' (parsed with structured-headers)", async () => {
    const clock = manualClock(T0 + 20_000);
    const c = await serve({ clock, headers: 'draft', policies: { free: { rate: { maxPerMinute: 2 } } } });
    const r = await c.get('/x');
    expect(rateLimitHeaderNames(r.headers)).toEqual(['ratelimit', 'ratelimit-policy']);
    const d = parseDraft(r.headers);
    expect(d.policies).toEqual([{ name: 'rate-1m', params: { q: 2, w: 60 } }]);
    expect(d.current).toEqual([{ name: 'rate-1m', params: { r: 1, t: 40 } }]);
    await c.get('/x');
    const refused = await c.get('/x');
    expect(refused.status).toBe(429);
    const d2 = parseDraft(refused.headers);
    expect(d2.current).toEqual([{ name: 'rate-1m', params: { r: 0, t: 40 } }]);
    // Retry-After is no earlier than t.
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(d2.current[0]!.params.t as number);
  });

  it('lists every limit in RateLimit-Policy, with quota units for tokens and cost', async () => {
    const clock = manualClock(T0);
    const c = await serve({
      clock,
      headers: 'draft',
      identifyTokenUsage: (req) => Number(req.get('x-tokens') ?? 0),
      policies: {
        free: {
          rate: { maxPerMinute: 10, maxPerHour: 100, maxTokensPerMinute: 5000 },
          cost: { hourlyCap: 0.5, estimateCost: () => 0.125 },
        },
      },
    });
    const r = await c.get('/x', { 'x-tokens': '1000' });
    expect(r.status).toBe(200);
    const d = parseDraft(r.headers);
    expect(d.policies).toEqual([
      { name: 'rate-1m', params: { q: 10, w: 60 } },
      { name: 'rate-1h', params: { q: 100, w: 3600 } },
      { name: 'tokens-1m', params: { q: 5000, qu: 'tokens', w: 60 } },
      { name: 'cost-1h', params: { q: 500_000, qu: 'usd-micros', w: 3600 } },
    ]);
    // The limit closest to running out: the cost cap ($0.375 of $0.50 left, 75%) beats tokens (80%) and requests (90%).
    expect(d.current).toEqual([{ name: 'cost-1h', params: { r: 375_000, t: 3600 } }]);
    for (const p of d.policies) expect(p.name).toMatch(/^[a-z0-9._-]+$/);
  });

  it("sends only X-RateLimit-* with headers: 'legacy'", async () => {
    const c = await serve({ headers: 'legacy', policies: { free: { rate: { maxPerMinute: 1 } } } });
    const r = await c.get('/x');
    expect(rateLimitHeaderNames(r.headers)).toEqual(['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']);
    const refused = await c.get('/x');
    expect(rateLimitHeaderNames(refused.headers)).toEqual(['retry-after', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']);
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
  });

  it("sends the draft fields and X-RateLimit-* with headers: 'both'", async () => {
    const c = await serve({ headers: 'both', policies: { free: { rate: { maxPerMinute: 4 } } } });
    const r = await c.get('/x');
    expect(rateLimitHeaderNames(r.headers)).toEqual(['ratelimit', 'ratelimit-policy', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']);
    const d = parseDraft(r.headers);
    expect(d.policies[0]!.params.q).toBe(4);
    expect(d.current[0]!.params.r).toBe(3);
    expect(r.headers.get('x-ratelimit-remaining')).toBe('3');
  });

  it('sends no rate-limit headers with headers: false, but still Retry-After on a 429', async () => {
    const c = await serve({ headers: false, policies: { free: { rate: { maxPerMinute: 1 } } } });
    const r = await c.get('/x');
    expect(rateLimitHeaderNames(r.headers)).toEqual([]);
    const refused = await c.get('/x');
    expect(refused.status).toBe(429);
    expect(rateLimitHeaderNames(refused.headers)).toEqual(['retry-after']);
  });

  it('sends Retry-After: 1 on a 503 (failing store, onStoreError block)', async () => {
    const c = await serve({ store: failing, onStoreError: 'block', policies: { free: { rate: { maxPerMinute: 10 } } } });
    const r = await c.get('/x');
    expect(r.status).toBe(503);
    expect(r.headers.get('retry-after')).toBe('1');
    expect(r.body).toMatchObject({ ok: false, reason: 'store_unavailable', retry_after_seconds: 1 });
  });

  it('describes cost caps in dollars in the v3 headers and the 429 body', async () => {
    const c = await serve({ identifyUser: byHeader, policies: { free: { cost: { dailyCap: 0.5, estimateCost: () => 0.2 } } } });
    const r = await c.get('/x', as('spender'));
    expect(r.headers.get('ratelimit-limit')).toBe('0.5');
    expect(r.headers.get('ratelimit-remaining')).toBe('0.3');
    await c.get('/x', as('spender'));
    const refused = await c.get('/x', as('spender'));
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ ok: false, reason: 'cost_exceeded', used: 0.4, allowed: 0.5, plan: 'free', endpoint: 'GET|/x' });
    expect(refused.body.message).toMatch(/daily spending cap of \$0\.50/);
  });

  it('adds upgrade_hint from a string', async () => {
    const c = await serve({ upgradeHint: 'Upgrade to Pro: https://example.com/pricing', policies: { free: { rate: { maxPerMinute: 1 } } } });
    await c.get('/x');
    const r = await c.get('/x');
    expect(r.body).toMatchObject({ ok: false, reason: 'rate_limited', upgrade_hint: 'Upgrade to Pro: https://example.com/pricing' });
    expect(Object.keys(r.body)).toEqual(['ok', 'reason', 'message', 'retry_after_seconds', 'used', 'allowed', 'plan', 'endpoint', 'upgrade_hint']);
  });

  it('adds upgrade_hint from a function of the plan, and leaves it out when it returns nothing or throws', async () => {
    const c = await serve({
      identifyUser: byHeader,
      identifyPlan: planHeader,
      upgradeHint: (plan) => {
        if (plan === 'broken') throw new Error('hint bug');
        return plan === 'free' ? `You are on ${plan}: upgrade for more` : undefined;
      },
      policies: { free: { rate: { maxPerMinute: 1 } }, pro: { rate: { maxPerMinute: 1 } }, broken: { rate: { maxPerMinute: 1 } } },
    });
    await c.get('/x', as('a'));
    expect((await c.get('/x', as('a'))).body).toMatchObject({ upgrade_hint: 'You are on free: upgrade for more' });
    await c.get('/x', as('b', { 'x-plan': 'pro' }));
    const pro = await c.get('/x', as('b', { 'x-plan': 'pro' }));
    expect(pro.status).toBe(429);
    expect('upgrade_hint' in pro.body).toBe(false);
    await c.get('/x', as('c', { 'x-plan': 'broken' }));
    const broken = await c.get('/x', as('c', { 'x-plan': 'broken' }));
    expect(broken.status).toBe(429);
    expect('upgrade_hint' in broken.body).toBe(false);
  });

  it('answers with application/problem+json (RFC 9457) when problemDetails is on', async () => {
    const c = await serve({ problemDetails: true, upgradeHint: 'Go pro', policies: { free: { rate: { maxPerMinute: 1 } } } });
    await c.get('/x?a=1');
    const r = await c.get('/x?a=2');
    expect(r.status).toBe(429);
    expect(r.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    expect(r.body).toEqual({
      type: 'https://iana.org/assignments/http-problem-types#quota-exceeded',
      title: 'Quota Exceeded',
      status: 429,
      detail: expect.stringMatching(/^Free plan allows 1 request per minute on GET \/x\. Try again in/),
      instance: '/x',
      'violated-policies': ['rate-1m'],
      reason: 'rate_limited',
      retry_after_seconds: expect.any(Number),
      plan: 'free',
      endpoint: 'GET|/x',
      limit: 1,
      used: 1,
      remaining: 0,
      upgrade_hint: 'Go pro',
    });
    expect(r.headers.get('retry-after')).toBe(String(r.body.retry_after_seconds));
  });

  it('uses problem details for 403 and 503 refusals too', async () => {
    const blocked = await serve({ problemDetails: true, trustedProxyCount: 1, ipBlocklist: ['198.51.100.0/24'], policies: { free: { rate: { maxPerMinute: 1 } } } });
    const r = await blocked.get('/x', { 'x-forwarded-for': '198.51.100.7' });
    expect(r.status).toBe(403);
    expect(r.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    expect(r.body).toMatchObject({ type: 'about:blank', title: 'Forbidden', status: 403, reason: 'ip_blocked' });

    const down = await serve({ problemDetails: true, store: failing, onStoreError: 'block', policies: { free: { rate: { maxPerMinute: 1 } } } });
    const s = await down.get('/x');
    expect(s.status).toBe(503);
    expect(s.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    expect(s.body).toMatchObject({ type: 'https://iana.org/assignments/http-problem-types#temporary-reduced-capacity', status: 503, reason: 'store_unavailable', retry_after_seconds: 1 });
    expect(s.headers.get('retry-after')).toBe('1');
  });

  it('sends no Retry-After when the request alone exceeds the limit (waiting cannot help)', async () => {
    const c = await serve({
      identifyTokenUsage: (req) => Number(req.get('x-tokens') ?? 0),
      policies: { free: { rate: { maxTokensPerMinute: 100 } } },
    });
    const r = await c.get('/x', { 'x-tokens': '500' });
    expect(r.status).toBe(429);
    expect(r.body).toMatchObject({ reason: 'token_limit_exceeded', retry_after_seconds: null, allowed: 100 });
    expect(r.body.message).toMatch(/retrying it will not help/);
    expect(r.headers.get('retry-after')).toBeNull();
  });

  it('sends no rate-limit headers for an unlimited endpoint or plan', async () => {
    const c = await serve({ identifyPlan: planHeader, policies: { free: { endpoints: { 'GET|/x': {} } }, enterprise: {} } });
    const r = await c.get('/x');
    expect(rateLimitHeaderNames(r.headers)).toEqual([]);
    const e = await c.request('/x', { method: 'POST', headers: { 'x-plan': 'enterprise' } });
    expect(e.status).toBe(200);
    expect(rateLimitHeaderNames(e.headers)).toEqual([]);
  });
});
