// Registering the plugin: Fastify encapsulation (a child context limits only its own
// routes), nested registrations, app.limitrate and request.rateLimit, coded errors for bad
// options and bad route config, and close() with the app.
import { ConfigError, isLimitRateError, type Store } from '@limitrate/core';
import Fastify from 'fastify';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { limitrate, type LimitRateHandle, type RateLimitInfo } from '../src/index.js';
import { echo, EventLog, FROZEN_AT, planHeader, userHeader, useHarness, type Json } from './helpers.js';

const TWO = { free: { rate: { maxPerMinute: 2 } } };

describe('encapsulation', () => {
  const h = useHarness();

  it('the roadmap example works as written', async () => {
    const app = h.app();
    await app.register(limitrate, {
      store: { type: 'memory' },
      policies: {
        free: { rate: { maxPerMinute: 10 } },
      },
    });
    app.get('/', echo);
    const statuses = [];
    for (let i = 0; i < 11; i++) statuses.push((await app.inject('/')).statusCode);
    // Ten a minute (a minute turning over during the loop would only delay the 429).
    expect(statuses.slice(0, 10).every((s) => s === 200)).toBe(true);
    expect(statuses.filter((s) => s === 429).length).toBeLessThanOrEqual(1);
    expect((await app.inject('/')).headers['ratelimit-limit']).toBe('10');
  });

  it('registered on the app: limits every route, child contexts and 404s included, whenever they are declared', async () => {
    const app = h.app();
    app.get('/declared-before', echo);
    await app.register(limitrate, h.withClock({ policies: TWO }));
    app.get('/after', echo);
    await app.register(async (child) => {
      child.get('/child', echo);
    });
    for (const path of ['/declared-before', '/after', '/child', '/missing/7']) {
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await app.inject(path)).statusCode);
      expect(statuses, path).toEqual(path.startsWith('/missing') ? [404, 404, 429] : [200, 200, 429]);
    }
  });

  it('works without await on register (hooks attach when the app is ready)', async () => {
    const app = h.app();
    void app.register(limitrate, h.withClock({ policies: TWO }));
    app.get('/x', echo);
    expect([(await app.inject('/x')).statusCode, (await app.inject('/x')).statusCode, (await app.inject('/x')).statusCode]).toEqual([200, 200, 429]);
  });

  it('registered in a child context: limits that context and its children only, never siblings or the parent', async () => {
    const app = h.app();
    app.get('/parent', echo);
    await app.register(async (child) => {
      await child.register(limitrate, h.withClock({ policies: TWO }));
      child.get('/limited', echo);
      await child.register(async (grandchild) => {
        grandchild.get('/grandchild', echo);
      });
      expect(child.limitrate).toBeDefined();
    });
    await app.register(async (sibling) => {
      sibling.get('/sibling', echo);
      expect((sibling as unknown as Json).limitrate).toBeUndefined();
    });
    expect((app as unknown as Json).limitrate).toBeUndefined();

    for (const path of ['/limited', '/grandchild']) {
      const r = await app.inject(path);
      expect(r.headers['ratelimit-limit'], path).toBe('2');
      expect((r.json() as { rateLimit: RateLimitInfo }).rateLimit.endpoint).toBe(`GET|${path}`);
      await app.inject(path);
      expect((await app.inject(path)).statusCode, path).toBe(429);
    }
    for (const path of ['/parent', '/sibling', '/not-found']) {
      for (let i = 0; i < 3; i++) {
        const r = await app.inject(path);
        expect(r.statusCode, path).toBe(path === '/not-found' ? 404 : 200);
        expect(r.headers['ratelimit-limit'], path).toBeUndefined();
      }
      if (path !== '/not-found') expect((await app.inject(path)).json()).toEqual({ rateLimit: null, url: path });
    }
  });

  it('a child context under a prefix counts routes by their full template', async () => {
    const app = h.app();
    await app.register(
      async (api) => {
        await api.register(limitrate, h.withClock({ policies: { free: { endpoints: { 'GET|/api/v1/users/:id': { rate: { maxPerMinute: 1 } } } } } }));
        api.get('/users/:id', echo);
      },
      { prefix: '/api/v1' },
    );
    const first = await app.inject('/api/v1/users/1');
    expect((first.json() as { rateLimit: RateLimitInfo }).rateLimit).toMatchObject({ endpoint: 'GET|/api/v1/users/:id', policy: 'GET|/api/v1/users/:id', limit: 1 });
    expect((await app.inject('/api/v1/users/2')).statusCode).toBe(429);
  });

  it('nested registrations both apply: the parent limit and a stricter child limit, each with its own counters', async () => {
    const app = await h.limited({ policies: { free: { rate: { maxPerMinute: 3 } } } });
    const parent = app.limitrate;
    let inner: LimitRateHandle | undefined;
    app.get('/outer', echo);
    await app.register(async (child) => {
      await child.register(limitrate, h.withClock({ policies: { free: { rate: { maxPerMinute: 1 } } } }));
      inner = child.limitrate;
      child.get('/inner', echo);
    });
    expect(inner).toBeDefined();
    expect(inner).not.toBe(parent);
    expect(app.limitrate).toBe(parent);
    const first = await app.inject('/inner');
    expect(first.statusCode).toBe(200);
    // The inner limiter runs last: request.rateLimit is its decision.
    expect((first.json() as { rateLimit: RateLimitInfo }).rateLimit.limit).toBe(1);
    expect((await app.inject('/inner')).statusCode).toBe(429);
    // The outer limiter counted both /inner requests (the second was refused by the inner one after).
    expect((await parent.limiter.peek({ userId: '127.0.0.1', endpoint: 'GET|/inner' })).current).toBe(2);
    expect((await app.inject('/outer')).statusCode).toBe(200);
  });

  it('refuses a second registration in the same context with a coded error', async () => {
    const app = h.app();
    await app.register(limitrate, h.withClock({ policies: TWO }));
    const e = await app.register(limitrate, h.withClock({ policies: TWO })).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).code).toBe('ERR_LIMITRATE_INVALID_CONFIG');
    expect((e as ConfigError).message).toMatch(/registered twice in the same Fastify context/);
  });
});

describe('request.rateLimit and app.limitrate', () => {
  const h = useHarness();

  it("applies each plan's limits to each user; an unknown plan gets the default plan", async () => {
    const app = await h.limited({
      identifyUser: userHeader,
      identifyPlan: planHeader,
      policies: { free: { rate: { maxPerMinute: 1 } }, pro: { endpoints: { 'GET|/x': { rate: { maxPerMinute: 3 } } } } },
    });
    app.get('/x', echo);
    const get = (user: string, plan: string) => app.inject({ url: '/x', headers: { 'x-user': user, 'x-plan': plan } });
    expect(await Promise.all([get('a', 'free'), get('a', 'free')]).then((rs) => rs.map((r) => r.statusCode))).toEqual([200, 429]);
    expect((await get('b', 'free')).statusCode).toBe(200); // another user, another counter
    const pro = [];
    for (let i = 0; i < 4; i++) pro.push((await get('c', 'pro')).statusCode);
    expect(pro).toEqual([200, 200, 200, 429]);
    const unknown = await get('d', 'platinum');
    expect((unknown.json() as { rateLimit: RateLimitInfo }).rateLimit).toMatchObject({ plan: 'free', limit: 1 });
  });

  it('puts the decision on request.rateLimit in the shape of @limitrate/express', async () => {
    const app = await h.limited({ policies: { free: { endpoints: { 'GET|/users/:id': { rate: { maxPerMinute: 5 } } } } } });
    app.get('/users/:id', echo);
    app.get('/free-for-all', echo);
    const r = await app.inject('/users/42');
    const info = (r.json() as { rateLimit: Json }).rateLimit;
    expect(info).toMatchObject({ limit: 5, used: 1, current: 1, remaining: 4, reset: 30, policy: 'GET|/users/:id', user: '127.0.0.1', plan: 'free', endpoint: 'GET|/users/:id' });
    expect(info.resetTime).toBe(new Date(FROZEN_AT + 30_000).toISOString()); // now + reset, as in @limitrate/express
    expect(info.rule).toBeUndefined();
    expect(info.result).toMatchObject({ allowed: true, action: 'allow' });
    // No limit applies: Infinity (null in JSON), no resetTime.
    const none = (await app.inject('/free-for-all')).json() as { rateLimit: Json };
    expect(none.rateLimit).toMatchObject({ limit: null, remaining: null, used: 0, policy: '' });
    expect(none.rateLimit.resetTime).toBeUndefined();
  });

  it('types: request.rateLimit, route config.limitrate and app.limitrate are part of Fastify\'s types', () => {
    const app = Fastify();
    expectTypeOf(app.limitrate).toEqualTypeOf<LimitRateHandle>();
    app.get('/typed', { config: { limitrate: { endpoint: 'GET|/typed', hook: 'onRequest' } } }, async (request) => {
      expectTypeOf(request.rateLimit).toEqualTypeOf<RateLimitInfo | undefined>();
      return request.rateLimit?.remaining;
    });
    app.get('/off', { config: { limitrate: false } }, async () => 'ok');
    // @ts-expect-error: not a hook
    app.get('/wrong', { config: { limitrate: { hook: 'onSend' } } }, async () => 'ok');
    // @ts-expect-error: skip answers a boolean
    app.get('/wrong-skip', { config: { limitrate: { skip: () => 'yes' } } }, async () => 'ok');
    void app.close();
  });
});

describe('errors', () => {
  const h = useHarness();

  it('bad plugin options reject register() with one ConfigError listing every problem', async () => {
    const app = h.app();
    const e = await app.register(limitrate, { hook: 'later' as never, trustProxy: 'yes' as never, policies: { free: { rate: { maxPerMinute: -1 } } } }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).issues.map((i) => i.path).sort()).toEqual(['hook', 'policies.free.rate.maxPerMinute', 'trustProxy']);
  });

  it('an unknown option is ERR_LIMITRATE_UNKNOWN_OPTION; Fastify\'s register options (prefix) are not', async () => {
    const app = h.app();
    const e = await app.register(limitrate, { policies: TWO, identifyUsr: () => 'x' } as never).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isLimitRateError(e, 'ERR_LIMITRATE_UNKNOWN_OPTION')).toBe(true);
    expect((e as ConfigError).path).toBe('identifyUsr');
    const ok = h.app();
    await ok.register(limitrate, h.withClock({ policies: TWO, prefix: '/ignored', logLevel: 'warn' } as never));
    ok.get('/x', echo);
    expect((await ok.inject('/x')).headers['ratelimit-limit']).toBe('2');
  });

  it('bad route config throws from the route declaration, with the route in the path', async () => {
    const app = await h.limited({ policies: TWO });
    const declare = (limitrate: unknown) => () => app.get('/r', { config: { limitrate: limitrate as false } }, echo);
    const codes = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as ConfigError).issues.map((i) => `${i.code} ${i.path}`);
      }
      throw new Error('did not throw');
    };
    expect(codes(declare('off'))).toEqual(['ERR_LIMITRATE_INVALID_CONFIG routes["GET /r"].config.limitrate']);
    expect(codes(declare({ endpoint: '/no-method', hook: 'onSend', skip: true, nope: 1, identifyUser: () => 'x' }))).toEqual([
      'ERR_LIMITRATE_UNKNOWN_OPTION routes["GET /r"].config.limitrate.nope',
      'ERR_LIMITRATE_UNKNOWN_OPTION routes["GET /r"].config.limitrate.identifyUser',
      'ERR_LIMITRATE_INVALID_CONFIG routes["GET /r"].config.limitrate.endpoint',
      'ERR_LIMITRATE_INVALID_CONFIG routes["GET /r"].config.limitrate.skip',
      'ERR_LIMITRATE_INVALID_CONFIG routes["GET /r"].config.limitrate.hook',
    ]);
    expect(codes(declare({ policies: { free: { rate: { maxPerMinute: 0 } } } }))).toEqual(['ERR_LIMITRATE_INVALID_CONFIG routes["GET /r"].config.limitrate.policies.free.rate.maxPerMinute']);
    expect(codes(declare({ policies: [] }))).toEqual(['ERR_LIMITRATE_INVALID_CONFIG routes["GET /r"].config.limitrate.policies']);
  });

  it('bad route config inside a plugin fails app.ready(); a bad route declared before the plugin answers 500 with the code', async () => {
    const app = await h.limited({ policies: TWO });
    void app.register(async (child) => {
      child.get('/bad', { config: { limitrate: { endpoint: 'GET|no-slash' } } }, echo);
    });
    await expect(app.ready()).rejects.toMatchObject({ code: 'ERR_LIMITRATE_INVALID_CONFIG' });

    const early = h.app();
    early.get('/early', { config: { limitrate: { hook: 'whenever' as never } } }, echo);
    await early.register(limitrate, h.withClock({ policies: TWO }));
    const r = await early.inject('/early');
    expect(r.statusCode).toBe(500);
    expect(r.json()).toMatchObject({ code: 'ERR_LIMITRATE_INVALID_CONFIG' });
  });
});

describe('close', () => {
  const h = useHarness();

  it('app.close() delivers pending events and closes the store the plugin built, once', async () => {
    const log = new EventLog();
    const app = await h.limited({ policies: TWO, onEvent: log.onEvent });
    app.get('/x', echo);
    app.get('/own', { config: { limitrate: { policies: { free: { rate: { maxPerMinute: 9 } } } } } }, echo);
    await app.inject('/x');
    await app.inject('/own');
    const handle = app.limitrate;
    await app.close();
    expect(log.of('allowed').map((e) => e.endpoint).sort()).toEqual(['GET|/own', 'GET|/x']);
    await expect(handle.limiter.check({ userId: 'u', endpoint: 'GET|/x' })).rejects.toMatchObject({ code: 'ERR_LIMITRATE_CLOSED' });
    await handle.close(); // a second close is harmless
  });

  it('leaves a Store instance it was given open (whoever created it closes it)', async () => {
    let closed = 0;
    const store: Store = { name: 'mine', consume: () => ({ allowed: true, committed: true, now: 0, limits: [] }), reset: () => 0, close: () => void closed++ };
    const app = await h.limited({ policies: TWO, store });
    await app.close();
    expect(closed).toBe(0);
  });

  it('a request reaching a closed limiter goes to the error handler (500 with ERR_LIMITRATE_CLOSED)', async () => {
    const app = await h.limited({ policies: TWO });
    app.get('/x', echo);
    await app.ready();
    await app.limitrate.close();
    const r = await app.inject('/x');
    expect(r.statusCode).toBe(500);
    expect(r.json()).toMatchObject({ code: 'ERR_LIMITRATE_CLOSED' });
  });
});
