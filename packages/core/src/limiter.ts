// RateLimiter: resolves a framework-free request to its set of limits, decides them all at
// once through the store, applies the action and failure policies, emits events, and
// reconciles usage known only after the response.
import { systemClock, type Clock } from './clock.js';
import { createStore, defaultPlanOf, type RateLimiterConfig } from './config.js';
import { decide, limitStatus } from './decision.js';
import { CallbackError, LimitRateError, RequestError, StoreError } from './errors/index.js';
import { EventBus } from './events/bus.js';
import type { ExceededEvent } from './events/types.js';
import { costToMicros, MICROS_PER_DOLLAR, type LimitKind, type LimitTemplate } from './policy/compile.js';
import { canonicalEndpoint } from './policy/endpoint.js';
import { applyOverride, PolicyEngine, scopePattern, userPattern, type Resolution } from './policy/engine.js';
import type { UserOverride } from './policy/types.js';
import { validateConfig, validateUserOverride } from './policy/validate.js';
import type { ConsumeMode, ConsumeResult, LimitSpec, Store } from './stores/types.js';
import type { ActualUsage, DecisionReason, LimitStatus, RateLimitRequest, RateLimitResult, RecordResult, ResetTarget } from './types.js';
import { escapeKeyPart } from './util/keys.js';
import { isPromiseLike, withTimeout } from './util/timeout.js';

/** What a check charged, kept for `record()`. */
interface Memo<TReq> {
  resolution: Resolution<TReq>;
  userKey: string;
  tokens: number;
  micros: number;
  at: number;
}

interface Prepared<TReq> {
  user: string;
  userKey: string;
  resolution: Resolution<TReq>;
  /** Set when getUserOverride failed and the plan limits apply instead. */
  error?: LimitRateError;
}

const EXCEEDED_TYPE: Record<LimitKind, ExceededEvent['type']> = { rate: 'rate_exceeded', tokens: 'token_limit_exceeded', cost: 'cost_exceeded' };

function closedError(): LimitRateError {
  return new LimitRateError('ERR_LIMITRATE_CLOSED', 'This limiter has been closed', { hint: 'Create a new RateLimiter, or stop using it after close()' });
}

function checkAmount(name: 'cost' | 'tokens', value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new RequestError(`request.${name} must be a finite number >= 0, got ${String(value)}`, `Pass the request's ${name === 'cost' ? 'cost in dollars' : 'token count'}, or leave it out`);
  }
  return value;
}

/**
 * The framework-free rate limiter.
 *
 * @example
 * ```ts
 * const limiter = new RateLimiter({
 *   policies: {
 *     free: { endpoints: { 'POST|/api/chat': { rate: { maxPerMinute: 10 } } }, defaults: { rate: { maxPerMinute: 60 } } },
 *     pro: { rate: { maxPerMinute: 600 } },
 *   },
 * });
 * const r = await limiter.check({ userId: 'u1', plan: 'free', endpoint: 'POST|/api/chat' });
 * if (!r.allowed) console.log(`retry in ${r.retryAfter}s`);
 * ```
 */
export class RateLimiter<TReq = unknown> {
  /** Subscribe to events with `limiter.events.on(type, listener)`. */
  readonly events: EventBus;
  readonly store: Store;
  readonly defaultPlan: string;
  private readonly engine: PolicyEngine<TReq>;
  private readonly clock: Clock;
  private readonly config: RateLimiterConfig<TReq>;
  private readonly failOpen: boolean;
  private readonly storeTimeoutMs: number;
  private readonly overrideTimeoutMs: number;
  private readonly dryRun: boolean;
  private readonly memos = new WeakMap<RateLimitResult, Memo<TReq>>();
  private readonly overrideCache = new WeakMap<UserOverride, Map<Resolution<TReq>, Resolution<TReq>>>();
  private closed = false;

  constructor(config: RateLimiterConfig<TReq>) {
    validateConfig(config);
    this.config = config;
    this.clock = config.clock ?? systemClock;
    this.store = createStore(config.store, config.clock);
    this.engine = new PolicyEngine(config.policies);
    this.defaultPlan = defaultPlanOf(config);
    this.failOpen = (config.onStoreError ?? config.onRedisError ?? 'allow') === 'allow';
    this.storeTimeoutMs = config.storeTimeoutMs ?? 1000;
    this.overrideTimeoutMs = config.userOverrideTimeoutMs ?? 1000;
    this.dryRun = config.dryRun ?? false;
    this.events = new EventBus({ clock: this.clock });
    if (config.onEvent) this.events.on('*', config.onEvent);
    const logger = config.dryRunLogger;
    if (this.dryRun && logger) {
      this.events.on('*', (e) => {
        if ((e.type === 'rate_exceeded' || e.type === 'cost_exceeded' || e.type === 'token_limit_exceeded') && e.dryRun) {
          return logger({
            timestamp: new Date(e.timestamp),
            user: e.user,
            plan: e.plan,
            endpoint: e.endpoint,
            action: e.action,
            reason: e.type,
            current: e.value,
            limit: e.threshold,
            retryAfter: e.retryAfterSeconds ?? 0,
          });
        }
        return undefined;
      });
    }
  }

  /** Decide and count one request against every limit that applies to it, atomically. */
  check(request: RateLimitRequest<TReq>): Promise<RateLimitResult> {
    return this.run(request, 'consume', undefined);
  }

  /** Like `check`, but only the cost caps (for apps that price a request separately). */
  checkCost(request: RateLimitRequest<TReq>): Promise<RateLimitResult> {
    return this.run(request, 'consume', 'cost');
  }

  /** What `check` would decide now, without counting anything (no `estimateCost` call, no events). */
  peek(request: RateLimitRequest<TReq>): Promise<RateLimitResult> {
    return this.run(request, 'peek', undefined);
  }

  /**
   * Reconcile usage known only after the response: charges (or refunds) the difference
   * between the actual tokens / cost and what `check` charged. Pass the check's result; or
   * a request, to charge the full amounts. Never rejects for store failures (see `recorded`).
   */
  async record(target: RateLimitResult | RateLimitRequest<TReq>, usage: ActualUsage): Promise<RecordResult> {
    const tokens = checkAmount('tokens', usage.tokens);
    const cost = checkAmount('cost', usage.cost);
    let memo = this.memos.get(target as RateLimitResult);
    if (memo === undefined) memo = await this.memoFor(target);
    if (memo === undefined) return { recorded: false, tokens: 0, cost: 0, limits: [] };
    const dTokens = tokens === undefined ? 0 : Math.ceil(tokens) - memo.tokens;
    const dMicros = cost === undefined ? 0 : costToMicros(cost) - memo.micros;
    const templates = memo.resolution.policy?.templates ?? [];
    const picked: LimitTemplate[] = [];
    const specs: LimitSpec[] = [];
    templates.forEach((t, i) => {
      const delta = t.kind === 'tokens' ? dTokens : t.kind === 'cost' ? dMicros : 0;
      if (delta === 0) return;
      picked.push(t);
      specs.push(t.make(memo.userKey + memo.resolution.suffixes[i]!, delta));
    });
    const res = memo.resolution;
    const user = 'user' in target ? target.user : target.userId;
    if (specs.length === 0) return { recorded: true, tokens: 0, cost: 0, limits: [] };
    let cr: ConsumeResult;
    try {
      cr = await this.consume(specs, 'force', Number.isNaN(memo.at) ? undefined : memo.at);
    } catch (error) {
      const err = this.storeError(error);
      this.events.emit({ type: 'store_error', timestamp: this.clock.now(), user, plan: res.plan, endpoint: res.endpoint.key, store: this.store.name, error: err, policy: this.failOpen ? 'allow' : 'block' });
      return { recorded: false, tokens: 0, cost: 0, limits: [], error: err };
    }
    memo.tokens += dTokens;
    memo.micros += dMicros;
    if ('limits' in target && 'tokens' in target) {
      // The result now says what has been charged, so recording the same usage again through
      // this object (or a copy made from now on) charges nothing more.
      target.tokens = memo.tokens;
      target.cost = memo.micros / MICROS_PER_DOLLAR;
    }
    const limits = picked.map((t, i) => limitStatus(t, specs[i]!.key, cr.limits[i]!));
    const overLimit = cr.limits.some((o, i) => !o.allowed && specs[i]!.cost > 0);
    const dCost = dMicros / MICROS_PER_DOLLAR;
    this.events.emit({ type: 'usage_recorded', timestamp: cr.now, user, plan: res.plan, endpoint: res.endpoint.key, tokens: dTokens, cost: dCost, overLimit });
    return { recorded: true, tokens: dTokens, cost: dCost, limits };
  }

  /**
   * What a check charged, rebuilt from a request (nothing charged yet) or from a result that
   * is not the object check() returned (a copy, or one that charged nothing): its public
   * fields say what was charged and when, and its limits which ones to reconcile.
   */
  private async memoFor(target: RateLimitResult | RateLimitRequest<TReq>): Promise<Memo<TReq> | undefined> {
    const isResult = 'user' in target && typeof target.user === 'string' && Array.isArray((target as RateLimitResult).limits);
    if (!isResult && !('userId' in target)) {
      throw new RequestError('record() needs the result of check() or a request', 'Pass the object check() returned, or { userId, plan, endpoint }');
    }
    const request: RateLimitRequest<TReq> = isResult ? { userId: target.user, plan: target.plan, endpoint: target.endpoint } : (target as RateLimitRequest<TReq>);
    const prepared = await this.prepare(request);
    if ('result' in prepared) return undefined;
    const memo: Memo<TReq> = { resolution: prepared.resolution, userKey: prepared.userKey, tokens: 0, micros: 0, at: Number.NaN };
    if (isResult) {
      const r = target as RateLimitResult;
      memo.tokens = r.tokens;
      memo.micros = Math.round(r.cost * MICROS_PER_DOLLAR);
      memo.at = r.timestamp;
      const ids = new Set(r.limits.map((l) => l.id));
      const res = memo.resolution;
      const templates = res.policy?.templates ?? [];
      if (ids.size > 0 && templates.some((t) => !ids.has(t.id))) {
        // A checkCost() result: reconcile only the limits it checked.
        const keep = templates.map((t) => ids.has(t.id));
        memo.resolution = { ...res, policy: res.policy ? { ...res.policy, templates: templates.filter((_, i) => keep[i]) } : undefined, suffixes: res.suffixes.filter((_, i) => keep[i]) };
      }
    }
    return memo;
  }

  /**
   * Delete counters: of a user, of an endpoint (for every user), of both, of given store
   * keys, or everything (`{ all: true }`). Resolves to the number of keys removed.
   */
  async reset(target: ResetTarget): Promise<number> {
    if ('all' in target && target.all === true) return this.store.reset({ all: true });
    if ('key' in target && target.key !== undefined) {
      const keys = typeof target.key === 'string' ? [target.key] : [...target.key];
      return this.store.reset({ keys });
    }
    const t = target as { userId?: string; endpoint?: string; method?: string };
    if (t.endpoint === undefined) {
      if (typeof t.userId !== 'string') throw new RequestError('reset() needs userId, endpoint, key or all: true', "For example reset({ userId: 'u1' })");
      return this.store.reset({ pattern: userPattern(t.userId) });
    }
    // An endpoint is counted under the policy key it matches, which can differ per plan.
    const ep = canonicalEndpoint(t.endpoint, t.method);
    const scopes = new Set<string>([ep.key]);
    for (const plan of this.engine.planNames()) scopes.add(this.engine.resolve(plan, ep).scope);
    let removed = 0;
    for (const scope of scopes) removed += await this.store.reset({ pattern: scopePattern(scope, t.userId) });
    return removed;
  }

  /** Close the store (timers, connections). Later calls reject with ERR_LIMITRATE_CLOSED. */
  async close(): Promise<void> {
    this.closed = true;
    await this.events.flush();
    await this.store.close?.();
  }

  private async run(request: RateLimitRequest<TReq>, mode: ConsumeMode, only: LimitKind | undefined): Promise<RateLimitResult> {
    if (this.closed) throw closedError();
    const prepared = this.prepare(request, mode !== 'peek');
    const p = isPromiseLike(prepared) ? await prepared : prepared;
    if ('result' in p) return p.result;
    const { resolution: res, user, userKey } = p;
    const overrideError = p.error;
    let templates = res.policy?.templates ?? [];
    let suffixes = res.suffixes;
    if (only !== undefined) {
      const keep = templates.map((t) => t.kind === only);
      templates = templates.filter((_, i) => keep[i]);
      suffixes = suffixes.filter((_, i) => keep[i]);
    }
    const n = templates.length;
    if (n === 0) return this.unlimited(user, res, this.clock.now());

    const tokenCount = request.tokens;
    const tokens = tokenCount === undefined ? 0 : Math.ceil(tokenCount);
    let micros = 0;
    let degraded = overrideError !== undefined;
    let error: LimitRateError | undefined = overrideError;
    if (res.hasCost) {
      const dollars = request.cost;
      if (dollars !== undefined) {
        micros = costToMicros(dollars);
      } else if (mode !== 'peek' && res.policy?.cost?.estimateCost) {
        try {
          micros = costToMicros(await this.estimate(res, request));
        } catch (e) {
          error = e as LimitRateError;
          this.emitCallbackError(user, res, 'estimateCost', error, this.failOpen ? 'checked cost caps without a cost' : 'blocked the request');
          if (!this.failOpen) return this.failed(user, res, 'callback_error', error, false);
          degraded = true;
        }
      }
    }

    const specs: LimitSpec[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const t = templates[i]!;
      specs[i] = t.make(userKey + suffixes[i]!, t.kind === 'rate' ? 1 : t.kind === 'tokens' ? tokens : micros);
    }
    let cr: ConsumeResult;
    try {
      const r = this.store.consume(specs, mode === 'consume' ? undefined : { mode });
      cr = isPromiseLike(r) ? await this.bound(r) : r;
      if (cr.limits.length !== n) throw new Error(`returned ${cr.limits.length} outcomes for ${n} limits`);
    } catch (e) {
      const err = this.storeError(e);
      this.events.emit({ type: 'store_error', timestamp: this.clock.now(), user, plan: res.plan, endpoint: res.endpoint.key, store: this.store.name, error: err, policy: this.failOpen ? 'allow' : 'block' });
      return this.failed(user, res, 'store_error', err, this.failOpen);
    }

    const statuses: LimitStatus[] = new Array(n);
    for (let i = 0; i < n; i++) statuses[i] = limitStatus(templates[i]!, specs[i]!.key, cr.limits[i]!);
    const v = decide(templates, cr.limits);
    const dry = this.dryRun && (v.action === 'block' || v.action === 'slowdown');
    const primary = statuses[v.primary];
    const decider = v.decider >= 0 ? statuses[v.decider] : undefined;
    const result: RateLimitResult = {
      allowed: dry || v.action !== 'block',
      action: v.action,
      current: primary?.used ?? 0,
      limit: primary?.limit ?? Infinity,
      remaining: primary?.remaining ?? Infinity,
      resetInSeconds: primary?.resetInSeconds ?? 0,
      limits: statuses,
      slowdownMs: dry ? 0 : v.slowdownMs,
      dryRun: dry,
      user,
      plan: res.plan,
      endpoint: res.endpoint.key,
      policy: res.policyKey,
      cost: cr.committed ? micros / MICROS_PER_DOLLAR : 0,
      tokens: cr.committed ? tokens : 0,
      degraded,
      timestamp: cr.now,
    };
    if (v.reason !== undefined) result.reason = v.reason;
    if (error !== undefined) result.error = error;
    if (decider !== undefined) {
      result.blockedBy = decider;
      // A request larger than a limit never fits: there is no time to retry after.
      if (decider.retryAfterSeconds !== undefined) result.retryAfter = decider.retryAfterSeconds;
    }
    if (mode !== 'peek') {
      this.emitDecision(result, templates, specs, cr.committed);
      if (cr.committed && res.hasUsage) {
        this.memos.set(result, { resolution: only === undefined ? res : { ...res, policy: res.policy ? { ...res.policy, templates } : undefined, suffixes }, userKey, tokens, micros, at: cr.now });
      }
    }
    return result;
  }

  /** Validates the request and resolves plan, policy and user override. */
  private prepare(request: RateLimitRequest<TReq>, emit = true): Prepared<TReq> | { result: RateLimitResult } | Promise<Prepared<TReq> | { result: RateLimitResult }> {
    if (request === null || typeof request !== 'object') {
      throw new RequestError(`check() needs a request object, got ${String(request)}`, "Pass { userId, plan, endpoint }");
    }
    const user = request.userId;
    if (typeof user !== 'string') {
      throw new RequestError(`request.userId must be a string, got ${typeof user}`, 'Identify the caller by a string: a user id, an API key or the client IP');
    }
    checkAmount('tokens', request.tokens);
    checkAmount('cost', request.cost);
    if (request.endpoint !== undefined && typeof request.endpoint !== 'string') {
      throw new RequestError(`request.endpoint must be a string like "POST|/api/chat", got ${typeof request.endpoint}`, 'Pass the route as "METHOD|/path"');
    }
    const plan = request.plan === undefined || request.plan === '' ? this.defaultPlan : request.plan;
    let resolution = this.engine.lookup(plan, request.endpoint, request.method);
    if (resolution === undefined) {
      const ep = canonicalEndpoint(request.endpoint, request.method);
      const handling = this.config.onUnknownPlan ?? 'default';
      const applied = handling === 'default' ? this.defaultPlan : '';
      if (emit) this.events.emit({ type: 'unknown_plan', timestamp: this.clock.now(), user, plan: applied, endpoint: ep.key, requestedPlan: String(plan), handling });
      if (handling === 'allow') return { result: { ...this.unlimited(user, this.engine.resolve(this.defaultPlan, ep), this.clock.now()), plan: String(plan), reason: 'unknown_plan' } };
      if (handling === 'block') {
        const blocked = this.failed(user, this.engine.resolve(this.defaultPlan, ep), 'unknown_plan', undefined, false);
        return { result: { ...blocked, plan: String(plan), degraded: false } };
      }
      resolution = this.engine.lookup(this.defaultPlan, request.endpoint, request.method)!;
    }
    const userKey = escapeKeyPart(user);
    const overrides = this.config.userOverrides;
    if (overrides !== undefined && Object.prototype.hasOwnProperty.call(overrides, user)) {
      return { user, userKey, resolution: this.withStaticOverride(resolution, overrides[user]!) };
    }
    if (this.config.getUserOverride === undefined) return { user, userKey, resolution };
    return this.dynamicOverride(request, user, userKey, resolution, emit);
  }

  private withStaticOverride(res: Resolution<TReq>, override: UserOverride): Resolution<TReq> {
    let byRes = this.overrideCache.get(override);
    if (byRes === undefined) {
      byRes = new Map();
      this.overrideCache.set(override, byRes);
    }
    let applied = byRes.get(res);
    if (applied === undefined) {
      applied = applyOverride(res, override);
      if (byRes.size > 1000) byRes.clear();
      byRes.set(res, applied);
    }
    return applied;
  }

  private async dynamicOverride(request: RateLimitRequest<TReq>, user: string, userKey: string, resolution: Resolution<TReq>, emit: boolean): Promise<Prepared<TReq>> {
    const fn = this.config.getUserOverride!;
    try {
      const r = fn(user, (request.raw ?? request) as TReq);
      const override = isPromiseLike(r)
        ? await withTimeout(r, this.overrideTimeoutMs, () => new CallbackError('getUserOverride', `took longer than ${this.overrideTimeoutMs} ms`, { timeout: true }))
        : r;
      if (override === null || override === undefined) return { user, userKey, resolution };
      const issues = validateUserOverride(override);
      if (issues.length > 0) {
        throw new CallbackError('getUserOverride', `returned an invalid override: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`, { hint: 'Return { maxPerMinute: 100, ... }, null or undefined' });
      }
      return { user, userKey, resolution: applyOverride(resolution, override) };
    } catch (e) {
      const err = e instanceof LimitRateError ? e : new CallbackError('getUserOverride', `failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      if (emit) this.emitCallbackError(user, resolution, 'getUserOverride', err, 'applied the plan limits');
      return { user, userKey, resolution, error: err };
    }
  }

  private async estimate(res: Resolution<TReq>, request: RateLimitRequest<TReq>): Promise<number> {
    const rule = res.policy!.cost!;
    const timeoutMs = rule.costEstimationTimeoutMs ?? 5000;
    let value: unknown;
    try {
      const r = rule.estimateCost!((request.raw ?? request) as TReq);
      value = isPromiseLike(r) ? await withTimeout(r, timeoutMs, () => new CallbackError('estimateCost', `took longer than ${timeoutMs} ms`, { timeout: true })) : r;
    } catch (e) {
      if (e instanceof LimitRateError) throw e;
      throw new CallbackError('estimateCost', `threw: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new CallbackError('estimateCost', `returned ${typeof value === 'number' ? String(value) : typeof value}, not a cost in dollars`, {
        code: 'ERR_LIMITRATE_INVALID_COST',
        hint: 'Return a finite number >= 0 (dollars)',
      });
    }
    return value;
  }

  private consume(specs: LimitSpec[], mode: ConsumeMode, at: number | undefined): Promise<ConsumeResult> {
    try {
      const r = this.store.consume(specs, at === undefined ? { mode } : { mode, at });
      return isPromiseLike(r) ? this.bound(r) : Promise.resolve(r);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private bound(p: PromiseLike<ConsumeResult>): Promise<ConsumeResult> {
    return withTimeout(p, this.storeTimeoutMs, () => new StoreError(this.store.name, `did not answer within ${this.storeTimeoutMs} ms`, { timeout: true }));
  }

  private storeError(e: unknown): LimitRateError {
    if (e instanceof LimitRateError) return e;
    return new StoreError(this.store.name, `failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }

  private emitCallbackError(user: string, res: Resolution<TReq>, callback: string, error: LimitRateError, fallback: string): void {
    this.events.emit({ type: 'callback_error', timestamp: this.clock.now(), user, plan: res.plan, endpoint: res.endpoint.key, callback, error, fallback });
  }

  private emitDecision(result: RateLimitResult, templates: readonly LimitTemplate[], specs: readonly LimitSpec[], committed: boolean): void {
    const ev = this.events;
    const base = { timestamp: result.timestamp, user: result.user, plan: result.plan, endpoint: result.endpoint };
    if (result.action === 'allow') {
      if (ev.has('allowed')) ev.emit({ type: 'allowed', ...base });
      return;
    }
    const action = result.action;
    for (let i = 0; i < result.limits.length; i++) {
      const s = result.limits[i]!;
      if (!s.exceeded) continue;
      const type = EXCEEDED_TYPE[templates[i]!.kind];
      if (!ev.has(type)) continue;
      const unitCost = s.kind === 'cost' ? specs[i]!.cost / MICROS_PER_DOLLAR : specs[i]!.cost;
      const event: ExceededEvent = { type, ...base, window: s.window, value: committed ? s.used : s.used + unitCost, threshold: s.limit, action, limit: s.id, dryRun: result.dryRun };
      if (s.retryAfterSeconds !== undefined) event.retryAfterSeconds = s.retryAfterSeconds;
      if (s.kind === 'tokens') event.tokens = specs[i]!.cost;
      if (s.kind === 'cost') event.cost = unitCost;
      ev.emit(event);
    }
    if (action === 'slowdown' && !result.dryRun) ev.emit({ type: 'slowdown_applied', ...base, value: result.slowdownMs });
  }

  private unlimited(user: string, res: Resolution<TReq>, now: number): RateLimitResult {
    const result = this.base(user, res, now);
    if (this.events.has('allowed')) this.events.emit({ type: 'allowed', timestamp: now, user, plan: res.plan, endpoint: res.endpoint.key });
    return result;
  }

  private failed(user: string, res: Resolution<TReq>, reason: DecisionReason, error: LimitRateError | undefined, allow: boolean): RateLimitResult {
    const result = this.base(user, res, this.clock.now());
    // dryRun never blocks: it reports the block it would have made.
    result.allowed = allow || this.dryRun;
    result.dryRun = !allow && this.dryRun;
    result.action = allow ? 'allow' : 'block';
    result.reason = reason;
    result.degraded = true;
    if (!allow) {
      result.limit = 0;
      result.remaining = 0;
    }
    if (error !== undefined) result.error = error;
    return result;
  }

  private base(user: string, res: Resolution<TReq>, now: number): RateLimitResult {
    return {
      allowed: true,
      action: 'allow',
      current: 0,
      limit: Infinity,
      remaining: Infinity,
      resetInSeconds: 0,
      limits: [],
      slowdownMs: 0,
      dryRun: false,
      user,
      plan: res.plan,
      endpoint: res.endpoint.key,
      policy: res.policyKey,
      cost: 0,
      tokens: 0,
      degraded: false,
      timestamp: now,
    };
  }
}
