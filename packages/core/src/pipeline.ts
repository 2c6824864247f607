// The check pipeline: validate the request, resolve plan, policy and override, price it,
// decide every limit through the store at once, and turn the outcome into a result. It
// stays synchronous whenever every step is (memory store, synchronous callbacks), so a
// check costs no promise unless something really waits.
import type { Clock } from './clock.js';
import type { RateLimiterConfig } from './config.js';
import { decide, limitStatus } from './decision.js';
import { CallbackError, ConfigError, LimitRateError, RequestError, StoreError } from './errors/index.js';
import type { EventBus } from './events/bus.js';
import { costToMicros, MICROS_PER_DOLLAR, type LimitKind } from './policy/compile.js';
import { canonicalEndpoint } from './policy/endpoint.js';
import { applyOverride, type PolicyEngine, type Resolution } from './policy/engine.js';
import type { UserOverride } from './policy/types.js';
import { validateUserOverride } from './policy/validate.js';
import type { CountsTable } from './instrument/counts.js';
import { baseResult, emitDecision, makeResult } from './results.js';
import { MemoryStore } from './stores/memory.js';
import type { ConsumeMode, ConsumeResult, LimitSpec, Store } from './stores/types.js';
import type { DecisionReason, LimitStatus, RateLimitRequest, RateLimitResult } from './types.js';
import { escapeKeyPart } from './util/keys.js';
import { isPromiseLike, withTimeout } from './util/timeout.js';

export type MaybePromise<T> = T | Promise<T>;

/** A request resolved to its user, key part and policy (or, early, to its result). */
export interface Prepared<TReq> {
  user: string;
  userKey: string;
  resolution: Resolution<TReq>;
  /** Set when getUserOverride failed and the plan limits apply instead. */
  error: LimitRateError | undefined;
  /** Set when the request is answered without consulting the store (unknown plan). */
  result: RateLimitResult | undefined;
}

/** Always the same object shape (keeps property access on the hot path monomorphic). */
function prepared<TReq>(user: string, userKey: string, resolution: Resolution<TReq>, error?: LimitRateError, result?: RateLimitResult): Prepared<TReq> {
  return { user, userKey, resolution, error, result };
}

/** What a check charged, kept for `record()`. */
export interface Memo<TReq> {
  resolution: Resolution<TReq>;
  userKey: string;
  tokens: number;
  micros: number;
  /** Requests counted against the rate limits (1 when the check was committed). */
  requests: number;
  at: number;
}

/** Everything the pipeline needs from the limiter. */
export interface PipelineContext<TReq> {
  config: RateLimiterConfig<TReq>;
  store: Store;
  engine: PolicyEngine<TReq>;
  clock: Clock;
  events: EventBus;
  defaultPlan: string;
  /** Check counts for metrics (`counts: true`), when an instrumentation reads them. */
  counts?: CountsTable | undefined;
}

export function checkAmount(name: 'cost' | 'tokens' | 'requests', value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new RequestError(`request.${name} must be a finite number >= 0, got ${String(value)}`, `Pass the ${name === 'cost' ? 'cost in dollars' : name === 'tokens' ? 'token count' : 'number of requests'}, or leave it out`);
  }
  return value;
}

export class Pipeline<TReq> {
  readonly memos = new WeakMap<RateLimitResult, Memo<TReq>>();
  readonly failOpen: boolean;
  private readonly storeTimeoutMs: number;
  private readonly overrideTimeoutMs: number;
  private readonly dryRun: boolean;
  /** The store when it is the memory store (called directly, in process). */
  readonly memory: MemoryStore | undefined;
  private readonly overrideCache = new WeakMap<UserOverride, Map<Resolution<TReq>, Resolution<TReq>>>();
  /** Costs of the current memory-store call (read synchronously by the store). */
  private readonly costScratch: number[] = [];
  /** Whether the fast path can apply at all (memory store, no user overrides). */
  private readonly simpleOk: boolean;
  /** prepare()'s answer on the synchronous path, reused (copied before anything waits). */
  /** Where checks are counted for metrics, when something reads the counts. */
  private readonly counts: CountsTable | undefined;
  private readonly preparedScratch: Prepared<TReq> = { user: '', userKey: '', resolution: undefined as unknown as Resolution<TReq>, error: undefined, result: undefined };

  constructor(readonly ctx: PipelineContext<TReq>) {
    const c = ctx.config;
    this.failOpen = (c.onStoreError ?? c.onRedisError ?? 'allow') === 'allow';
    this.storeTimeoutMs = c.storeTimeoutMs ?? 1000;
    this.overrideTimeoutMs = c.userOverrideTimeoutMs ?? 1000;
    this.dryRun = c.dryRun ?? false;
    this.memory = ctx.store instanceof MemoryStore ? ctx.store : undefined;
    this.simpleOk = this.memory !== undefined && c.userOverrides === undefined && c.getUserOverride === undefined;
    this.counts = ctx.counts;
  }

  /** Decide one request. Synchronous when every step is; throws RequestError for bad input. */
  evaluate(request: RateLimitRequest<TReq>, mode: ConsumeMode, only: LimitKind | undefined): MaybePromise<RateLimitResult> {
    if (this.simpleOk && mode === 'consume' && only === undefined) {
      const r = this.simple(request);
      if (r !== undefined) return r;
    }
    const prepared = this.prepare(request, mode !== 'peek');
    if (prepared instanceof Promise) return prepared.then((p) => this.counted(p, request, mode, only));
    return this.counted(prepared, request, mode, only);
  }

  /** priced(), and the check counted for metrics (checks only: peeks are not counted). */
  counted(p: Prepared<TReq>, request: RateLimitRequest<TReq>, mode: ConsumeMode, only: LimitKind | undefined): MaybePromise<RateLimitResult> {
    const counts = this.counts;
    if (counts === undefined || mode !== 'consume') return this.priced(p, request, mode, only);
    // An unknown plan's answer names the plan asked for: counted under that name.
    const res = p.result === undefined ? (p.resolution as Resolution<unknown>) : undefined;
    const r = this.priced(p, request, mode, only);
    if (!(r instanceof Promise)) {
      if (res === undefined) counts.add(r);
      else counts.addTo(res, r);
      return r;
    }
    return r.then((x) => {
      if (res === undefined) counts.add(x);
      else counts.addTo(res, x);
      return x;
    });
  }

  /**
   * The common case on a short path: one request-rate limit on the memory store, no user
   * overrides, no tokens or cost. It answers exactly as the general path does (a
   * differential test holds the two together) and returns undefined whenever anything
   * else applies, bad input included, which the general path then handles.
   */
  private simple(request: RateLimitRequest<TReq>): RateLimitResult | undefined {
    if (request === null || typeof request !== 'object' || request.tokens !== undefined || request.cost !== undefined) return undefined;
    const user = request.userId;
    const endpoint = request.endpoint;
    if (typeof user !== 'string' || (endpoint !== undefined && typeof endpoint !== 'string')) return undefined;
    const plan = request.plan === undefined || request.plan === '' ? this.ctx.defaultPlan : request.plan;
    const res = this.ctx.engine.lookup(plan, endpoint, request.method);
    if (res === undefined || !res.single) return undefined;
    const t = res.policy!.templates[0]!;
    const userKey = escapeKeyPart(user);
    const suffix = res.suffixes[0]!;
    let cr: ConsumeResult;
    try {
      cr = this.memory!.consumeOneFor(userKey, suffix, res.specs[0]!, 1);
    } catch (e) {
      return this.storeFailed(user, res, e, true);
    }
    const status = limitStatus(t, userKey + suffix, cr.limits[0]!);
    const exceeded = status.exceeded;
    const action = exceeded ? t.action : 'allow';
    const dry = this.dryRun && (action === 'block' || action === 'slowdown');
    const result = makeResult(
      dry || action !== 'block',
      action,
      exceeded ? 'rate_limited' : undefined,
      status.used,
      status.limit,
      status.remaining,
      status.resetInSeconds,
      exceeded ? status.retryAfterSeconds : undefined,
      exceeded ? status : undefined,
      [status],
      !dry && action === 'slowdown' ? t.slowdownMs : 0,
      dry,
      user,
      res as Resolution<unknown>,
      0,
      0,
      false,
      undefined,
      cr.now,
    );
    if (exceeded || this.ctx.events.has('allowed')) emitDecision(this.ctx.events, result, res.policy!.templates, 0, 0, cr.committed);
    const counts = this.counts;
    if (counts !== undefined) counts.addTo(res as Resolution<unknown>, result);
    return result;
  }

  /** Validates the request and resolves plan, policy and user override. */
  prepare(request: RateLimitRequest<TReq>, emit: boolean): MaybePromise<Prepared<TReq>> {
    if (request === null || typeof request !== 'object') {
      throw new RequestError(`check() needs a request object, got ${String(request)}`, 'Pass { userId, plan, endpoint }');
    }
    const user = request.userId;
    if (typeof user !== 'string') {
      throw new RequestError(`request.userId must be a string, got ${typeof user}`, 'Identify the caller by a string: a user id, an API key or the client IP');
    }
    if (request.tokens !== undefined) checkAmount('tokens', request.tokens);
    if (request.cost !== undefined) checkAmount('cost', request.cost);
    if (request.endpoint !== undefined && typeof request.endpoint !== 'string') {
      throw new RequestError(`request.endpoint must be a string like "POST|/api/chat", got ${typeof request.endpoint}`, 'Pass the route as "METHOD|/path"');
    }
    const { engine, defaultPlan } = this.ctx;
    const plan = request.plan === undefined || request.plan === '' ? defaultPlan : request.plan;
    let resolution = engine.lookup(plan, request.endpoint, request.method);
    if (resolution === undefined) {
      const ep = canonicalEndpoint(request.endpoint, request.method);
      const handling = this.ctx.config.onUnknownPlan ?? 'default';
      const now = this.ctx.clock.now();
      if (emit) {
        this.ctx.events.emit({ type: 'unknown_plan', timestamp: now, user, plan: handling === 'default' ? defaultPlan : '', endpoint: ep.key, requestedPlan: String(plan), handling });
      }
      const fallback = engine.resolve(defaultPlan, ep);
      if (handling === 'allow') return prepared(user, '', fallback, undefined, { ...this.unlimited(user, fallback, now, emit), plan: String(plan), reason: 'unknown_plan' });
      if (handling === 'block') return prepared(user, '', fallback, undefined, { ...this.failed(user, fallback, 'unknown_plan', undefined, false), plan: String(plan), degraded: false });
      resolution = engine.lookup(defaultPlan, request.endpoint, request.method)!;
    }
    const userKey = escapeKeyPart(user);
    const overrides = this.ctx.config.userOverrides;
    if (overrides !== undefined && Object.prototype.hasOwnProperty.call(overrides, user)) {
      resolution = this.withStaticOverride(resolution, overrides[user]!);
    } else if (this.ctx.config.getUserOverride !== undefined) {
      return this.dynamicOverride(request, user, userKey, resolution, emit);
    }
    const p = this.preparedScratch;
    p.user = user;
    p.userKey = userKey;
    p.resolution = resolution;
    p.error = undefined;
    p.result = undefined;
    return p;
  }

  /** Prices the request (tokens, cost) and hands it to the store. */
  priced(p: Prepared<TReq>, request: RateLimitRequest<TReq>, mode: ConsumeMode, only: LimitKind | undefined): MaybePromise<RateLimitResult> {
    if (p.result !== undefined) return p.result;
    let res = p.resolution;
    if (only !== undefined) res = restrict(res, only);
    const templates = res.policy?.templates ?? [];
    if (templates.length === 0) return this.withError(this.unlimited(p.user, res, this.ctx.clock.now(), mode !== 'peek'), p.error);
    const tokens = request.tokens === undefined ? 0 : Math.ceil(request.tokens);
    const estimateCost = res.policy?.cost?.estimateCost;
    if (!res.hasCost || request.cost !== undefined || mode === 'peek' || estimateCost === undefined) {
      const micros = request.cost === undefined ? 0 : costToMicros(request.cost);
      return this.decideNow(p, res, mode, tokens, micros, p.error);
    }
    // estimateCost is user code: it may check again (synchronously) or be awaited while
    // other checks run, either of which reuses the shared prepared object. Keep a copy.
    const own = prepared(p.user, p.userKey, p.resolution, p.error);
    let estimate: number | PromiseLike<number>;
    try {
      estimate = this.estimate(res, request);
    } catch (e) {
      return this.estimateFailed(own, res, mode, tokens, e);
    }
    if (!isPromiseLike(estimate)) return this.decideNow(own, res, mode, tokens, costToMicros(estimate), own.error);
    return Promise.resolve(estimate).then(
      (dollars) => this.decideNow(own, res, mode, tokens, costToMicros(dollars), own.error),
      (e: unknown) => this.estimateFailed(own, res, mode, tokens, e),
    );
  }

  /** Calls estimateCost: a number, or a promise of a validated one. Throws CallbackError. */
  private estimate(res: Resolution<TReq>, request: RateLimitRequest<TReq>): number | PromiseLike<number> {
    const rule = res.policy!.cost!;
    const timeoutMs = rule.costEstimationTimeoutMs ?? 5000;
    let value: unknown;
    try {
      value = rule.estimateCost!((request.raw ?? request) as TReq);
    } catch (e) {
      throw new CallbackError('estimateCost', `threw: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    if (isPromiseLike(value)) {
      return withTimeout(value as PromiseLike<unknown>, timeoutMs, () => new CallbackError('estimateCost', `took longer than ${timeoutMs} ms`, { timeout: true })).then(
        validCost,
        (e: unknown) => {
          throw e instanceof LimitRateError ? e : new CallbackError('estimateCost', `rejected: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
        },
      );
    }
    return validCost(value);
  }

  /** estimateCost failed: fail open (check the caps without a cost) or closed (block). */
  private estimateFailed(p: Prepared<TReq>, res: Resolution<TReq>, mode: ConsumeMode, tokens: number, e: unknown): MaybePromise<RateLimitResult> {
    const error = e instanceof LimitRateError ? e : new CallbackError('estimateCost', `failed: ${String(e)}`, { cause: e });
    this.emitCallbackError(p.user, res, 'estimateCost', error, this.failOpen ? 'checked cost caps without a cost' : 'blocked the request');
    if (!this.failOpen) return this.failed(p.user, res, 'callback_error', error, false);
    return this.decideNow(p, res, mode, tokens, 0, error);
  }

  /** Consumes through the store and builds the result (synchronously when the store is). */
  private decideNow(p: Prepared<TReq>, res: Resolution<TReq>, mode: ConsumeMode, tokens: number, micros: number, error: LimitRateError | undefined): MaybePromise<RateLimitResult> {
    const templates = res.policy!.templates;
    const n = templates.length;
    const costs = this.costScratch;
    for (let i = 0; i < n; i++) {
      const kind = templates[i]!.kind;
      costs[i] = kind === 'rate' ? 1 : kind === 'tokens' ? tokens : micros;
    }
    const options = mode === 'consume' ? undefined : { mode };
    const memory = this.memory;
    if (memory !== undefined) {
      // The memory store answers at once, in a reused object that finish() reads right away.
      let cr: ConsumeResult;
      try {
        cr = memory.consumeFor(p.userKey, res.suffixes, res.specs, costs, options);
      } catch (e) {
        return this.storeFailed(p.user, res, e, mode !== 'peek');
      }
      return this.finish(cr, p, res, mode, tokens, micros, error);
    }
    let r: ConsumeResult | Promise<ConsumeResult>;
    try {
      const specs: LimitSpec[] = new Array(n);
      for (let i = 0; i < n; i++) specs[i] = templates[i]!.make(p.userKey + res.suffixes[i]!, costs[i]!);
      r = this.ctx.store.consume(specs, options);
    } catch (e) {
      return this.storeFailed(p.user, res, e, mode !== 'peek');
    }
    if (isPromiseLike(r)) {
      // Other checks run while the store answers: keep this request's own copy of `p`
      // (it may be the pipeline's reused object).
      const own = prepared(p.user, p.userKey, p.resolution, p.error);
      return this.bound(r).then(
        (cr) => this.checked(cr, own, res, mode, tokens, micros, error),
        (e: unknown) => this.storeFailed(own.user, res, e, mode !== 'peek'),
      );
    }
    return this.checked(r, p, res, mode, tokens, micros, error);
  }

  /** finish() for another store's answer, after checking its shape. */
  private checked(cr: ConsumeResult, p: Prepared<TReq>, res: Resolution<TReq>, mode: ConsumeMode, tokens: number, micros: number, error: LimitRateError | undefined): RateLimitResult {
    const n = res.specs.length;
    if (cr === null || typeof cr !== 'object' || !Array.isArray(cr.limits) || cr.limits.length !== n) {
      return this.storeFailed(p.user, res, new Error(`returned ${Array.isArray(cr?.limits) ? cr.limits.length : 'no'} outcomes for ${n} limits`), mode !== 'peek');
    }
    return this.finish(cr, p, res, mode, tokens, micros, error);
  }

  private finish(cr: ConsumeResult, p: Prepared<TReq>, res: Resolution<TReq>, mode: ConsumeMode, tokens: number, micros: number, error: LimitRateError | undefined): RateLimitResult {
    const templates = res.policy!.templates;
    const n = templates.length;
    let statuses: LimitStatus[];
    if (n === 1) {
      statuses = [limitStatus(templates[0]!, p.userKey + res.suffixes[0]!, cr.limits[0]!)];
    } else {
      statuses = new Array(n);
      for (let i = 0; i < n; i++) statuses[i] = limitStatus(templates[i]!, p.userKey + res.suffixes[i]!, cr.limits[i]!);
    }
    const v = decide(templates, cr.limits);
    const dry = this.dryRun && (v.action === 'block' || v.action === 'slowdown');
    const primary = v.primary >= 0 ? statuses[v.primary] : undefined;
    const decider = v.decider >= 0 ? statuses[v.decider] : undefined;
    const result = makeResult(
      dry || v.action !== 'block',
      v.action,
      v.reason,
      primary === undefined ? 0 : primary.used,
      primary === undefined ? Infinity : primary.limit,
      primary === undefined ? Infinity : primary.remaining,
      primary === undefined ? 0 : primary.resetInSeconds,
      // A request larger than a limit never fits: there is no time to retry after.
      decider === undefined ? undefined : decider.retryAfterSeconds,
      decider,
      statuses,
      dry ? 0 : v.slowdownMs,
      dry,
      p.user,
      res as Resolution<unknown>,
      // Only what a limit counts was charged.
      cr.committed && res.hasCost ? micros / MICROS_PER_DOLLAR : 0,
      cr.committed && res.hasTokens ? tokens : 0,
      error !== undefined,
      error,
      cr.now,
    );
    if (mode !== 'peek') {
      if (result.action !== 'allow' || this.ctx.events.has('allowed')) emitDecision(this.ctx.events, result, templates, tokens, micros, cr.committed);
      if (cr.committed && res.hasUsage) this.memos.set(result, { resolution: res, userKey: p.userKey, tokens, micros, requests: 1, at: cr.now });
    }
    return result;
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
    const fn = this.ctx.config.getUserOverride!;
    try {
      const r = fn(user, (request.raw ?? request) as TReq);
      const override = isPromiseLike(r)
        ? await withTimeout(r, this.overrideTimeoutMs, () => new CallbackError('getUserOverride', `took longer than ${this.overrideTimeoutMs} ms`, { timeout: true }))
        : r;
      if (override === null || override === undefined) return prepared(user, userKey, resolution);
      const issues = validateUserOverride(override);
      if (issues.length > 0) {
        throw new CallbackError('getUserOverride', `returned an invalid override: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`, { hint: 'Return { maxPerMinute: 100, ... }, null or undefined' });
      }
      return prepared(user, userKey, applyOverride(resolution, override));
    } catch (e) {
      const err = e instanceof LimitRateError ? e : new CallbackError('getUserOverride', `failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      if (emit) this.emitCallbackError(user, resolution, 'getUserOverride', err, 'applied the plan limits');
      return prepared(user, userKey, resolution, err);
    }
  }

  /** A store call bounded by storeTimeoutMs. */
  bound(p: PromiseLike<ConsumeResult>): Promise<ConsumeResult> {
    return withTimeout(p, this.storeTimeoutMs, () => new StoreError(this.ctx.store.name, `did not answer within ${this.storeTimeoutMs} ms`, { timeout: true }));
  }

  /** Any store failure as a coded error. */
  storeError(e: unknown): LimitRateError {
    if (e instanceof LimitRateError) return e;
    return new StoreError(this.ctx.store.name, `failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }

  /** The store failed: a store_error event and the failure policy's answer. */
  private storeFailed(user: string, res: Resolution<TReq>, e: unknown, emit: boolean): RateLimitResult {
    // A store named in the configuration that cannot be loaded is a mistake to fix, not an
    // outage: thrown, never answered by the failure policy.
    if (e instanceof ConfigError) throw e;
    const error = this.storeError(e);
    const { events, clock, store } = this.ctx;
    if (emit) events.emit({ type: 'store_error', timestamp: clock.now(), user, plan: res.plan, endpoint: res.endpoint.key, store: store.name, error, policy: this.failOpen ? 'allow' : 'block' });
    return this.failed(user, res, 'store_error', error, this.failOpen);
  }

  private emitCallbackError(user: string, res: Resolution<TReq>, callback: string, error: LimitRateError, fallback: string): void {
    this.ctx.events.emit({ type: 'callback_error', timestamp: this.ctx.clock.now(), user, plan: res.plan, endpoint: res.endpoint.key, callback, error, fallback });
  }

  private unlimited(user: string, res: Resolution<TReq>, now: number, emit: boolean): RateLimitResult {
    const result = baseResult(user, res as Resolution<unknown>, now);
    const events = this.ctx.events;
    if (emit && events.has('allowed')) events.emit({ type: 'allowed', timestamp: now, user, plan: res.plan, endpoint: res.endpoint.key });
    return result;
  }

  /** Marks a result degraded by a callback failure (getUserOverride) that did not decide it. */
  private withError(result: RateLimitResult, error: LimitRateError | undefined): RateLimitResult {
    if (error !== undefined) {
      result.degraded = true;
      result.error = error;
    }
    return result;
  }

  private failed(user: string, res: Resolution<TReq>, reason: DecisionReason, error: LimitRateError | undefined, allow: boolean): RateLimitResult {
    const result = baseResult(user, res as Resolution<unknown>, this.ctx.clock.now());
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
}

function validCost(value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new CallbackError('estimateCost', `returned ${typeof value === 'number' ? String(value) : typeof value}, not a cost in dollars`, {
      code: 'ERR_LIMITRATE_INVALID_COST',
      hint: 'Return a finite number >= 0 (dollars)',
    });
  }
  return value;
}

/** The resolution with only the limits of one kind (checkCost). */
export function restrict<TReq>(res: Resolution<TReq>, kind: LimitKind): Resolution<TReq> {
  const templates = res.policy?.templates ?? [];
  const keep = templates.map((t) => t.kind === kind);
  return {
    ...res,
    policy: res.policy ? { ...res.policy, templates: templates.filter((_, i) => keep[i]) } : undefined,
    suffixes: res.suffixes.filter((_, i) => keep[i]),
    specs: res.specs.filter((_, i) => keep[i]),
  };
}
