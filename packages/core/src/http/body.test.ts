// Refusal bodies and messages (429, 403, 503; v3 JSON and RFC 9457 problem details) for real results of the RateLimiter.
import { describe, expect, it, vi } from 'vitest';
import { manualClock } from '../clock.js';
import type { RateLimiterConfig } from '../config.js';
import { RateLimiter } from '../limiter.js';
import type { Store } from '../stores/types.js';
import type { RateLimitRequest, RateLimitResult } from '../types.js';
import { ipBlockedRefusal, refusal } from './body.js';
import { rateLimitMessage } from './messages.js';
import { retryAfterSeconds } from './headers.js';

const T0 = Date.UTC(2026, 0, 1); // aligned to every window
const CHAT = 'POST|/api/chat';
const QUOTA_EXCEEDED = 'https://iana.org/assignments/http-problem-types#quota-exceeded';
const REDUCED_CAPACITY = 'https://iana.org/assignments/http-problem-types#temporary-reduced-capacity';

function make(config: Omit<RateLimiterConfig, 'clock'>) {
  const clock = manualClock(T0);
  return { limiter: new RateLimiter({ ...config, clock }), clock };
}

/** Checks `request` until the limiter refuses it (at most 100 times) and returns that result. */
async function refusedAfter(limiter: RateLimiter, request: RateLimitRequest, advance?: { clock: { advance(ms: number): void }; ms: number }): Promise<RateLimitResult> {
  for (let i = 0; i < 100; i++) {
    const r = await limiter.check(request);
    if (!r.allowed || r.action !== 'allow') return r;
    if (advance !== undefined && i === 0) advance.clock.advance(advance.ms);
  }
  throw new Error('never refused');
}

/** The first blocked result of `rule` on POST /api/chat for plan `free`. */
async function blockedBy(policies: RateLimiterConfig['policies'], request: Partial<RateLimitRequest> = {}): Promise<RateLimitResult> {
  const { limiter } = make({ policies });
  return refusedAfter(limiter, { userId: 'u', endpoint: CHAT, ...request });
}

const failingStore: Store = {
  name: 'down',
  consume() {
    throw new Error('ECONNREFUSED');
  },
  reset: () => 0,
};

describe('429 for limits (the LimitRate v3 body)', () => {
  it('says which limit refused, when to come back, and echoes plan and endpoint', async () => {
    const { limiter, clock } = make({ policies: { free: { rate: { maxPerMinute: 10 } } } });
    const r = await refusedAfter(limiter, { userId: 'u', endpoint: CHAT }, { clock, ms: 18_000 });
    expect(r).toMatchObject({ allowed: false, retryAfter: 42 });
    expect(refusal(r)).toEqual({
      status: 429,
      contentType: 'application/json',
      body: {
        ok: false,
        reason: 'rate_limited',
        message: 'Free plan allows 10 requests per minute on POST /api/chat. Try again in 42 seconds.',
        retry_after_seconds: 42,
        used: 10,
        allowed: 10,
        plan: 'free',
        endpoint: 'POST|/api/chat',
      },
    });
    expect(refusal(r).body.retry_after_seconds).toBe(retryAfterSeconds(r));
  });

  it.each([
    [{ maxPerSecond: 2 }, 'Free plan allows 2 requests per second on POST /api/chat. Try again in 1 second.'],
    [{ maxPerMinute: 1 }, 'Free plan allows 1 request per minute on POST /api/chat. Try again in 60 seconds.'],
    [{ maxPerMinute: 10, burst: 5 }, 'Free plan allows 15 requests per minute on POST /api/chat. Try again in 60 seconds.'],
    [{ maxPerHour: 3 }, 'Free plan allows 3 requests per hour on POST /api/chat. Try again in 60 minutes.'],
    [{ maxPerDay: 50 }, 'Free plan allows 50 requests per day on POST /api/chat. Try again in 24 hours.'],
    // The sliding window's estimate keeps the first minute's requests in view a little longer.
    [{ maxPerMinute: 5, algorithm: 'sliding-window' as const }, 'Free plan allows 5 requests per minute on POST /api/chat. Try again in 72 seconds.'],
    [{ maxPerHour: 4, algorithm: 'sliding-log' as const }, 'Free plan allows 4 requests per hour on POST /api/chat. Try again in 60 minutes.'],
  ])('request limit %j', async (rate, message) => {
    const r = await blockedBy({ free: { rate } });
    expect(r.reason).toBe('rate_limited');
    expect(rateLimitMessage(r)).toBe(message);
    expect(refusal(r).body).toMatchObject({ reason: 'rate_limited', message, allowed: r.blockedBy!.limit });
  });

  it.each([
    [{ capacity: 10, refillRate: 2, algorithm: 'token-bucket' as const }, 'Free plan allows a burst of 10 requests on POST /api/chat, refilled at 2 per second. Try again in 1 second.'],
    [{ capacity: 5, leakRate: 0.5, algorithm: 'leaky-bucket' as const }, 'Free plan allows a burst of 5 requests on POST /api/chat, refilled at 30 per minute. Try again in 2 seconds.'],
    [
      { maxPerMinute: 10, burst: 5, algorithm: 'token-bucket' as const },
      'Free plan allows bursts of up to 15 requests on POST /api/chat, refilled at a steady per-minute rate. Try again in 6 seconds.',
    ],
    [{ maxPerHour: 60, capacity: 1, algorithm: 'gcra' as const }, 'Free plan allows bursts of up to 1 request on POST /api/chat, refilled at a steady per-hour rate. Try again in 60 seconds.'],
  ])('bucket %j', async (rate, message) => {
    const r = await blockedBy({ free: { rate } });
    expect(rateLimitMessage(r)).toBe(message);
  });

  it.each([
    [{ maxTokensPerMinute: 1000 }, 600, 'Free plan allows 1,000 tokens per minute on POST /api/chat. Try again in 60 seconds.'],
    [{ maxTokensPerHour: 50_000 }, 30_000, 'Free plan allows 50,000 tokens per hour on POST /api/chat. Try again in 60 minutes.'],
    [{ maxTokensPerDay: 1_000_000 }, 600_000, 'Free plan allows 1,000,000 tokens per day on POST /api/chat. Try again in 24 hours.'],
  ])('token limit %j', async (rate, tokens, message) => {
    const r = await blockedBy({ free: { rate } }, { tokens });
    expect(r.reason).toBe('token_limit_exceeded');
    expect(refusal(r).body).toMatchObject({ reason: 'token_limit_exceeded', message, used: tokens, allowed: r.blockedBy!.limit });
  });

  it('spending caps: reached, or would be exceeded, hourly and daily, in dollars', async () => {
    const { limiter, clock } = make({ policies: { free: { cost: { hourlyCap: 0.5, dailyCap: 1 } } } });
    await limiter.check({ userId: 'u', endpoint: CHAT, cost: 0.25 });
    await limiter.check({ userId: 'u', endpoint: CHAT, cost: 0.25 });
    clock.advance(18 * 60_000);
    const reached = await limiter.check({ userId: 'u', endpoint: CHAT, cost: 0.01 });
    expect(reached).toMatchObject({ allowed: false, reason: 'cost_exceeded', retryAfter: 42 * 60 });
    expect(refusal(reached).body).toEqual({
      ok: false,
      reason: 'cost_exceeded',
      message: "Free plan's hourly spending cap of $0.50 on POST /api/chat is reached. Try again in 42 minutes.",
      retry_after_seconds: 2520,
      used: 0.5,
      allowed: 0.5,
      plan: 'free',
      endpoint: 'POST|/api/chat',
    });
    clock.advance(42 * 60_000); // next hour: $0.50 spent today, $0.50 left
    await limiter.check({ userId: 'u', endpoint: CHAT, cost: 0.3 });
    clock.advance(3_600_000);
    const wouldExceed = await limiter.check({ userId: 'u', endpoint: CHAT, cost: 0.3 }); // $0.20 left today
    expect(wouldExceed.blockedBy?.id).toBe('cost:1d');
    expect(rateLimitMessage(wouldExceed)).toBe("Free plan's daily spending cap of $1.00 on POST /api/chat would be exceeded by this request. Try again in 22 hours.");
    expect(refusal(wouldExceed).body).toMatchObject({ used: 0.8, allowed: 1 });
  });

  it('a request larger than the limit: says retrying will not help, and gives no retry time', async () => {
    const tokens = await blockedBy({ free: { rate: { maxPerMinute: 10, maxTokensPerHour: 50_000 } } }, { tokens: 60_000 });
    expect(refusal(tokens).body).toMatchObject({
      reason: 'token_limit_exceeded',
      message: 'Free plan allows 50,000 tokens per hour on POST /api/chat. This request alone is larger than the limit, so retrying it will not help.',
      retry_after_seconds: null,
      used: 0,
      allowed: 50_000,
    });
    const cost = await blockedBy({ free: { cost: { dailyCap: 1 } } }, { cost: 2.5 });
    expect(refusal(cost).body).toMatchObject({
      reason: 'cost_exceeded',
      message: 'Free plan has a daily spending cap of $1.00 on POST /api/chat. This request alone is larger than the limit, so retrying it will not help.',
      retry_after_seconds: null,
    });
  });

  it('names the plan capitalised and the endpoint as METHOD /path, or leaves out what is not known', async () => {
    const { limiter } = make({ policies: { 'pro-team': { rate: { maxPerMinute: 1 } } } });
    const noEndpoint = await refusedAfter(limiter, { userId: 'u' });
    expect(noEndpoint.endpoint).toBe('*|*');
    expect(rateLimitMessage(noEndpoint)).toBe('Pro-team plan allows 1 request per minute. Try again in 60 seconds.');
    const pathOnly = await refusedAfter(limiter, { userId: 'u', endpoint: '/v1/items' });
    expect(pathOnly.endpoint).toBe('*|/v1/items');
    expect(rateLimitMessage(pathOnly)).toBe('Pro-team plan allows 1 request per minute on /v1/items. Try again in 60 seconds.');
    expect(rateLimitMessage({ ...pathOnly, plan: '', endpoint: 'GET|*' })).toBe('Your plan allows 1 request per minute on GET requests. Try again in 60 seconds.');
  });

  it('adds upgrade_hint from a string or from a function of the plan', async () => {
    const r = await blockedBy({ free: { rate: { maxPerMinute: 1 } } });
    expect(refusal(r, { upgradeHint: 'Upgrade at https://example.com/pricing' }).body.upgrade_hint).toBe('Upgrade at https://example.com/pricing');
    const hint = vi.fn((plan: string) => (plan === 'free' ? `Leave the ${plan} plan` : null));
    expect(refusal(r, { upgradeHint: hint }).body.upgrade_hint).toBe('Leave the free plan');
    expect(hint).toHaveBeenCalledWith('free');
    for (const upgradeHint of [() => null, () => undefined, () => '', '', undefined]) {
      expect(refusal(r, { upgradeHint }).body).not.toHaveProperty('upgrade_hint');
    }
    const throwing = () => {
      throw new Error('boom');
    };
    expect(refusal(r, { upgradeHint: throwing }).status).toBe(429);
    expect(refusal(r, { upgradeHint: throwing }).body).not.toHaveProperty('upgrade_hint');
  });

  it('describes what happened to a request that was slowed, logged, let through by dry run, or not limited', async () => {
    const slow = make({ policies: { free: { rate: { maxPerMinute: 1, actionOnExceed: 'slowdown', slowdownMs: 1500 } } } }).limiter;
    await slow.check({ userId: 'u', endpoint: CHAT });
    expect(rateLimitMessage(await slow.check({ userId: 'u', endpoint: CHAT }))).toBe(
      'Free plan allows 1 request per minute on POST /api/chat. This request was slowed down by 1,500 ms.',
    );
    const logged = make({ policies: { free: { rate: { maxPerMinute: 1, actionOnExceed: 'allow-and-log' } } } }).limiter;
    await logged.check({ userId: 'u', endpoint: CHAT });
    expect(rateLimitMessage(await logged.check({ userId: 'u', endpoint: CHAT }))).toBe(
      'Free plan allows 1 request per minute on POST /api/chat. This request was let through and logged.',
    );
    const dry = make({ policies: { free: { rate: { maxPerMinute: 1 } } }, dryRun: true }).limiter;
    await dry.check({ userId: 'u', endpoint: CHAT });
    const wouldBlock = await dry.check({ userId: 'u', endpoint: CHAT });
    expect(wouldBlock).toMatchObject({ allowed: true, dryRun: true });
    expect(rateLimitMessage(wouldBlock)).toBe('Free plan allows 1 request per minute on POST /api/chat. Try again in 60 seconds.');

    const plain = make({ policies: { free: { rate: { maxPerMinute: 10 }, cost: { dailyCap: 2 } } } }).limiter;
    expect(rateLimitMessage(await plain.check({ userId: 'u', endpoint: CHAT, cost: 1.5 }))).toBe(
      'Free plan has a daily spending cap of $2.00 on POST /api/chat. $0.50 of it remains.',
    );
    expect(rateLimitMessage(await plain.check({ userId: 'v', endpoint: CHAT }))).toBe('Free plan allows 10 requests per minute on POST /api/chat. 9 requests remaining.');
    const none = await make({ policies: { free: {} } }).limiter.check({ userId: 'u', endpoint: CHAT });
    expect(rateLimitMessage(none)).toBe('No rate limits apply to this request to POST /api/chat on the Free plan.');
  });
});

describe('problem details (RFC 9457)', () => {
  it('a limit is "quota-exceeded", with violated-policies and the v3 fields as extensions', async () => {
    const { limiter, clock } = make({ policies: { free: { rate: { maxPerMinute: 10 } } } });
    const r = await refusedAfter(limiter, { userId: 'u', endpoint: CHAT }, { clock, ms: 18_000 });
    const p = refusal(r, { problemDetails: true, instance: '/api/chat', upgradeHint: 'Upgrade to Pro' });
    expect(p).toEqual({
      status: 429,
      contentType: 'application/problem+json',
      body: {
        type: QUOTA_EXCEEDED,
        title: 'Quota Exceeded',
        status: 429,
        detail: 'Free plan allows 10 requests per minute on POST /api/chat. Try again in 42 seconds.',
        instance: '/api/chat',
        'violated-policies': ['rate-1m'],
        reason: 'rate_limited',
        retry_after_seconds: 42,
        plan: 'free',
        endpoint: 'POST|/api/chat',
        limit: 10,
        used: 10,
        remaining: 0,
        upgrade_hint: 'Upgrade to Pro',
      },
    });
    expect(refusal(r, { problemDetails: true }).body).not.toHaveProperty('instance');
    expect(refusal(r, { problemDetails: false }).contentType).toBe('application/json');
  });

  it('lists every exceeded limit in violated-policies, the deciding one first', async () => {
    const { limiter } = make({ policies: { free: { rate: { maxPerMinute: 1, maxTokensPerHour: 100 }, cost: { dailyCap: 1 } } } });
    await limiter.check({ userId: 'u', endpoint: CHAT, tokens: 90, cost: 0.95 });
    const r = await limiter.check({ userId: 'u', endpoint: CHAT, tokens: 20, cost: 0.1 });
    expect(r.limits.filter((l) => l.exceeded).map((l) => l.id)).toEqual(['rate:1m', 'tokens:1h', 'cost:1d']);
    const body = refusal(r, { problemDetails: true }).body;
    expect(r.blockedBy?.id).toBe('cost:1d'); // the longest wait decides
    expect(body['violated-policies']).toEqual(['cost-1d', 'rate-1m', 'tokens-1h']);
  });

  it('gives cost amounts in dollars without float noise', async () => {
    const { limiter } = make({ policies: { free: { cost: { dailyCap: 0.3 } } } });
    await limiter.check({ userId: 'u', endpoint: CHAT, cost: 0.1 });
    await limiter.check({ userId: 'u', endpoint: CHAT, cost: 0.2 });
    const r = await limiter.check({ userId: 'u', endpoint: CHAT, cost: 0.1 });
    expect(refusal(r, { problemDetails: true }).body).toMatchObject({ reason: 'cost_exceeded', limit: 0.3, used: 0.3, remaining: 0, 'violated-policies': ['cost-1d'] });
  });
});

describe('503 when the limiter itself failed', () => {
  it('a store failure under onStoreError block', async () => {
    const r = await make({ policies: { free: { rate: { maxPerMinute: 1 } } }, store: failingStore, onStoreError: 'block' }).limiter.check({ userId: 'u', endpoint: CHAT });
    expect(r).toMatchObject({ allowed: false, reason: 'store_error' });
    const message = 'Rate limiting is temporarily unavailable, so this request to POST /api/chat could not be served. Try again in 1 second.';
    expect(refusal(r, { upgradeHint: 'Upgrade!' })).toEqual({
      status: 503,
      contentType: 'application/json',
      body: { ok: false, reason: 'store_unavailable', message, retry_after_seconds: 1, used: null, allowed: null, plan: 'free', endpoint: 'POST|/api/chat' },
    });
    expect(refusal(r, { problemDetails: true, instance: 'urn:uuid:1' })).toEqual({
      status: 503,
      contentType: 'application/problem+json',
      body: {
        type: REDUCED_CAPACITY,
        title: 'Temporary Reduced Capacity',
        status: 503,
        detail: message,
        instance: 'urn:uuid:1',
        reason: 'store_unavailable',
        retry_after_seconds: 1,
        plan: 'free',
        endpoint: 'POST|/api/chat',
        limit: null,
        used: null,
        remaining: null,
      },
    });
  });

  it('an estimateCost failure under onStoreError block', async () => {
    const { limiter } = make({
      policies: {
        free: {
          cost: {
            dailyCap: 1,
            estimateCost: () => {
              throw new Error('no price list');
            },
          },
        },
      },
      onStoreError: 'block',
    });
    const r = await limiter.check({ userId: 'u', endpoint: CHAT });
    expect(r).toMatchObject({ allowed: false, reason: 'callback_error' });
    expect(refusal(r)).toMatchObject({ status: 503, body: { reason: 'store_unavailable', retry_after_seconds: 1 } });
  });

  it('a failure that let the request through says so', async () => {
    const r = await make({ policies: { free: { rate: { maxPerMinute: 1 } } }, store: failingStore }).limiter.check({ userId: 'u', endpoint: CHAT });
    expect(rateLimitMessage(r)).toBe('Rate limiting is temporarily unavailable; this request to POST /api/chat was let through without a limit check.');
  });
});

describe('403', () => {
  it('an unknown plan under onUnknownPlan block: waiting would not help', async () => {
    const r = await make({ policies: { free: { rate: { maxPerMinute: 1 } } }, onUnknownPlan: 'block' }).limiter.check({ userId: 'u', plan: 'gold', endpoint: CHAT });
    const message = 'The plan "gold" is not recognised, so this request to POST /api/chat is refused.';
    expect(refusal(r, { upgradeHint: 'Upgrade!' })).toEqual({
      status: 403,
      contentType: 'application/json',
      body: { ok: false, reason: 'unknown_plan', message, retry_after_seconds: null, used: null, allowed: null, plan: 'gold', endpoint: 'POST|/api/chat' },
    });
    expect(refusal(r, { problemDetails: true }).body).toEqual({
      type: 'about:blank',
      title: 'Forbidden',
      status: 403,
      detail: message,
      reason: 'unknown_plan',
      retry_after_seconds: null,
      plan: 'gold',
      endpoint: 'POST|/api/chat',
      limit: null,
      used: null,
      remaining: null,
    });
    const allowed = await make({ policies: { free: { rate: { maxPerMinute: 1 } } }, onUnknownPlan: 'allow' }).limiter.check({ userId: 'u', plan: 'gold' });
    expect(rateLimitMessage(allowed)).toBe('The plan "gold" is not recognised; this request was let through without limits.');
  });

  it('a blocked IP', () => {
    expect(ipBlockedRefusal('203.0.113.7')).toEqual({
      status: 403,
      contentType: 'application/json',
      body: {
        ok: false,
        reason: 'ip_blocked',
        message: 'Requests from 203.0.113.7 are blocked.',
        retry_after_seconds: null,
        used: null,
        allowed: null,
        plan: null,
        endpoint: null,
      },
    });
    expect(ipBlockedRefusal('2001:db8::1', { problemDetails: true, instance: '/x', upgradeHint: 'no' })).toEqual({
      status: 403,
      contentType: 'application/problem+json',
      body: {
        type: 'about:blank',
        title: 'Forbidden',
        status: 403,
        detail: 'Requests from 2001:db8::1 are blocked.',
        instance: '/x',
        reason: 'ip_blocked',
        retry_after_seconds: null,
        plan: null,
        endpoint: null,
        limit: null,
        used: null,
        remaining: null,
      },
    });
    expect(ipBlockedRefusal('').body.message).toBe('Requests from your IP address are blocked.');
  });
});

describe('hostile and odd input', () => {
  const HOSTILE = `<img src=x onerror=alert(1)>"\\\u0000\u0007\u001b[31m\u202e\u2028${'é'.repeat(5000)}\ud800`;
  const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

  function expectSafe(text: unknown, max: number) {
    expect(typeof text).toBe('string');
    expect(Array.from(text as string).length).toBeLessThanOrEqual(max);
    expect(text as string).not.toMatch(UNSAFE);
  }

  it('caps and cleans plan, endpoint and IP strings wherever they are echoed', async () => {
    const endpoint = `POST|/${'a'.repeat(3000)}\u0000\u2028/<script>`;
    const { limiter } = make({ policies: { free: { rate: { maxPerMinute: 1 } }, [HOSTILE]: { rate: { maxPerMinute: 1 } } }, onUnknownPlan: 'block' });
    const limited = await refusedAfter(limiter, { userId: 'u', plan: HOSTILE, endpoint });
    const unknown = await limiter.check({ userId: 'u', plan: `${HOSTILE}!`, endpoint });
    expect(limited).toMatchObject({ allowed: false, reason: 'rate_limited', plan: HOSTILE });
    expect(unknown).toMatchObject({ allowed: false, reason: 'unknown_plan' });
    for (const r of [limited, unknown]) {
      for (const problemDetails of [false, true]) {
        const { body } = refusal(r, { problemDetails, upgradeHint: (p) => `hint for ${p.length} chars` });
        expectSafe(body.plan, 200);
        expectSafe(body.endpoint, 200);
        expectSafe(problemDetails ? body.detail : body.message, 700);
        expect(() => JSON.parse(JSON.stringify(body))).not.toThrow();
      }
    }
    // The upgrade hint function gets the real plan name, not the shortened one.
    expect(refusal(limited, { upgradeHint: (p) => `${p.length}` }).body.upgrade_hint).toBe(String(HOSTILE.length));
    expect(rateLimitMessage(limited)).toMatch(/^<img src=x onerror=alert\(1\)>"\\\ufffd/);
    expect(rateLimitMessage(limited)).toMatch(/… plan allows 1 request per minute on POST \/a+…\. Try again in 60 seconds\.$/);
    const ip = ipBlockedRefusal(HOSTILE, { problemDetails: true, instance: `/${'x'.repeat(5000)}\u0000` });
    expectSafe(ip.body.detail, 250);
    expectSafe(ip.body.instance, 2048);
  });

  it('never throws, and never prints Infinity or NaN, for damaged results', async () => {
    const r = await blockedBy({ free: { rate: { maxPerMinute: 1, maxTokensPerHour: 100 } } });
    const s = r.blockedBy!;
    const damaged: unknown[] = [
      { ...r, blockedBy: { ...s, limit: Infinity, used: Number.NaN, remaining: Infinity, windowMs: Number.NaN } },
      { ...r, blockedBy: { ...s, kind: 'cost', unit: 'usd', limit: Infinity, windowMs: 7_200_000 }, retryAfter: Infinity },
      { ...r, blockedBy: { ...s, window: 'bucket', windowMs: 0 }, plan: 42, endpoint: undefined },
      { ...r, blockedBy: undefined, limits: [], limit: Infinity, remaining: Infinity },
      { ...r, blockedBy: null, limits: null, plan: null, endpoint: null, reason: undefined },
      { ...r, retryAfter: 1e12 },
      {},
      null,
    ];
    for (const d of damaged) {
      const result = d as RateLimitResult;
      const message = rateLimitMessage(result);
      expect(message).not.toMatch(/Infinity|NaN|undefined|null|\[object/);
      for (const problemDetails of [false, true]) {
        const out = refusal(result, { problemDetails });
        expect([429, 403, 503]).toContain(out.status);
        expect(JSON.stringify(out.body)).not.toMatch(/Infinity|NaN/);
      }
    }
    expect(rateLimitMessage(damaged[1] as RateLimitResult)).toBe("Free plan's spending cap of an unlimited amount every 2 hours on POST /api/chat is reached. Try again later.");
    expect(rateLimitMessage(null as unknown as RateLimitResult)).toBe('Too many requests. Try again later.');
    expect(refusal(r, null as unknown as undefined).status).toBe(429);
    expect(ipBlockedRefusal(undefined as unknown as string, null as unknown as undefined).body.message).toBe('Requests from your IP address are blocked.');
  });

  it('formats long waits and large numbers readably', async () => {
    const blocked = await blockedBy({ free: { rate: { maxPerDay: 2 } } });
    const r = { ...blocked, blockedBy: { ...blocked.blockedBy!, limit: 2_500_000 } };
    expect(rateLimitMessage({ ...r, retryAfter: 3 * 86_400 + 5 })).toBe('Free plan allows 2,500,000 requests per day on POST /api/chat. Try again in 4 days.');
    expect(rateLimitMessage({ ...r, retryAfter: 119 })).toMatch(/Try again in 119 seconds\.$/);
    expect(rateLimitMessage({ ...r, retryAfter: 121 })).toMatch(/Try again in 3 minutes\.$/);
    expect(rateLimitMessage({ ...r, blockedBy: { ...r.blockedBy!, windowMs: 5 * 60_000 } })).toMatch(/allows 2,500,000 requests every 5 minutes on/);
  });
});
