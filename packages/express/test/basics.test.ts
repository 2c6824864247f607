// limitrate() basics over real HTTP: counting, the 429, req.rateLimit, plans, users,
// windows and algorithms, user overrides, unknown plans, events, configuration errors.
import { ConfigError, HTTP_OPTIONS, MemoryStore, manualClock, type DryRunEvent } from '@limitrate/core';
import type { NextFunction, Request, Response } from 'express';
import { describe, expect, it } from 'vitest';
import { as, byHeader, echo, EventLog, EXPRESS_VERSIONS, planHeader, useHarness, type EchoBody } from './helpers.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

describe.each(EXPRESS_VERSIONS)('%s: basics', (_name, express) => {
  const h = useHarness(express);

  it('counts requests per client and answers the third with the v3 429 body and Retry-After', async () => {
    const lr = h.limitrate({ policies: { free: { rate: { maxPerMinute: 2 } } } });
    const app = h.app();
    app.use(lr);
    app.get('/x', echo);
    const c = await h.listen(app);

    const first = await c.echo('/x');
    const second = await c.echo('/x');
    const third = await c.get('/x');
    expect([first.status, second.status, third.status]).toEqual([200, 200, 429]);
    expect(first.body.rateLimit).toMatchObject({ limit: 2, used: 1, remaining: 1, user: '127.0.0.1', plan: 'free', endpoint: 'GET|/x', policy: 'defaults' });
    expect(second.body.rateLimit).toMatchObject({ used: 2, remaining: 0 });
    expect(third.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(third.body).toEqual({
      ok: false,
      reason: 'rate_limited',
      message: expect.stringMatching(/^Free plan allows 2 requests per minute on GET \/x\. Try again in \d+ seconds?\.$/),
      retry_after_seconds: expect.any(Number),
      used: 2,
      allowed: 2,
      plan: 'free',
      endpoint: 'GET|/x',
    });
    const retry = third.body.retry_after_seconds as number;
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(60);
    expect(third.headers.get('retry-after')).toBe(String(retry));
    expect('upgrade_hint' in third.body).toBe(false);
  });

  it('sets every field of req.rateLimit', async () => {
    const clock = manualClock(T0);
    const lr = h.limitrate({ clock, identifyUser: byHeader, policies: { free: { endpoints: { 'GET|/x': { rate: { maxPerMinute: 5 } } } } } });
    const app = h.app();
    app.use(lr);
    app.get('/x', echo);
    const c = await h.listen(app);
    const r = await c.echo('/x', as('alice'));
    expect(r.status).toBe(200);
    const info = r.body.rateLimit!;
    expect(info).toMatchObject({ limit: 5, used: 1, current: 1, remaining: 4, reset: 60, policy: 'GET|/x', user: 'alice', plan: 'free', endpoint: 'GET|/x' });
    expect(info.rule).toBeUndefined();
    expect(info.resetTime).toBe(new Date(T0 + 60_000).toISOString());
    expect(info.result).toMatchObject({ allowed: true, action: 'allow', dryRun: false, degraded: false, policy: 'GET|/x' });
    expect(info.result!.limits.map((l) => l.id)).toEqual(['rate:1m']);
  });

  it('gives each user their own bucket and each plan its own limits (sync and async identify callbacks)', async () => {
    const lr = h.limitrate({
      identifyUser: async (req) => byHeader(req),
      identifyPlan: planHeader,
      policies: { free: { rate: { maxPerMinute: 1 } }, pro: { rate: { maxPerMinute: 3 } } },
    });
    const app = h.app();
    app.use(lr);
    app.get('/x', echo);
    const c = await h.listen(app);
    expect(await c.statuses('/x', 2, { headers: as('alice') })).toEqual([200, 429]);
    expect(await c.statuses('/x', 2, { headers: as('bob') })).toEqual([200, 429]);
    expect(await c.statuses('/x', 4, { headers: as('carol', { 'x-plan': 'pro' }) })).toEqual([200, 200, 200, 429]);
    const r = await c.echo('/x', as('dave', { 'x-plan': 'pro' }));
    expect(r.body.rateLimit).toMatchObject({ user: 'dave', plan: 'pro', limit: 3 });
  });

  it('takes the plan shorthand, endpoints and defaults, and exempts an endpoint with {}', async () => {
    const lr = h.limitrate({
      policies: {
        free: {
          endpoints: { 'POST|/api/chat': { rate: { maxPerMinute: 1 } }, 'GET|/health': {} },
          defaults: { rate: { maxPerMinute: 2 } },
        },
      },
    });
    const app = h.app();
    app.use(lr);
    app.post('/api/chat', echo);
    app.get('/health', echo);
    app.get('/other', echo);
    const c = await h.listen(app);
    expect(await c.statuses('/api/chat', 2, { method: 'POST' })).toEqual([200, 429]);
    expect(await c.statuses('/other', 3)).toEqual([200, 200, 429]);
    const health = await c.echo('/health');
    expect(await c.statuses('/health', 5)).toEqual([200, 200, 200, 200, 200]);
    expect(health.headers.get('ratelimit-limit')).toBeNull();
    expect(health.body.rateLimit).toMatchObject({ limit: null, remaining: null, policy: 'GET|/health' });
  });

  it('enforces every window of a rule, and burst on top of it', async () => {
    const clock = manualClock(T0);
    const lr = h.limitrate({ clock, policies: { free: { rate: { maxPerSecond: 2, maxPerMinute: 3, burst: 1 } } } });
    const app = h.app();
    app.use(lr);
    app.get('/x', echo);
    const c = await h.listen(app);
    // 2 + 1 burst per second, 3 + 1 per minute.
    expect(await c.statuses('/x', 4)).toEqual([200, 200, 200, 429]);
    clock.advance(1000);
    const next = await c.get('/x');
    expect(next.status).toBe(200);
    const blocked = await c.get('/x');
    expect(blocked.status).toBe(429);
    expect(blocked.body).toMatchObject({ reason: 'rate_limited', allowed: 4, used: 4 });
    clock.advance(60_000);
    expect((await c.get('/x')).status).toBe(200);
  });

  it.each([
    ['sliding-window', { algorithm: 'sliding-window', maxPerMinute: 3 }],
    ['sliding-log', { algorithm: 'sliding-log', maxPerMinute: 3 }],
    ['token-bucket', { algorithm: 'token-bucket', capacity: 3, refillRate: 1 }],
    ['leaky-bucket', { algorithm: 'leaky-bucket', capacity: 3, leakRate: 1 }],
    ['gcra', { algorithm: 'gcra', maxPerMinute: 3 }],
  ] as const)('applies the %s algorithm', async (_algo, rate) => {
    const clock = manualClock(T0);
    const lr = h.limitrate({ clock, policies: { free: { rate: { ...rate } } } });
    const app = h.app();
    app.use(lr);
    app.get('/x', echo);
    const c = await h.listen(app);
    const statuses = await c.statuses('/x', 5);
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses[4]).toBe(429);
    const refused = await c.get('/x');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    clock.advance(120_000);
    expect((await c.get('/x')).status).toBe(200);
  });

  it('uses a Store instance passed as store, and store: { type: memory, maxKeys }', async () => {
    const clock = manualClock(T0);
    const store = new MemoryStore({ clock, cleanupIntervalMs: 0 });
    const lr = h.limitrate({ store, policies: { free: { rate: { maxPerMinute: 1 } } } });
    const lr2 = h.limitrate({ store: { type: 'memory', maxKeys: 16 }, identifyUser: byHeader, policies: { free: { rate: { maxPerMinute: 1 } } } });
    const app = h.app();
    app.get('/a', lr, echo);
    app.get('/b', lr2, echo);
    const c = await h.listen(app);
    expect(await c.statuses('/a', 2)).toEqual([200, 429]);
    expect(store.stats().keys).toBe(1);
    // More users than keys: still answers (evictions), never crashes.
    for (let i = 0; i < 40; i++) expect((await c.get('/b', as(`user-${i}`))).status).toBe(200);
  });

  it('applies userOverrides (static) and getUserOverride (looked up per request)', async () => {
    const lr = h.limitrate({
      identifyUser: byHeader,
      userOverrides: { vip: { maxPerMinute: 3 } },
      getUserOverride: async (userId) => (userId === 'partner' ? { maxPerMinute: 2 } : null),
      policies: { free: { rate: { maxPerMinute: 1 } } },
    });
    const app = h.app();
    app.use(lr);
    app.get('/x', echo);
    const c = await h.listen(app);
    expect(await c.statuses('/x', 2, { headers: as('someone') })).toEqual([200, 429]);
    expect(await c.statuses('/x', 4, { headers: as('vip') })).toEqual([200, 200, 200, 429]);
    expect(await c.statuses('/x', 3, { headers: as('partner') })).toEqual([200, 200, 429]);
  });

  it('falls back to the plan limits when getUserOverride throws, and reports it', async () => {
    const log = new EventLog();
    const lr = h.limitrate({
      identifyUser: byHeader,
      onEvent: log.onEvent,
      getUserOverride: () => {
        throw new Error('contracts database is down');
      },
      userOverrideTimeoutMs: 100,
      policies: { free: { rate: { maxPerMinute: 1 } } },
    });
    const app = h.app();
    app.use(lr);
    app.get('/x', echo);
    const c = await h.listen(app);
    const r = await c.echo('/x', as('u'));
    expect(r.status).toBe(200);
    expect(r.body.rateLimit?.result).toMatchObject({ degraded: true });
    expect((await c.get('/x', as('u'))).status).toBe(429);
    const [e] = await log.waitFor('callback_error');
    expect(e).toMatchObject({ callback: 'getUserOverride', fallback: 'applied the plan limits', user: 'u' });
  });

  it('handles unknown plans: default (the default plan), allow (unlimited), block (403)', async () => {
    const policies = { free: { rate: { maxPerMinute: 1 } }, pro: { rate: { maxPerMinute: 100 } } };
    const log = new EventLog();
    const byDefault = h.limitrate({ identifyUser: byHeader, identifyPlan: planHeader, policies, onEvent: log.onEvent });
    const allow = h.limitrate({ identifyUser: byHeader, identifyPlan: planHeader, policies, onUnknownPlan: 'allow' });
    const block = h.limitrate({ identifyUser: byHeader, identifyPlan: planHeader, policies, onUnknownPlan: 'block' });
    const app = h.app();
    app.get('/default', byDefault, echo);
    app.get('/allow', allow, echo);
    app.get('/block', block, echo);
    const c = await h.listen(app);
    const platinum = as('u', { 'x-plan': 'platinum' });

    const d = await c.echo('/default', platinum);
    expect(d.body.rateLimit).toMatchObject({ plan: 'free', limit: 1 });
    expect((await c.get('/default', platinum)).status).toBe(429);
    const [unknown] = await log.waitFor('unknown_plan');
    expect(unknown).toMatchObject({ requestedPlan: 'platinum', handling: 'default', plan: 'free' });

    const a = await c.echo('/allow', platinum);
    expect(await c.statuses('/allow', 3, { headers: platinum })).toEqual([200, 200, 200]);
    expect(a.body.rateLimit).toMatchObject({ plan: 'platinum', limit: null });
    expect(a.headers.get('ratelimit-limit')).toBeNull();

    const b = await c.get('/block', platinum);
    expect(b.status).toBe(403);
    expect(b.body).toMatchObject({ ok: false, reason: 'unknown_plan', plan: 'platinum', retry_after_seconds: null });
    expect(b.headers.get('retry-after')).toBeNull();
  });

  it('uses defaultPlan for requests that name no plan', async () => {
    const lr = h.limitrate({ defaultPlan: 'trial', policies: { free: { rate: { maxPerMinute: 100 } }, trial: { rate: { maxPerMinute: 1 } } } });
    const app = h.app();
    app.use(lr);
    app.get('/x', echo);
    const c = await h.listen(app);
    const r = await c.echo('/x');
    expect(r.body.rateLimit).toMatchObject({ plan: 'trial', limit: 1 });
    expect((await c.get('/x')).status).toBe(429);
  });

  it('emits allowed and rate_exceeded events through onEvent and limiter.events', async () => {
    const log = new EventLog();
    const lr = h.limitrate({ identifyUser: byHeader, onEvent: log.onEvent, policies: { free: { rate: { maxPerMinute: 1 } } } });
    const viaBus: string[] = [];
    lr.limiter.events.on('rate_exceeded', (e) => void viaBus.push(`${e.user} ${e.limit} ${e.value}/${e.threshold}`));
    const app = h.app();
    app.use(lr);
    app.get('/x', echo);
    const c = await h.listen(app);
    await c.statuses('/x', 2, { headers: as('ann') });
    await lr.limiter.events.flush();
    expect(log.of('allowed')).toHaveLength(1);
    expect(log.of('allowed')[0]).toMatchObject({ user: 'ann', plan: 'free', endpoint: 'GET|/x' });
    expect(log.of('rate_exceeded')).toHaveLength(1);
    expect(log.of('rate_exceeded')[0]).toMatchObject({ user: 'ann', plan: 'free', endpoint: 'GET|/x', action: 'block', value: 2, threshold: 1, window: '1m', limit: 'rate:1m', dryRun: false });
    expect(viaBus).toEqual(['ann rate:1m 2/1']);
  });

  it('a throwing onEvent listener never breaks a request', async () => {
    const lr = h.limitrate({
      onEvent: () => {
        throw new Error('listener bug');
      },
      policies: { free: { rate: { maxPerMinute: 1 } } },
    });
    lr.limiter.events.handleListenerErrors(() => undefined);
    const app = h.app();
    app.use(lr);
    app.get('/x', echo);
    const c = await h.listen(app);
    expect(await c.statuses('/x', 3)).toEqual([200, 429, 429]);
  });

  it('counts again once the window has passed (manual clock)', async () => {
    const clock = manualClock(T0);
    const lr = h.limitrate({ clock, policies: { free: { rate: { maxPerMinute: 1 } } } });
    const app = h.app();
    app.use(lr);
    app.get('/x', echo);
    const c = await h.listen(app);
    expect(await c.statuses('/x', 2)).toEqual([200, 429]);
    clock.advance(59_000);
    expect((await c.get('/x')).status).toBe(429);
    clock.advance(1_000);
    expect((await c.get('/x')).status).toBe(200);
  });

  it('exposes limiter, http, status and close on the middleware', async () => {
    const lr = h.limitrate({ policies: { free: { rate: { maxPerMinute: 2 } } } });
    expect(typeof lr.limiter.check).toBe('function');
    expect(typeof lr.http.decide).toBe('function');
    const app = h.app();
    app.use(lr);
    app.get('/x', echo);
    const c = await h.listen(app);
    await c.get('/x');
    const peek = await lr.limiter.peek({ userId: '127.0.0.1', endpoint: 'GET|/x' });
    expect(peek.current).toBe(1);
  });

  it('refuses a wrong configuration at construction with the path of each bad field', () => {
    const attempt = (options: unknown) => {
      try {
        h.limitrate(options as never);
      } catch (e) {
        return e;
      }
      return undefined;
    };
    const e = attempt({
      policies: { free: { rate: { maxPerMinut: 10 } } },
      headers: 'ietf',
      trustedProxyCount: -1,
      ipv6Subnet: 200,
      ipAllowlist: ['10.0.0.0/33', 'localhost'],
      upgradeHint: 42,
      identifyUser: 'x-api-key',
      webhookUrl: 'ftp://nope',
      skipFailedRequests: 'yes',
      metrics: { name: 'm' },
    });
    expect(e).toBeInstanceOf(ConfigError);
    const paths = (e as ConfigError).issues.map((i) => i.path).sort();
    expect(paths).toEqual(
      expect.arrayContaining(['headers', 'trustedProxyCount', 'ipv6Subnet', 'ipAllowlist[0]', 'ipAllowlist[1]', 'upgradeHint', 'identifyUser', 'webhookUrl', 'skipFailedRequests', 'metrics', 'policies.free.rate.maxPerMinut']),
    );
    expect((e as ConfigError).issues.find((i) => i.path === 'metrics')?.code).toBe('ERR_LIMITRATE_INVALID_CONFIG');
    expect((e as ConfigError).issues.find((i) => i.path === 'policies.free.rate.maxPerMinut')?.code).toBe('ERR_LIMITRATE_UNKNOWN_OPTION');
    expect(attempt({ policies: { free: {} }, circuitBreaker: { threshold: 1 } })).toBeInstanceOf(ConfigError);
    expect(attempt(undefined)).toBeInstanceOf(ConfigError);
  });

  it('accepts every option of LimitRateOptions at once', async () => {
    const log = new EventLog();
    const dry: DryRunEvent[] = [];
    const all = {
      policies: { free: { rate: { maxPerMinute: 10 } } },
      store: { type: 'memory' as const, maxKeys: 1000, cleanupIntervalMs: 0 },
      clock: manualClock(T0),
      defaultPlan: 'free',
      onUnknownPlan: 'default' as const,
      userOverrides: {},
      getUserOverride: () => null,
      userOverrideTimeoutMs: 100,
      onStoreError: 'allow' as const,
      onRedisError: 'allow' as const,
      storeTimeoutMs: 100,
      dryRun: false,
      dryRunLogger: (e: DryRunEvent) => void dry.push(e),
      onEvent: log.onEvent,
      identifyUser: () => 'u',
      identifyPlan: () => 'free',
      trustProxy: false,
      trustedProxyCount: 0,
      ipv6Subnet: 64,
      ipAllowlist: ['10.0.0.0/8'],
      ipBlocklist: ['192.0.2.0/24'],
      headers: 'both' as const,
      upgradeHint: 'Upgrade',
      problemDetails: false,
      skip: () => false,
      skipSuccessfulRequests: false,
      skipFailedRequests: false,
      identifyTokenUsage: () => undefined,
      extractTokenUsage: () => undefined,
      priority: 5,
      callbackTimeoutMs: 500,
    };
    // Every option of the HTTP layer is in this configuration (webhooks have their own suite).
    expect(HTTP_OPTIONS.filter((k) => !(k in all) && k !== 'webhookUrl' && k !== 'webhooks')).toEqual([]);
    const lr = h.limitrate(all);
    const app = h.app();
    app.use(lr);
    app.get('/x', echo);
    const c = await h.listen(app);
    const r = await c.echo('/x');
    expect(r.status).toBe(200);
    expect(r.body.rateLimit).toMatchObject({ user: 'u', plan: 'free', limit: 10 });
  });

  it('answers concurrent requests of one user exactly up to the limit', async () => {
    const lr = h.limitrate({ identifyUser: byHeader, policies: { free: { rate: { maxPerMinute: 5 } } } });
    const app = h.app();
    app.use(lr);
    app.get('/x', echo);
    const c = await h.listen(app);
    const replies = await Promise.all(Array.from({ length: 12 }, () => c.get<EchoBody>('/x', as('burst'))));
    const ok = replies.filter((r) => r.status === 200).length;
    expect(ok).toBe(5);
    expect(replies.filter((r) => r.status === 429)).toHaveLength(7);
  });

  it('keeps headers set by earlier middleware (CORS) on a refusal', async () => {
    const lr = h.limitrate({ policies: { free: { rate: { maxPerMinute: 1 } } } });
    const app = h.app();
    app.use((_req, res, next) => {
      res.setHeader('Access-Control-Allow-Origin', '*');
      res.setHeader('Access-Control-Expose-Headers', 'RateLimit-Remaining, Retry-After');
      next();
    });
    app.use(lr);
    app.get('/x', echo);
    const c = await h.listen(app);
    await c.get('/x');
    const r = await c.get('/x');
    expect(r.status).toBe(429);
    expect(r.headers.get('access-control-allow-origin')).toBe('*');
    expect(r.headers.get('access-control-expose-headers')).toBe('RateLimit-Remaining, Retry-After');
  });

  it('passes ERR_LIMITRATE_CLOSED to the Express error handler once the limiter is closed', async () => {
    const lr = h.limitrate({ policies: { free: { rate: { maxPerMinute: 10 } } } });
    const app = h.app();
    app.use(lr);
    app.get('/x', echo);
    app.use((err: Error & { code?: string }, _req: Request, res: Response, _next: NextFunction) => {
      res.status(500).json({ code: err.code });
    });
    const c = await h.listen(app);
    expect((await c.get('/x')).status).toBe(200);
    await lr.close();
    const r = await c.get('/x');
    expect(r.status).toBe(500);
    expect(r.body).toEqual({ code: 'ERR_LIMITRATE_CLOSED' });
  });

  it('bounds a hanging getUserOverride by userOverrideTimeoutMs', async () => {
    const log = new EventLog();
    const lr = h.limitrate({
      onEvent: log.onEvent,
      getUserOverride: () => new Promise(() => undefined),
      userOverrideTimeoutMs: 50,
      policies: { free: { rate: { maxPerMinute: 1 } } },
    });
    const app = h.app();
    app.use(lr);
    app.get('/x', echo);
    const c = await h.listen(app);
    const r = await c.echo('/x');
    expect(r.status).toBe(200);
    expect(r.body.rateLimit).toMatchObject({ limit: 1, result: { degraded: true } });
    const [e] = await log.waitFor('callback_error');
    expect(e.error.code).toBe('ERR_LIMITRATE_CALLBACK_TIMEOUT');
  });
});
