// limitrate() basics: counting and the 429 over HTTP and through app.request(),
// c.get('rateLimit') (typed through ContextVariableMap), plans and users, the function form
// built from the first request, configuration errors, close().
import { ConfigError, manualClock, type RateLimiter } from '@limitrate/core';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { limitrate, type LazyLimitRateMiddleware, type LimitRateMiddleware, type RateLimitInfo } from '../src/index.js';
import { appKeepingErrors, as, byHeader, echo, EventLog, FROZEN_AT, planHeader, read, useHarness, type EchoBody } from './helpers.js';

describe('basics', () => {
  const h = useHarness();

  it('counts requests per client IP over real HTTP and answers the third with the v3 429', async () => {
    const app = new Hono();
    app.use('*', h.limitrate({ policies: { free: { rate: { maxPerMinute: 2 } } } }));
    app.get('/x', echo);
    const c = await h.listen(app);
    const [a, b, refused] = [await c.echo('/x'), await c.echo('/x'), await c.get('/x')];
    expect([a.status, b.status, refused.status]).toEqual([200, 200, 429]);
    expect(a.body.rateLimit).toMatchObject({ limit: 2, used: 1, remaining: 1, user: '127.0.0.1', plan: 'free', endpoint: 'GET|/x', policy: 'defaults' });
    expect(refused.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(refused.body).toEqual({
      ok: false,
      reason: 'rate_limited',
      message: 'Free plan allows 2 requests per minute on GET /x. Try again in 30 seconds.',
      retry_after_seconds: 30,
      used: 2,
      allowed: 2,
      plan: 'free',
      endpoint: 'GET|/x',
    });
    expect(refused.headers.get('retry-after')).toBe('30');
  });

  it('works through app.request() (no server), the user named by identifyUser', async () => {
    const lr = h.limitrate({ identifyUser: byHeader, policies: { free: { rate: { maxPerMinute: 1 } } } });
    const app = new Hono();
    app.use('*', lr);
    app.get('/x', echo);
    const first = await read<EchoBody>(await app.request('/x', { headers: as('alice') }));
    expect(first.status).toBe(200);
    expect(first.body.rateLimit).toMatchObject({ user: 'alice', used: 1 });
    expect((await app.request('/x', { headers: as('alice') })).status).toBe(429);
    expect((await app.request('/x', { headers: as('bob') })).status).toBe(200);
  });

  it('sets every field of c.get("rateLimit"), typed for handlers through ContextVariableMap', async () => {
    const clock = manualClock(FROZEN_AT);
    const app = new Hono();
    app.use('*', h.limitrate({ clock, identifyUser: byHeader, policies: { free: { endpoints: { 'GET|/x': { rate: { maxPerMinute: 5 } } } } } }));
    let seen: RateLimitInfo | undefined;
    app.get('/x', (c) => {
      expectTypeOf(c.get('rateLimit')).toEqualTypeOf<RateLimitInfo>();
      seen = c.get('rateLimit');
      return c.text('ok');
    });
    expect((await app.request('/x', { headers: as('alice') })).status).toBe(200);
    expect(seen).toMatchObject({ limit: 5, used: 1, current: 1, remaining: 4, reset: 30, policy: 'GET|/x', rule: undefined, user: 'alice', plan: 'free', endpoint: 'GET|/x' });
    expect(seen!.resetTime).toEqual(new Date(FROZEN_AT + 30_000));
    expect(seen!.result).toMatchObject({ allowed: true, action: 'allow', policy: 'GET|/x' });
    expect(seen!.result!.limits.map((l) => l.id)).toEqual(['rate:1m']);
  });

  it('gives each user their own bucket and each plan its limits (sync and async identify callbacks)', async () => {
    const app = new Hono();
    app.use('*', h.limitrate({ identifyUser: async (c) => byHeader(c), identifyPlan: planHeader, policies: { free: { rate: { maxPerMinute: 1 } }, pro: { rate: { maxPerMinute: 3 } } } }));
    app.get('/x', echo);
    const c = await h.listen(app);
    expect(await c.statuses('/x', 2, { headers: as('alice') })).toEqual([200, 429]);
    expect(await c.statuses('/x', 2, { headers: as('bob') })).toEqual([200, 429]);
    expect(await c.statuses('/x', 4, { headers: as('carol', { 'x-plan': 'pro' }) })).toEqual([200, 200, 200, 429]);
    expect((await c.echo('/x', as('dave', { 'x-plan': 'pro' }))).body.rateLimit).toMatchObject({ user: 'dave', plan: 'pro', limit: 3 });
  });

  it('reports an endpoint no policy limits with Infinity on c.get("rateLimit") and no headers', async () => {
    const app = new Hono();
    app.use('*', h.limitrate({ policies: { free: { endpoints: { 'GET|/limited': { rate: { maxPerMinute: 1 } } } } } }));
    let info: RateLimitInfo | undefined;
    app.get('/free', (c) => {
      info = c.get('rateLimit');
      return c.text('ok');
    });
    const res = await app.request('/free');
    expect(res.status).toBe(200);
    expect(res.headers.get('ratelimit-limit')).toBeNull();
    expect(info).toMatchObject({ limit: Infinity, remaining: Infinity, resetTime: undefined, endpoint: 'GET|/free' });
  });

  it('types: the middleware fits app.use of an app with its own Env, and callbacks see that Env', async () => {
    type AppEnv = { Bindings: { PLAN_HEADER: string }; Variables: { userId: string } };
    const app = new Hono<AppEnv>();
    const lr = limitrate<AppEnv>({
      identifyUser: (c) => c.get('userId'),
      identifyPlan: (c) => c.req.header(c.env.PLAN_HEADER) ?? 'free',
      policies: { free: { rate: { maxPerMinute: 1 } } },
    });
    app.use('*', lr);
    const policies = { free: { rate: { maxPerMinute: 1 } } };
    const lazy = limitrate<AppEnv>((c) => ({ identifyUser: (cc) => cc.get('userId'), policies: { free: { rate: { maxPerMinute: c.env.PLAN_HEADER.length } } } }));
    app.use('/api/*', lazy);
    expectTypeOf(lr).toMatchTypeOf<MiddlewareHandler<AppEnv>>();
    expectTypeOf(lr.limiter).toEqualTypeOf<RateLimiter<Context<AppEnv>>>();
    expectTypeOf(lazy.limiter).toEqualTypeOf<RateLimiter<Context<AppEnv>> | undefined>();
    // Without a type argument the middleware is for any app (callbacks see Hono's base Env).
    const plain = limitrate({ policies });
    app.use('/other/*', plain);
    expectTypeOf(plain).toEqualTypeOf<LimitRateMiddleware>();
    expectTypeOf(limitrate(() => ({ policies }))).toEqualTypeOf<LazyLimitRateMiddleware>();
    await Promise.all([lr.close(), lazy.close(), plain.close()]);
  });

  describe('limitrate((c) => options)', () => {
    it('builds the limiter once, from the first request, with its env (Workers secrets)', async () => {
      type AppEnv = { Bindings: { LIMIT: string } };
      let builds = 0;
      const lr = h.lazy<AppEnv>((c) => {
        builds++;
        return { clock: manualClock(FROZEN_AT), policies: { free: { rate: { maxPerMinute: Number(c.env.LIMIT) } } } };
      });
      expect(lr.limiter).toBeUndefined();
      expect(lr.http).toBeUndefined();
      const app = new Hono<AppEnv>();
      app.use('*', lr);
      app.get('/x', (c) => c.text('ok'));
      const env = { LIMIT: '2' };
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await app.request('/x', {}, env)).status);
      expect(statuses).toEqual([200, 200, 429]);
      expect(builds).toBe(1);
      expect(lr.limiter).toBeDefined();
      expect(lr.http?.limiter).toBe(lr.limiter);
    });

    it('answers 500 through the app while the options are wrong, and tries again on the next request', async () => {
      let attempt = 0;
      const lr = h.lazy(() => (++attempt === 1 ? { policies: { free: { rate: { maxPerMinut: 1 } } } } : { policies: { free: { rate: { maxPerMinute: 1 } } } }) as never);
      const { app, errors } = appKeepingErrors(lr);
      expect((await app.request('/x')).status).toBe(500);
      expect(errors[0]).toBeInstanceOf(ConfigError);
      expect((await app.request('/x')).status).toBe(200);
      expect((await app.request('/x')).status).toBe(429);
    });

    it('refuses requests after close()', async () => {
      const lr = limitrate(() => ({ policies: { free: { rate: { maxPerMinute: 1 } } } }));
      await lr.close();
      const res = await appKeepingErrors(lr).app.request('/x');
      expect([res.status, await res.text()]).toEqual([500, 'ERR_LIMITRATE_CLOSED']);
    });
  });

  describe('configuration errors', () => {
    it('throws a ConfigError at construction with the path of the bad field', () => {
      expect(() => limitrate({ policies: { free: { rate: { maxPerMinut: 1 } } } } as never)).toThrow(ConfigError);
      try {
        limitrate({ trustProxy: 'yes', policies: { free: { rate: { maxPerMinute: 1 } } } } as never);
        expect.unreachable();
      } catch (e) {
        expect((e as ConfigError).issues.map((i) => i.path)).toEqual(['trustProxy']);
      }
    });

    it('refuses a getConnInfo that is not a function, and options that are not an object', () => {
      expect(() => limitrate({ getConnInfo: 'socket', policies: { free: {} } } as never)).toThrow(/getConnInfo: must be a function, got string/);
      expect(() => limitrate(null as never)).toThrow(ConfigError);
      expect(() => limitrate('free' as never)).toThrow(ConfigError);
    });
  });

  it('close() delivers pending events, and later requests fail through the app', async () => {
    const log = new EventLog();
    const lr = limitrate({ onEvent: log.onEvent, policies: { free: { rate: { maxPerMinute: 5 } } } });
    const { app } = appKeepingErrors(lr);
    expect((await app.request('/x')).status).toBe(200);
    await lr.close();
    expect(log.of('allowed').length).toBe(1);
    const after = await app.request('/x');
    expect([after.status, await after.text()]).toEqual([500, 'ERR_LIMITRATE_CLOSED']);
  });
});
