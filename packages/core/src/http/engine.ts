// HttpLimiter: everything an HTTP adapter needs, framework-free. It takes a description of
// the request (method, path, route template, addresses), applies skip, IP rules, user and
// plan identification, in-flight limits and the rate check, and answers with what to send
// (headers, a refusal body, a delay) plus a `done` callback for after the response
// (reconciling tokens, not counting successful/failed requests, releasing slots).
import { systemClock, type Clock } from '../clock.js';
import type { LimitRateError } from '../errors/index.js';
import type { EventBus } from '../events/bus.js';
import { RateLimiter } from '../limiter.js';
import { canonicalEndpoint, parseEndpointPattern } from '../policy/endpoint.js';
import { PolicyEngine } from '../policy/engine.js';
import type { ConcurrencyRule, Policies } from '../policy/types.js';
import { validateConfig } from '../policy/validate.js';
import type { LimitStatus, RateLimitResult } from '../types.js';
import { isPromiseLike } from '../util/timeout.js';
import { WebhookSender } from '../webhooks/index.js';
import { andThen, runCallback, type Outcome } from './callbacks.js';
import { ConcurrencyGates, type CancelSignal, type Refused, type Release } from './concurrency.js';
import { rateLimitHeaders, retryAfterSeconds, type HeaderMode } from './headers.js';
import { compileCidrList, type CidrList } from './ip.js';
import { RequestKeys } from './request-keys.js';
import { coreConfigOf, httpOptionIssues, HTTP_VALIDATED_KEYS, type HttpLimiterOptions } from './options.js';
import { busyRefusal, ipBlockedRefusal, refusal, unavailableRefusal, type RefusalOptions } from './body.js';

type MaybePromise<T> = T | Promise<T>;

/** A request, as the adapter describes it. */
export interface HttpRequestInfo<TReq> {
  method: string;
  /** The URL path, without the query. */
  path: string;
  /** The route template when the framework knows it (`/users/:id`). */
  route?: string | undefined;
  /** The address of the peer that connected (the socket's remote address). */
  remoteAddress?: string | undefined;
  /** X-Forwarded-For header value(s), consulted only when proxies are trusted. */
  forwardedFor?: string | readonly string[] | undefined;
  /** The framework's own request, handed to the callbacks. */
  raw: TReq;
  /**
   * Aborted when the client goes away (an AbortSignal). A request waiting in an in-flight
   * queue then leaves it at once. Adapters pass one when `hasInFlightLimits` is true.
   */
  signal?: CancelSignal | undefined;
}

/** How the response went, for `done`. */
export interface HttpOutcome<TRes> {
  statusCode: number;
  /** False when the connection closed before the response was sent. */
  completed: boolean;
  res: TRes;
}

/** What the adapter should do with a request. */
export interface HttpDecision<TRes> {
  action: 'continue' | 'refuse';
  /** The status to answer with when refusing (403, 429 or 503). */
  status: number;
  headers: Array<[string, string]>;
  contentType: string | undefined;
  body: Record<string, unknown> | undefined;
  /** Wait this long before continuing (slowdown). */
  delayMs: number;
  /** The limiter's decision, when a check ran. */
  result: RateLimitResult | undefined;
  user: string;
  plan: string;
  endpoint: string;
  /** Call when the response has finished or the connection closed; safe to call twice. */
  done: ((outcome: HttpOutcome<TRes>) => void) | undefined;
}

/** A user's quota, for status endpoints (LimitRate v3 fields, plus every limit). */
export interface RateLimitStatus {
  used: number;
  limit: number | null;
  remaining: number | null;
  /** Seconds until the limit is fully available again. */
  resetIn: number;
  plan: string;
  /** Used share of the limit, 0 to 100. */
  percentage: number;
  endpoint: string;
  limits: LimitStatus[];
}

const NOTHING: Array<[string, string]> = [];
/** Marks a client IP not parsed yet (parsed on first use). */
const LATER: unique symbol = Symbol('later');
const isString = (v: unknown): string | undefined => (typeof v === 'string' ? undefined : `returned ${typeof v}, not a string`);
const isBoolean = (v: unknown): string | undefined => (typeof v === 'boolean' || v === undefined ? undefined : `returned ${typeof v}, not a boolean`);
const isTokens = (v: unknown): string | undefined =>
  v === undefined || v === null || (typeof v === 'number' && Number.isFinite(v) && v >= 0) ? undefined : `returned ${String(v)}, not a token count >= 0`;

/**
 * The shared engine of the HTTP adapters.
 *
 * @example
 * ```ts
 * const http = new HttpLimiter({ policies: { free: { rate: { maxPerMinute: 60 } } } });
 * const d = await http.decide({ method: 'GET', path: '/api/items', remoteAddress: '203.0.113.7', raw: req });
 * if (d.action === 'refuse') return send(d.status, d.headers, d.body);
 * ```
 */
export class HttpLimiter<TReq, TRes = unknown> {
  readonly limiter: RateLimiter<TReq>;
  readonly events: EventBus;
  private readonly o: HttpLimiterOptions<TReq, TRes>;
  private readonly clock: Clock;
  private readonly allow: CidrList;
  private readonly block: CidrList;
  private readonly headerMode: HeaderMode;
  private readonly refusalOptions: RefusalOptions;
  private readonly timeoutMs: number;
  private readonly failOpen: boolean;
  /** In-flight slots per plan and endpoint; `gates.snapshot()` shows what runs and waits. */
  readonly gates = new ConcurrencyGates();
  private readonly concurrency: Map<string, Map<string, ConcurrencyRule>> | undefined;
  private readonly policyEngine: PolicyEngine<TReq> | undefined;
  private readonly webhooks: WebhookSender | undefined;
  private readonly needsDone: boolean;
  /** Endpoint strings, client IPs and user keys of requests (cached). */
  private readonly keys: RequestKeys;
  /** The client IP is needed before identification: for an IP list, or as the default user. */
  private readonly ipFirst: boolean;

  constructor(options: HttpLimiterOptions<TReq, TRes>) {
    const asObject = (options ?? {}) as unknown as Record<string, unknown>;
    validateConfig(options, { adapterKeys: HTTP_VALIDATED_KEYS, concurrency: true, extraIssues: typeof options === 'object' && options !== null ? httpOptionIssues(asObject) : [] });
    this.o = options;
    this.clock = options.clock ?? systemClock;
    this.limiter = new RateLimiter<TReq>({ ...coreConfigOf(options), policies: withoutConcurrency(options.policies) });
    this.events = this.limiter.events;
    this.allow = compileCidrList(options.ipAllowlist ?? []).list;
    this.block = compileCidrList(options.ipBlocklist ?? []).list;
    this.headerMode = options.headers ?? 'v3';
    this.refusalOptions = { upgradeHint: options.upgradeHint, problemDetails: options.problemDetails };
    this.timeoutMs = options.callbackTimeoutMs ?? 1000;
    this.failOpen = (options.onStoreError ?? options.onRedisError ?? 'allow') === 'allow';
    this.concurrency = concurrencyRules(options.policies);
    this.keys = new RequestKeys({ trustProxy: options.trustProxy, trustedProxyCount: options.trustedProxyCount, ipv6Subnet: options.ipv6Subnet ?? 56, headOwnPolicies: namesHead(options.policies) });
    this.ipFirst = this.allow.size > 0 || this.block.size > 0 || options.identifyUser === undefined;
    this.policyEngine = this.concurrency === undefined ? undefined : new PolicyEngine(options.policies);
    if (this.concurrency !== undefined) {
      // Metrics can show the in-flight limits' gates (running and waiting requests).
      const gates = this.gates;
      this.limiter.instrumentTarget.inFlight = () =>
        Object.entries(gates.snapshot()).map(([key, g]) => {
          const cut = key.indexOf('\u0000');
          return { plan: key.slice(0, cut), endpoint: key.slice(cut + 1), inFlight: g.inFlight, queued: g.queued };
        });
    }
    this.needsDone = this.concurrency !== undefined || options.extractTokenUsage !== undefined || options.skipSuccessfulRequests === true || options.skipFailedRequests === true;
    if (options.webhookUrl !== undefined || (options.webhooks !== undefined && options.webhooks.length > 0)) {
      this.webhooks = new WebhookSender(options.webhooks ?? [], { clock: this.clock, ...(options.webhookUrl !== undefined ? { legacyUrl: options.webhookUrl } : {}) });
      this.webhooks.attach(this.events);
    }
  }

  /** True when X-Forwarded-For may be consulted (`trustProxy` or `trustedProxyCount`): adapters may skip reading it otherwise. */
  get readsForwardedFor(): boolean {
    return this.keys.trustsProxies;
  }

  /**
   * True when decisions carry a `done` callback (in-flight limits, skipSuccessfulRequests /
   * skipFailedRequests, token reconciliation): adapters only need an after-response hook then.
   */
  get needsAfterResponse(): boolean {
    return this.needsDone;
  }

  /** True when some endpoint has an in-flight (concurrency) limit: give `decide` a `signal` then. */
  get hasInFlightLimits(): boolean {
    return this.concurrency !== undefined;
  }

  /** Decide a request. Synchronous whenever every callback and the store are. */
  decide(info: HttpRequestInfo<TReq>): MaybePromise<HttpDecision<TRes>> {
    // With identifyUser and no IP list, the address is parsed only if identification fails.
    const ip = this.ipFirst ? this.keys.ipOf(info) : LATER;
    const endpoint = this.keys.endpointOf(info);
    // The blocklist comes first: it is a security control, which skip cannot lift.
    if (typeof ip === 'string' && this.block.size > 0 && this.block.matches(ip)) {
      const ep = canonicalEndpoint(endpoint, undefined).key;
      this.events.emit({ type: 'ip_blocked', timestamp: this.clock.now(), user: ip, plan: '', endpoint: ep, ip });
      if (this.o.dryRun !== true) {
        const r = ipBlockedRefusal(ip, this.refusalOptions);
        return this.decision('refuse', r.status, NOTHING, r.contentType, r.body, 0, undefined, ip, '', ep, undefined);
      }
    }
    if (typeof ip === 'string' && this.allow.size > 0 && this.allow.matches(ip)) return this.pass(endpoint, ip, '');
    const skip = this.o.skip;
    if (skip === undefined) return this.screen(info, ip, endpoint);
    return andThen(runCallback<boolean>('skip', skip, [info.raw], this.timeoutMs, isBoolean), (out) => {
      if (!out.ok) this.callbackFailed(out.error, 'skip', '', '', endpoint, 'limited the request');
      return out.ok && out.value === true ? this.pass(endpoint, '', '') : this.screen(info, ip, endpoint);
    });
  }

  /** A user's quota for a request, without counting anything. */
  async status(info: HttpRequestInfo<TReq>, endpoint?: string): Promise<RateLimitStatus> {
    const ip = this.keys.ipOf(info);
    const who = await this.identify(info, ip);
    const ep = endpoint ?? this.keys.endpointOf(info);
    const r = await this.limiter.peek({ userId: who.user, plan: who.plan, endpoint: ep, raw: info.raw });
    const finite = r.limits.length > 0;
    return {
      used: r.current,
      limit: finite ? r.limit : null,
      remaining: finite ? r.remaining : null,
      resetIn: r.resetInSeconds,
      plan: r.plan,
      percentage: finite && r.limit > 0 ? Math.min(100, Math.round((r.current / r.limit) * 100)) : 0,
      endpoint: r.endpoint,
      limits: r.limits,
    };
  }

  /** Deliver pending events and webhooks, close the store. */
  async close(): Promise<void> {
    await this.events.flush();
    await this.webhooks?.close();
    await this.limiter.close();
  }

  /** The endpoint as given to the limiter (the limiter canonicalises it, cached by this string). */
  /** Identification, then the checks. */
  private screen(info: HttpRequestInfo<TReq>, ip: string | undefined | typeof LATER, endpoint: string): MaybePromise<HttpDecision<TRes>> {
    return andThen(this.identify(info, ip, endpoint), (who) => (who.refuse !== undefined ? who.refuse : this.limit(info, endpoint, who.user, who.plan)));
  }

  /** identifyUser and identifyPlan, contained: a failure falls back (or refuses, fail-closed). */
  private identify(info: HttpRequestInfo<TReq>, ipOrLater: string | undefined | typeof LATER, endpoint = this.keys.endpointOf(info)): MaybePromise<{ user: string; plan: string; refuse?: HttpDecision<TRes> }> {
    let fallback: string | undefined;
    /** The client IP as a user key (its subnet for IPv6): the user when identifyUser fails or is absent. */
    const byIp = (): string => {
      if (fallback === undefined) {
        const ip = ipOrLater === LATER ? this.keys.ipOf(info) : ipOrLater;
        fallback = ip === undefined ? 'unknown' : this.keys.userKeyOf(ip);
      }
      return fallback;
    };
    const o = this.o;
    const user: MaybePromise<Outcome<string>> = o.identifyUser ? runCallback<string>('identifyUser', o.identifyUser, [info.raw], this.timeoutMs, isString) : { ok: true, value: byIp() };
    return andThen(user, (u) => {
      const plan: MaybePromise<Outcome<string>> = o.identifyPlan ? runCallback<string>('identifyPlan', o.identifyPlan, [info.raw], this.timeoutMs, isString) : { ok: true, value: this.limiter.defaultPlan };
      return andThen(plan, (p) => {
        const planName = p.ok ? p.value : this.limiter.defaultPlan;
        if (!p.ok) this.callbackFailed(p.error, 'identifyPlan', u.ok ? u.value : byIp(), planName, endpoint, 'applied the default plan');
        if (u.ok) return { user: u.value, plan: planName };
        if (this.failOpen || o.dryRun === true) {
          this.callbackFailed(u.error, 'identifyUser', byIp(), planName, endpoint, 'counted the request by client IP');
          return { user: byIp(), plan: planName };
        }
        this.callbackFailed(u.error, 'identifyUser', byIp(), planName, endpoint, 'refused the request');
        return { user: byIp(), plan: planName, refuse: this.failure(u.error, byIp(), planName, endpoint) };
      });
    });
  }

  /** Tokens, in-flight slot, then the rate check. */
  private limit(info: HttpRequestInfo<TReq>, endpoint: string, user: string, plan: string): MaybePromise<HttpDecision<TRes>> {
    const o = this.o;
    const tokens: MaybePromise<Outcome<number | undefined>> = o.identifyTokenUsage
      ? runCallback<number | undefined>('identifyTokenUsage', o.identifyTokenUsage, [info.raw], this.timeoutMs, isTokens)
      : { ok: true, value: undefined };
    return andThen(tokens, (t) => {
      if (!t.ok) this.callbackFailed(t.error, 'identifyTokenUsage', user, plan, endpoint, 'checked token limits without a count');
      const count = t.ok && t.value !== null ? t.value : undefined;
      const rule = this.concurrencyRule(plan, endpoint);
      if (rule === undefined) return this.check(info, endpoint, user, plan, count, undefined);
      // A dry run never waits: it takes a free slot or reports that there was none.
      const gateRule = o.dryRun === true ? { ...rule.rule, actionOnExceed: 'block' as const } : rule.rule;
      const slot = this.gates.acquire(rule.key, gateRule, this.priorityOf(info), info.signal);
      return andThen(slot, (s) => {
        if (typeof s === 'function') return this.check(info, endpoint, user, plan, count, s);
        // The client left while waiting: nothing was exceeded, and nobody reads the answer.
        if (s.refused === 'cancelled') return this.busy(s, user, plan, endpoint);
        this.events.emit({ type: 'rate_exceeded', timestamp: this.clock.now(), user, plan, endpoint: canonicalEndpoint(endpoint, undefined).key, window: 'in-flight', value: s.inFlight + 1, threshold: s.max, action: 'block', limit: 'concurrency', dryRun: o.dryRun === true, retryAfterSeconds: 1 });
        if (o.dryRun === true) return this.check(info, endpoint, user, plan, count, undefined);
        return this.busy(s, user, plan, endpoint);
      });
    });
  }

  private check(info: HttpRequestInfo<TReq>, endpoint: string, user: string, plan: string, tokens: number | undefined, slot: Release | undefined): MaybePromise<HttpDecision<TRes>> {
    let r: MaybePromise<RateLimitResult>;
    try {
      r = this.limiter.checkNow(tokens === undefined ? { userId: user, plan, endpoint, raw: info.raw } : { userId: user, plan, endpoint, tokens, raw: info.raw });
    } catch (e) {
      slot?.();
      throw e;
    }
    if (isPromiseLike(r)) {
      return (r as Promise<RateLimitResult>).then(
        (result) => this.fromResult(info, result, slot),
        (e: unknown) => {
          slot?.();
          throw e;
        },
      );
    }
    return this.fromResult(info, r, slot);
  }

  private fromResult(info: HttpRequestInfo<TReq>, result: RateLimitResult, slot: Release | undefined): HttpDecision<TRes> {
    const headers = rateLimitHeaders(result, { mode: this.headerMode });
    if (!result.allowed) {
      slot?.();
      const r = refusal(result, { ...this.refusalOptions, instance: info.path });
      const retry = retryAfterSeconds(result);
      if (retry !== undefined) headers.push(['Retry-After', String(retry)]);
      return this.decision('refuse', r.status, headers, r.contentType, r.body, 0, result, result.user, result.plan, result.endpoint, undefined);
    }
    const done = this.needsDone ? this.after(info, result, slot) : undefined;
    return this.decision('continue', 200, headers, undefined, undefined, result.slowdownMs, result, result.user, result.plan, result.endpoint, done);
  }

  /** What to do once the response is out: release, reconcile tokens, uncount by outcome. */
  private after(info: HttpRequestInfo<TReq>, result: RateLimitResult, slot: Release | undefined): (outcome: HttpOutcome<TRes>) => void {
    let called = false;
    return (outcome) => {
      if (called) return;
      called = true;
      slot?.();
      const o = this.o;
      const success = outcome.completed && outcome.statusCode < 400;
      const uncount = (o.skipSuccessfulRequests === true && success) || (o.skipFailedRequests === true && !success);
      const extract = o.extractTokenUsage;
      const record = (tokens: number | undefined) => {
        if (!uncount && tokens === undefined) return;
        const usage = tokens === undefined ? { requests: 0 } : uncount ? { requests: 0, tokens } : { tokens };
        this.limiter.record(result, usage).catch(() => undefined);
      };
      if (extract === undefined) return record(undefined);
      void andThen(runCallback<number | undefined>('extractTokenUsage', extract, [outcome.res, info.raw], this.timeoutMs, isTokens), (t) => {
        if (!t.ok) this.callbackFailed(t.error, 'extractTokenUsage', result.user, result.plan, result.endpoint, 'kept the estimate');
        record(t.ok && t.value !== null ? t.value : undefined);
      });
    };
  }

  private concurrencyRule(plan: string, endpoint: string): { key: string; rule: ConcurrencyRule } | undefined {
    if (this.concurrency === undefined || this.policyEngine === undefined) return undefined;
    const engine = this.policyEngine;
    const effective = engine.hasPlan(plan) ? plan : this.limiter.defaultPlan;
    const res = engine.lookup(effective, endpoint, undefined);
    if (res === undefined) return undefined;
    const rule = this.concurrency.get(effective)?.get(res.policyKey);
    if (rule === undefined) return undefined;
    return { key: `${effective}\u0000${res.policyKey === 'defaults' ? res.endpoint.key : res.policyKey}`, rule };
  }

  private priorityOf(info: HttpRequestInfo<TReq>): number {
    const p = this.o.priority;
    if (typeof p === 'number') return p;
    if (typeof p !== 'function') return 5;
    try {
      const v = p(info.raw);
      return typeof v === 'number' && Number.isFinite(v) ? v : 5;
    } catch {
      return 5;
    }
  }

  /** 429 for a full concurrency gate (LimitRate v3 body, reason rate_limited). */
  private busy(s: Refused, user: string, plan: string, raw: string): HttpDecision<TRes> {
    const endpoint = canonicalEndpoint(raw, undefined).key;
    const r = busyRefusal({ refused: s.refused, max: s.max, plan, endpoint }, this.refusalOptions);
    return this.decision('refuse', r.status, [['Retry-After', '1']], r.contentType, r.body, 0, undefined, user, plan, endpoint, undefined);
  }

  /** 503 for a failed callback under a fail-closed policy. */
  private failure(error: LimitRateError, user: string, plan: string, raw: string): HttpDecision<TRes> {
    const endpoint = canonicalEndpoint(raw, undefined).key;
    const r = unavailableRefusal(`The rate limiter could not identify this request (${error.code}). Try again in 1 second.`, { plan, endpoint }, this.refusalOptions);
    return this.decision('refuse', r.status, [['Retry-After', '1']], r.contentType, r.body, 0, undefined, user, plan, endpoint, undefined);
  }

  private pass(endpoint: string, user: string, plan: string): HttpDecision<TRes> {
    return this.decision('continue', 200, NOTHING, undefined, undefined, 0, undefined, user, plan, canonicalEndpoint(endpoint, undefined).key, undefined);
  }

  private callbackFailed(error: LimitRateError, callback: string, user: string, plan: string, endpoint: string, fallback: string): void {
    this.events.emit({ type: 'callback_error', timestamp: this.clock.now(), user, plan, endpoint: canonicalEndpoint(endpoint, undefined).key, callback, error, fallback });
  }

  private decision(
    action: 'continue' | 'refuse',
    status: number,
    headers: Array<[string, string]>,
    contentType: string | undefined,
    body: Record<string, unknown> | undefined,
    delayMs: number,
    result: RateLimitResult | undefined,
    user: string,
    plan: string,
    endpoint: string,
    done: ((outcome: HttpOutcome<TRes>) => void) | undefined,
  ): HttpDecision<TRes> {
    return { action, status, headers, contentType, body, delayMs, result, user, plan, endpoint, done };
  }
}

/** The policies without `concurrency` (the RateLimiter refuses it; this layer enforces it). */
function withoutConcurrency<TReq>(policies: Policies<TReq>): Policies<TReq> {
  const out: Policies<TReq> = {};
  for (const [name, plan] of Object.entries(policies ?? {})) {
    const copy = { ...plan };
    if (plan.defaults?.concurrency !== undefined) {
      const { concurrency: _c, ...rest } = plan.defaults;
      copy.defaults = rest;
    }
    if (plan.endpoints !== undefined) {
      copy.endpoints = Object.fromEntries(Object.entries(plan.endpoints).map(([k, p]) => {
        if (p?.concurrency === undefined) return [k, p];
        const { concurrency: _c, ...rest } = p;
        return [k, rest];
      }));
    }
    out[name] = copy;
  }
  return out;
}

/** Whether any plan has an endpoint policy for the HEAD method. */
function namesHead<TReq>(policies: Policies<TReq>): boolean {
  for (const plan of Object.values(policies)) {
    for (const source of Object.keys(plan.endpoints ?? {})) {
      const parsed = parseEndpointPattern(source);
      if (typeof parsed !== 'string' && parsed.key.startsWith('HEAD|')) return true;
    }
  }
  return false;
}

/** Concurrency rules per plan, by canonical policy key (`defaults` for the plan's defaults). */
function concurrencyRules<TReq>(policies: Policies<TReq>): Map<string, Map<string, ConcurrencyRule>> | undefined {
  let found: Map<string, Map<string, ConcurrencyRule>> | undefined;
  for (const [name, plan] of Object.entries(policies)) {
    const rules = new Map<string, ConcurrencyRule>();
    if (plan.defaults?.concurrency !== undefined) rules.set('defaults', plan.defaults.concurrency);
    for (const [source, p] of Object.entries(plan.endpoints ?? {})) {
      const parsed = parseEndpointPattern(source);
      if (p?.concurrency !== undefined && typeof parsed !== 'string') rules.set(parsed.key, p.concurrency);
    }
    if (rules.size > 0) (found ??= new Map()).set(name, rules);
  }
  return found;
}

