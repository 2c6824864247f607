// What each route resolves to: its `config.limitrate` checked (when the route is declared,
// or on its first request), the limiter that counts it (the plugin's, or one of the route's
// own sharing the plugin's store, events and analytics), its endpoint and the hook it is
// checked in.
import { canonicalEndpoint, ConfigError, HttpLimiter, PolicyEngine, type HttpLimiterOptions, type LimitRateEvent } from '@limitrate/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { OWN_LIMITER_KEYS, routeOptionIssues, type LimitRateHook, type RouteLimitOptions } from './options.js';

/** The engine behind the plugin, on Fastify's request and reply. */
export type FastifyHttp = HttpLimiter<FastifyRequest, FastifyReply>;

/** How one route is limited. */
export interface RouteState {
  readonly http: FastifyHttp;
  readonly hook: LimitRateHook;
  /** The method given to the limiter (from the route's `endpoint`), or undefined for the request's own. */
  readonly method: string | undefined;
  /** The route template given to the limiter: the route's `endpoint` path, else its URL; undefined for a 404. */
  readonly route: string | undefined;
  /** A route with `limitrate: false`: only the ipBlocklist applies, and request.rateLimit stays unset. */
  readonly bare: boolean;
}

/** The part of a route's config (`request.routeOptions.config`) read here. */
export interface RouteConfig {
  url?: string | undefined;
  method?: string | readonly string[] | undefined;
  limitrate?: unknown;
}

/** Store events arrive on every bus the store is attached to: a route's limiter does not pass them on. */
const STORE_EVENTS: ReadonlySet<string> = new Set(['store_circuit', 'store_fallback']);
/** The route options of a `limitrate: false` route under an ipBlocklist: every request is skipped, after the blocklist. */
const BLOCKLIST_ONLY: RouteLimitOptions = { skip: () => true };
/** Methods whose requests have no body for a callback to read. */
const BODILESS: ReadonlySet<string> = new Set(['GET', 'HEAD']);

export class RouteTable {
  /** By route config object: every route has its own. */
  private readonly states = new WeakMap<object, RouteState | null>();
  /** Limiters of routes with their own options, by options object (routes may share one). */
  private readonly own = new WeakMap<object, FastifyHttp>();
  private readonly engines = new WeakMap<FastifyHttp, PolicyEngine<FastifyRequest>>();
  /** Routes with their own limiter, by canonical endpoint key (for `status(request, endpoint)`). */
  private readonly byEndpoint = new Map<string, FastifyHttp>();
  /** Every limiter of a route's own, for close(). */
  readonly limiters: FastifyHttp[] = [];
  /** Requests without a route config: counted by path, checked on request. */
  readonly plain: RouteState;

  /**
   * @param main The plugin's limiter.
   * @param base The plugin's options, without its store and event sinks, for routes' own limiters.
   * @param hook The plugin's `hook` option.
   */
  constructor(
    private readonly main: FastifyHttp,
    private readonly base: HttpLimiterOptions<FastifyRequest, FastifyReply>,
    private readonly hook: LimitRateHook | undefined,
  ) {
    this.plain = { http: main, hook: 'onRequest', method: undefined, route: undefined, bare: false };
  }

  /**
   * onRoute: checks a route's config as it is declared (throws a ConfigError) and returns
   * its state, which the plugin keeps on the route's config under `tag`.
   */
  declare(method: string | readonly string[], url: string, config: RouteConfig | undefined): RouteState | null {
    return this.resolve({ url, method, limitrate: config?.limitrate });
  }

  /**
   * The state of a request's route (null: not limited): the one tagged when the route was
   * declared, else (a route declared before the plugin, a 404) resolved now and kept.
   * Throws a ConfigError for a bad config not seen when declared.
   */
  of(config: RouteConfig | undefined, tag: symbol): RouteState | null {
    if (config === undefined) return this.plain;
    const tagged = (config as Record<symbol, RouteState | null | undefined>)[tag];
    if (tagged !== undefined) return tagged;
    let state = this.states.get(config);
    if (state === undefined) {
      state = this.resolve(config);
      this.states.set(config, state);
    }
    return state;
  }

  /** The limiter counting an endpoint key: a route's own, or the plugin's. */
  limiterOf(endpoint: string): FastifyHttp {
    return this.byEndpoint.get(canonicalEndpoint(endpoint, undefined).key) ?? this.main;
  }

  private resolve(config: RouteConfig): RouteState | null {
    const value = config.limitrate;
    const methods = config.method === undefined ? [] : typeof config.method === 'string' ? [config.method] : [...config.method];
    const where = `routes[${JSON.stringify(`${methods.join(',')} ${config.url ?? '(not found)'}`)}].config.limitrate`;
    if (value === false) {
      // Not limited; but a blocked address stays blocked, as with skip.
      if ((this.base.ipBlocklist ?? []).length === 0) return null;
      return { http: this.limiterFor(BLOCKLIST_ONLY, where), hook: 'onRequest', method: undefined, route: config.url, bare: true };
    }
    const issues = routeOptionIssues(value, where);
    if (issues.length > 0) throw new ConfigError(issues);
    const o = typeof value === 'object' && value !== null ? (value as RouteLimitOptions) : undefined;
    const http = o === undefined ? this.main : this.limiterFor(o, where);
    let method: string | undefined;
    let route = config.url;
    if (o?.endpoint !== undefined) {
      const bar = o.endpoint.indexOf('|');
      method = o.endpoint.slice(0, bar).trim();
      route = o.endpoint.slice(bar + 1).trim();
    }
    const keys = route === undefined ? [] : (method === undefined ? methods : [method]).map((m) => canonicalEndpoint(`${m}|${route}`, undefined).key);
    if (http !== this.main) for (const key of keys) this.byEndpoint.set(key, http);
    return { http, hook: o?.hook ?? this.hook ?? this.autoHook(http, o, keys), method, route, bare: false };
  }

  /** 'preHandler' when the route takes a body and a callback may read it, else 'onRequest'. */
  private autoHook(http: FastifyHttp, o: RouteLimitOptions | undefined, keys: readonly string[]): LimitRateHook {
    const withBody = keys.filter((k) => !BODILESS.has(k.slice(0, k.indexOf('|'))));
    if (withBody.length === 0) return 'onRequest';
    if ((o?.identifyTokenUsage ?? this.base.identifyTokenUsage) !== undefined) return 'preHandler';
    let engine = this.engines.get(http);
    if (engine === undefined) {
      engine = new PolicyEngine<FastifyRequest>(o?.policies ?? this.base.policies);
      this.engines.set(http, engine);
    }
    for (const plan of engine.planNames()) {
      for (const key of withBody) if (engine.resolve(plan, canonicalEndpoint(key, undefined)).policy?.cost?.estimateCost !== undefined) return 'preHandler';
    }
    return 'onRequest';
  }

  /** The limiter of a route with its own policies, skip or token callbacks. */
  private limiterFor(o: RouteLimitOptions, where: string): FastifyHttp {
    if (OWN_LIMITER_KEYS.every((k) => o[k] === undefined)) return this.main;
    const known = this.own.get(o);
    if (known !== undefined) return known;
    const { analytics: _analytics, ...base } = this.base;
    const options: HttpLimiterOptions<FastifyRequest, FastifyReply> = { ...base, store: this.main.limiter.store };
    // One analytics per plugin: the route's checks are counted in the plugin's.
    const recorder = this.main.limiter.analytics;
    if (recorder !== undefined) options.analytics = recorder;
    if (o.policies !== undefined) options.policies = o.policies;
    if (o.skip !== undefined) options.skip = o.skip;
    if (o.identifyTokenUsage !== undefined) options.identifyTokenUsage = o.identifyTokenUsage;
    if (o.extractTokenUsage !== undefined) options.extractTokenUsage = o.extractTokenUsage;
    let http: FastifyHttp;
    try {
      http = new HttpLimiter(options);
    } catch (error) {
      if (error instanceof ConfigError) throw new ConfigError(error.issues.map((i) => ({ ...i, path: `${where}.${i.path}` })));
      throw error;
    }
    // Its events reach the plugin's onEvent, webhooks and listeners.
    const main = this.main.events;
    http.events.on('*', (e: LimitRateEvent) => {
      if (!STORE_EVENTS.has(e.type)) main.emit(e);
    });
    this.own.set(o, http);
    this.limiters.push(http);
    return http;
  }
}
