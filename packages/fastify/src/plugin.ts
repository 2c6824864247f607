// limitrate: the Fastify plugin (through fastify-plugin, so its hooks belong to the context
// it is registered in: that context's routes and its children's, not its siblings' or
// parent's). It builds core's HttpLimiter, checks each route's config as it is declared,
// adds the request hooks, decorates app.limitrate and closes the limiter with the app.
import { ConfigError, HttpLimiter, type HttpLimiterOptions, type InspectorOptions, type RateLimitStatus, type RateLimiter } from '@limitrate/core';
import type { FastifyInstance, FastifyPluginCallback, FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import fp from 'fastify-plugin';
import './augment.js';
import { createFastifyInspector, isInspector } from './inspector.js';
import { describe, lifecycle } from './lifecycle.js';
import { hookIssues, REGISTER_KEYS, type LimitRateOptions } from './options.js';
import { routeConfigOf } from './context.js';
import { RouteTable, type FastifyHttp, type RouteConfig } from './routes.js';

/**
 * What the plugin decorates the Fastify instance with (`app.limitrate`), in the context it
 * was registered in and its children.
 *
 * @example
 * ```ts
 * app.get('/api/quota', async (request) => app.limitrate.status(request, 'POST|/api/chat'));
 * ```
 */
export interface LimitRateHandle {
  /** The framework-free limiter (check, peek, record, reset, events, store). */
  readonly limiter: RateLimiter<FastifyRequest>;
  /** The shared HTTP engine behind the plugin. */
  readonly http: HttpLimiter<FastifyRequest, FastifyReply>;
  /** The caller's quota on an endpoint (default: the request's own), counting nothing. */
  status(request: FastifyRequest, endpoint?: string): Promise<RateLimitStatus>;
  /**
   * A route handler serving this limiter's analytics report as JSON, for
   * `npx limitrate dashboard --url <app>/limitrate --token <token>`. It answers 401 without
   * the token (`Authorization: Bearer <token>` or `X-LimitRate-Token`), 405 for methods but
   * GET and HEAD, 400 for a bad query (`range`, `top`, `blocks`, `user`, `plan`,
   * `endpoint`). Needs `analytics: true` in the plugin's options and a token of at least 8
   * characters: throws a ConfigError otherwise. A route served by it is not limited (as with
   * `config: { limitrate: false }`) unless its config says otherwise.
   *
   * @example
   * ```ts
   * await app.register(limitrate, { analytics: true, policies: { free: { rate: { maxPerMinute: 60 } } } });
   * app.get('/limitrate', { config: { limitrate: false } }, app.limitrate.inspector({ token: process.env.LIMITRATE_INSPECTOR_TOKEN! }));
   * ```
   */
  inspector(options: InspectorOptions): RouteHandlerMethod;
  /** Deliver pending events and webhooks and close the store it built (also done by `app.close()`). */
  close(): Promise<void>;
}

/** Splits the options: the HttpLimiter's, and the plugin's own `hook`; Fastify's register options are dropped. */
function split(options: LimitRateOptions): { core: HttpLimiterOptions<FastifyRequest, FastifyReply>; hook: unknown } {
  if (typeof options !== 'object' || options === null) return { core: options, hook: undefined };
  const { hook, ...rest } = options;
  const core = rest as Record<string, unknown>;
  for (const key of REGISTER_KEYS) delete core[key];
  return { core: core as unknown as HttpLimiterOptions<FastifyRequest, FastifyReply>, hook };
}

/** The plugin's limiter, or one ConfigError listing every problem with the options. */
function build(core: HttpLimiterOptions<FastifyRequest, FastifyReply>, hook: unknown): FastifyHttp {
  const issues = hookIssues(hook, 'hook');
  let http: FastifyHttp;
  try {
    http = new HttpLimiter(core);
  } catch (error) {
    if (error instanceof ConfigError && issues.length > 0) throw new ConfigError([...issues, ...error.issues]);
    throw error;
  }
  if (issues.length > 0) {
    void http.close();
    throw new ConfigError(issues);
  }
  return http;
}

function alreadyRegistered(): ConfigError {
  return new ConfigError([
    {
      path: '(plugin)',
      code: 'ERR_LIMITRATE_INVALID_CONFIG',
      message: '@limitrate/fastify is registered twice in the same Fastify context',
      hint: 'Register it once per context: give a group of routes limits of its own by registering it in a child context (app.register(async (child) => { await child.register(limitrate, options) })), or use route config',
    },
  ]);
}

let registrations = 0;

/** A route's hooks (one, a list, or none) with `hook` added last. */
function withHook<H>(existing: H | readonly H[] | undefined, hook: H): H[] {
  if (existing === undefined) return [hook];
  return Array.isArray(existing) ? [...(existing as readonly H[]), hook] : [existing as H, hook];
}

const plugin: FastifyPluginCallback<LimitRateOptions> = function limitrate(fastify: FastifyInstance, options: LimitRateOptions, done: (error?: Error) => void): void {
  if (Object.hasOwn(fastify, 'limitrate')) return done(alreadyRegistered());
  const { core, hook } = split(options);
  let http: FastifyHttp;
  try {
    http = build(core, hook);
  } catch (error) {
    return done(error as Error);
  }
  const { onEvent: _e, dryRunLogger: _l, webhooks: _w, webhookUrl: _u, store: _s, ...base } = core;
  const table = new RouteTable(http, base as HttpLimiterOptions<FastifyRequest, FastifyReply>, hook as LimitRateOptions['hook']);
  const n = ++registrations;
  const slots = { tag: Symbol(`limitrate.route.${n}`), done: Symbol(`limitrate.done.${n}`) };
  let closing: Promise<void> | undefined;
  const handle: LimitRateHandle = {
    limiter: http.limiter,
    http,
    async status(request, endpoint) {
      if (endpoint !== undefined) {
        const own = table.limiterOf(endpoint);
        return own.status(describe(request, { ...table.plain, http: own }), endpoint);
      }
      const state = table.of(routeConfigOf(request), slots.tag) ?? table.plain;
      return state.http.status(describe(request, state));
    },
    inspector: (inspectorOptions) => createFastifyInspector(http, inspectorOptions),
    close() {
      // The routes' limiters first: their last events pass through the plugin's.
      closing ??= Promise.all(table.limiters.map((l) => l.close())).then(() => http.close());
      return closing;
    },
  };
  const hooks = lifecycle(table, slots);
  fastify.decorate('limitrate', handle);
  if (!fastify.hasRequestDecorator('rateLimit')) fastify.decorateRequest('rateLimit', undefined);
  fastify.decorateRequest(slots.done, null);
  fastify.addHook('onRoute', (route) => {
    let config = route.config as RouteConfig | undefined;
    // The inspector's route is not limited, unless its config says how it is.
    if (isInspector(route.handler) && config?.limitrate === undefined) config = { ...config, limitrate: false };
    const state = table.declare(route.method, route.url, config);
    // The state rides on the route's config (Fastify copies it into the route's context), and
    // only a route that needs them gets the preHandler and onResponse hooks: a hook costs
    // every request it runs for.
    route.config = { ...route.config, [slots.tag]: state } as typeof route.config;
    if (state === null) return;
    if (state.hook === 'preHandler') route.preHandler = withHook(route.preHandler, hooks.preHandlerFor(state));
    if (state.http.needsAfterResponse) route.onResponse = withHook(route.onResponse, hooks.onResponse);
  });
  fastify.addHook('onRequest', hooks.onRequest);
  fastify.addHook('onClose', (_instance, closed) => {
    handle.close().then(() => closed(), closed);
  });
  done();
};

/**
 * Rate limiting for Fastify 5, as a plugin. Registered on the app it limits every route;
 * registered in a child context (`app.register(async (child) => ...)`) only that
 * context's routes. A route can opt out or change its limits with
 * `config: { limitrate: false | {...} }`.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify';
 * import { limitrate } from '@limitrate/fastify';
 *
 * const app = Fastify();
 * await app.register(limitrate, {
 *   identifyUser: (req) => String(req.headers['x-api-key'] ?? req.ip),
 *   identifyPlan: (req) => (req.headers['x-plan'] === 'pro' ? 'pro' : 'free'),
 *   policies: {
 *     free: { endpoints: { 'POST|/api/chat': { rate: { maxPerMinute: 10 } } }, defaults: { rate: { maxPerMinute: 60 } } },
 *     pro: { rate: { maxPerMinute: 600 } },
 *   },
 * });
 * app.get('/health', { config: { limitrate: false } }, async () => 'ok');
 * ```
 */
export const limitrate = fp(plugin, { fastify: '5.x', name: '@limitrate/fastify' });
