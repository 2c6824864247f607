// Over real HTTP: the rate-limit headers of each `headers` mode, and the 429, 403 and 503
// replies (LimitRate v3's JSON, or RFC 9457 problem details), whatever the route's
// response schema, with headers set by earlier hooks kept.
import { describe, expect, it } from 'vitest';
import { limitrate, type LimitRateOptions as Options } from '../src/index.js';
import { echo, FROZEN_AT, parseDraft, planHeader, useHarness } from './helpers.js';

/** X-RateLimit-Reset: when the window resets (30 s after FROZEN_AT, rounded up), as a Unix time. */
const RESET_AT = String(Math.ceil((FROZEN_AT + 30_000) / 1000));

describe('headers', () => {
  const h = useHarness();

  async function twice(headers: Options['headers']) {
    const app = await h.limited({ headers, policies: { free: { rate: { maxPerMinute: 1, maxTokensPerHour: 5000 } } } });
    app.get('/x', echo);
    const c = await h.listen(app);
    return [await c.send('/x'), await c.send('/x')] as const;
  }
  const names = (hs: Headers) => [...hs.keys()].filter((k) => /ratelimit|retry-after/.test(k)).sort();

  it("'v3' (the default): RateLimit-* in seconds, X-RateLimit-* with a Unix reset, Retry-After on 429", async () => {
    const [ok, refused] = await twice(undefined);
    expect(Object.fromEntries([...ok.headers].filter(([k]) => /ratelimit/.test(k)))).toEqual({
      'ratelimit-limit': '1',
      'ratelimit-remaining': '0',
      'ratelimit-reset': '30',
      'x-ratelimit-limit': '1',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': RESET_AT,
    });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('30');
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
  });

  it("'draft': the IETF RateLimit-Policy and RateLimit structured fields", async () => {
    const [ok, refused] = await twice('draft');
    expect(names(ok.headers)).toEqual(['ratelimit', 'ratelimit-policy']);
    expect(parseDraft(ok.headers.get('ratelimit-policy'))).toEqual([
      { name: 'rate-1m', params: { q: 1, w: 60 } },
      { name: 'tokens-1h', params: { q: 5000, qu: 'tokens', w: 3600 } },
    ]);
    expect(parseDraft(refused.headers.get('ratelimit'))).toEqual([{ name: 'rate-1m', params: { r: 0, t: 30 } }]);
    expect(refused.headers.get('retry-after')).toBe('30');
  });

  it("'legacy', 'both' and false", async () => {
    expect(names((await twice('legacy'))[0].headers)).toEqual(['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']);
    expect(names((await twice('both'))[0].headers)).toEqual(['ratelimit', 'ratelimit-policy', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']);
    const [ok, refused] = await twice(false);
    expect(names(ok.headers)).toEqual([]);
    expect(names(refused.headers)).toEqual(['retry-after']);
  });
});

describe('refusals', () => {
  const h = useHarness();

  async function serve(options: Partial<Options>) {
    const app = h.app();
    // An earlier hook's header (CORS, say) stays on refusals.
    app.addHook('onRequest', (_req, reply, done) => {
      void reply.header('access-control-allow-origin', '*');
      done();
    });
    await app.register(limitrate, h.withClock({
      identifyPlan: planHeader,
      upgradeHint: (plan) => (plan === 'free' ? 'Upgrade to Pro' : undefined),
      ipBlocklist: ['203.0.113.0/24'],
      trustedProxyCount: 1,
      policies: { free: { rate: { maxPerMinute: 1 } }, pro: { rate: { maxPerMinute: 1 } } },
      ...options,
    }));
    // A response schema of the route never reshapes a refusal.
    const schema = { response: { '4xx': { type: 'object', properties: { only: { type: 'string' } } }, 200: { type: 'object', properties: { ok: { type: 'boolean' } } } } };
    app.get('/x', { schema }, async () => ({ ok: true }));
    return h.listen(app);
  }

  it('429: the v3 body with upgrade_hint, JSON content type, Retry-After', async () => {
    const c = await serve({});
    await c.send('/x');
    const r = await c.send('/x');
    expect(r.status).toBe(429);
    expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(r.headers.get('access-control-allow-origin')).toBe('*');
    expect(r.body).toEqual({
      ok: false,
      reason: 'rate_limited',
      message: 'Free plan allows 1 request per minute on GET /x. Try again in 30 seconds.',
      retry_after_seconds: 30,
      used: 1,
      allowed: 1,
      plan: 'free',
      endpoint: 'GET|/x',
      upgrade_hint: 'Upgrade to Pro',
    });
    // No hint for pro (the function returns undefined).
    await c.send('/x', { headers: { 'x-plan': 'pro', 'x-forwarded-for': '198.51.100.1' } });
    expect((await c.send('/x', { headers: { 'x-plan': 'pro', 'x-forwarded-for': '198.51.100.1' } })).body).not.toHaveProperty('upgrade_hint');
  });

  it('403 for a blocked IP, 403 for an unknown plan under onUnknownPlan: block, 503 when identifyUser fails under onStoreError: block', async () => {
    const c = await serve({ onUnknownPlan: 'block', onStoreError: 'block', identifyUser: (req) => {
        if (req.headers['x-user'] === undefined) throw new Error('no user');
        return String(req.headers['x-user']);
      },
    });
    const blocked = await c.send('/x', { headers: { 'x-forwarded-for': '203.0.113.50', 'x-user': 'u' } });
    expect(blocked.status).toBe(403);
    expect(blocked.headers.get('retry-after')).toBeNull();
    expect(blocked.body).toMatchObject({ ok: false, reason: 'ip_blocked', message: 'Requests from 203.0.113.50 are blocked.' });
    const unknown = await c.send('/x', { headers: { 'x-plan': 'platinum', 'x-user': 'u' } });
    expect(unknown.status).toBe(403);
    expect(unknown.body).toMatchObject({ reason: 'unknown_plan', plan: 'platinum' });
    const noUser = await c.send('/x');
    expect(noUser.status).toBe(503);
    expect(noUser.headers.get('retry-after')).toBe('1');
    expect(noUser.body).toMatchObject({ reason: 'store_unavailable', retry_after_seconds: 1 });
  });

  it('problemDetails: RFC 9457 application/problem+json for 429 and 403', async () => {
    const c = await serve({ problemDetails: true });
    await c.send('/x?page=2');
    const r = await c.send('/x?page=2');
    expect(r.status).toBe(429);
    expect(r.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    expect(r.body).toMatchObject({ type: 'https://iana.org/assignments/http-problem-types#quota-exceeded', title: 'Quota Exceeded', status: 429, instance: '/x', 'violated-policies': ['rate-1m'], reason: 'rate_limited', upgrade_hint: 'Upgrade to Pro' });
    const blocked = await c.send('/x', { headers: { 'x-forwarded-for': '203.0.113.7' } });
    expect(blocked.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    expect(blocked.body).toMatchObject({ status: 403, title: 'Forbidden', reason: 'ip_blocked' });
  });
});
