// TestLimiter: a RateLimiter on an in-memory store and a test clock, plus what the test
// helpers need to read and reset its state synchronously.
import {
  LimitRateError,
  MemoryStore,
  PolicyEngine,
  RateLimiter,
  RequestError,
  canonicalEndpoint,
  escapeKeyPart,
  validateUserOverride,
  type ActualUsage,
  type EventBus,
  type HttpLimiterOptions,
  type ManualClock,
  type RateLimitRequest,
  type RateLimitResult,
  type RateLimiterConfig,
  type RecordResult,
  type ResetTarget,
  type Store,
  type UserOverride,
} from '@limitrate/core';
import { testClock } from './clock.js';
import { coreConfigOf } from './config.js';

/** A user and counting scope a test limiter has seen checked, with the plan and endpoint of the last check. @internal */
export interface SeenScope {
  user: string;
  plan: string;
  /** Canonical `METHOD|/path` of the last request counted under this scope. */
  endpoint: string;
  /** The policy key that counts (or the endpoint itself under a plan's defaults). */
  scope: string;
}

type OverrideFn<TReq> = NonNullable<RateLimiterConfig<TReq>['getUserOverride']>;
type OverrideAnswer = UserOverride | null | undefined;

function closedError(): LimitRateError {
  return new LimitRateError('ERR_LIMITRATE_CLOSED', 'This test limiter has been closed', { hint: 'Create a new one with createTestLimiter()' });
}

const isPromiseLike = (v: unknown): v is PromiseLike<unknown> => typeof (v as { then?: unknown } | null)?.then === 'function';

/** The scope part of a store key (as core builds it: method and path escaped, `|` literal). */
function scopeKeyPart(scope: string): string {
  const bar = scope.indexOf('|');
  return `${escapeKeyPart(scope.slice(0, bar))}|${escapeKeyPart(scope.slice(bar + 1))}`;
}

/**
 * An in-memory rate limiter on a test clock, checked like a RateLimiter. Create it with
 * {@link createTestLimiter}; read and reset it with the helpers (`getCurrentUsage`,
 * `snapshotLimits`, `resetLimits`...), which work synchronously.
 *
 * @example
 * ```ts
 * const limiter = createTestLimiter({ policies: { free: { rate: { maxPerMinute: 10 } } } });
 * const r = await limiter.check({ userId: 'u1', endpoint: 'POST|/api/chat' });
 * r.remaining; // 9
 * ```
 */
export class TestLimiter<TReq = unknown> {
  /** The RateLimiter that decides (its `events`, `store` and `defaultPlan` are the test limiter's). */
  readonly limiter: RateLimiter<TReq>;
  /** The clock it runs on: the shared test clock unless the config named one. */
  readonly clock: ManualClock;
  /** Where counters live (no sweep timer: nothing keeps the process alive). */
  readonly store: MemoryStore;
  /** Subscribe to events with `limiter.events.on(type, listener)`. */
  readonly events: EventBus;
  /** The plan of requests that name none. */
  readonly defaultPlan: string;
  /** Answers peeks synchronously: the same policies and overrides over the same store, never counting. */
  private readonly probe: RateLimiter<TReq>;
  private readonly engine: PolicyEngine<TReq>;
  /** Static overrides, and what getUserOverride last returned per user (for the probe). */
  private readonly overrides: Record<string, UserOverride>;
  private readonly seen = new Map<string, SeenScope>();
  private readonly plans = new Map<string, string>();
  private closed = false;

  constructor(config: HttpLimiterOptions<TReq, never>) {
    const core = coreConfigOf(config);
    this.clock = (config.clock as ManualClock | undefined) ?? testClock;
    const memory = config.store !== undefined && 'type' in config.store && config.store.type === 'memory' ? config.store : undefined;
    this.store = new MemoryStore({ clock: this.clock, cleanupIntervalMs: 0, ...(memory?.maxKeys !== undefined ? { maxKeys: memory.maxKeys } : {}) });
    this.overrides = { ...core.userOverrides };
    const getUserOverride = core.getUserOverride === undefined ? undefined : this.learning(core.getUserOverride);
    this.limiter = new RateLimiter<TReq>({ ...core, ...(getUserOverride === undefined ? {} : { getUserOverride }), store: this.store, clock: this.clock });
    const store = this.store;
    const peeking: Store = { name: 'memory', consume: (limits) => store.consume(limits, { mode: 'peek' }), reset: () => 0 };
    this.probe = new RateLimiter<TReq>({
      policies: core.policies,
      store: peeking,
      clock: this.clock,
      userOverrides: this.overrides,
      ...(core.defaultPlan === undefined ? {} : { defaultPlan: core.defaultPlan }),
      ...(core.onUnknownPlan === undefined ? {} : { onUnknownPlan: core.onUnknownPlan }),
      ...(core.dryRun === undefined ? {} : { dryRun: core.dryRun }),
    });
    this.engine = new PolicyEngine(core.policies);
    this.events = this.limiter.events;
    this.defaultPlan = this.limiter.defaultPlan;
  }

  /** Decide and count one request (see RateLimiter.check). */
  check(request: RateLimitRequest<TReq>): Promise<RateLimitResult> {
    if (this.closed) return Promise.reject(closedError());
    return this.limiter.check(request).then((r) => this.noteResult(r));
  }

  /** Only the cost caps (see RateLimiter.checkCost). */
  checkCost(request: RateLimitRequest<TReq>): Promise<RateLimitResult> {
    if (this.closed) return Promise.reject(closedError());
    return this.limiter.checkCost(request).then((r) => this.noteResult(r));
  }

  /** What `check` would decide now, counting nothing (see RateLimiter.peek). */
  peek(request: RateLimitRequest<TReq>): Promise<RateLimitResult> {
    if (this.closed) return Promise.reject(closedError());
    return this.limiter.peek(request);
  }

  /**
   * `peek` answered at once, without a promise. It calls no callback: a request without
   * `cost` is priced at 0 (estimateCost is not run), and a user's getUserOverride limits
   * are known once that user has been checked.
   */
  peekNow(request: RateLimitRequest<TReq>): RateLimitResult {
    if (this.closed) throw closedError();
    const r = this.probe.checkNow({ ...request, cost: request.cost ?? 0 });
    if (isPromiseLike(r)) throw new Error('internal error: the test limiter could not peek synchronously');
    return r;
  }

  /** Reconcile usage known after the response (see RateLimiter.record). */
  record(target: RateLimitResult | RateLimitRequest<TReq>, usage: ActualUsage): Promise<RecordResult> {
    if (this.closed) return Promise.reject(closedError());
    return this.limiter.record(target, usage).then((r) => {
      if (r.recorded && r.limits.length > 0) {
        if ('limits' in target) this.noteResult(target);
        else this.note(target.userId, target.plan, target.endpoint, target.method);
      }
      return r;
    });
  }

  /** Delete counters (see RateLimiter.reset). Resolves to the number of keys removed. */
  async reset(target: ResetTarget): Promise<number> {
    if (this.closed) throw closedError();
    const removed = await this.limiter.reset(target);
    this.forget(target);
    return removed;
  }

  /** `reset`, done at once: the helpers `resetLimits`, `resetUser` and `resetEndpoint` use it. */
  resetNow(target: ResetTarget): number {
    if (this.closed) throw closedError();
    const store = this.store;
    const bad = (): RequestError => new RequestError('reset() needs userId, endpoint, key or all: true', "For example resetUser(limiter, 'u1')");
    if (target === null || typeof target !== 'object') throw bad();
    let removed = 0;
    if ('all' in target && target.all === true) {
      removed = store.reset({ all: true }) as number;
    } else if ('key' in target && target.key !== undefined) {
      removed = store.reset({ keys: typeof target.key === 'string' ? [target.key] : [...target.key] }) as number;
    } else {
      const t = target as { userId?: unknown; endpoint?: unknown; method?: unknown };
      if (t.userId !== undefined && typeof t.userId !== 'string') throw bad();
      if (t.endpoint === undefined) {
        if (t.userId === undefined) throw bad();
        removed = store.reset({ pattern: `${escapeKeyPart(t.userId)}:*` }) as number;
      } else {
        if (typeof t.endpoint !== 'string') throw new RequestError(`reset() needs the endpoint as a string like "POST|/api/chat", got ${typeof t.endpoint}`, 'Pass the route as "METHOD|/path"');
        const user = t.userId === undefined ? '*' : escapeKeyPart(t.userId);
        for (const scope of this.scopesOf(t.endpoint, typeof t.method === 'string' ? t.method : undefined)) {
          removed += store.reset({ pattern: `${user}:${scopeKeyPart(scope)}:*` }) as number;
        }
      }
    }
    this.forget(target);
    return removed;
  }

  /** The plan `user` was last checked with (else the default plan). */
  planOf(user: string): string {
    return this.plans.get(user) ?? this.defaultPlan;
  }

  /** Every user and scope checked since the last reset that removed them. @internal */
  seenScopes(): SeenScope[] {
    return [...this.seen.values()];
  }

  /** Close the limiter; later calls fail with ERR_LIMITRATE_CLOSED. Nothing needs closing between tests. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.limiter.close();
    await this.probe.close();
    this.store.close();
  }

  /** getUserOverride, remembering each answer so peeks see the same limits as checks. */
  private learning(fn: OverrideFn<TReq>): OverrideFn<TReq> {
    const learn = (user: string, answer: unknown): void => {
      if (answer !== null && typeof answer === 'object' && validateUserOverride(answer).length === 0) this.overrides[user] = answer as UserOverride;
      else delete this.overrides[user];
    };
    return (user, req) => {
      let answer: OverrideAnswer | Promise<OverrideAnswer>;
      try {
        answer = fn(user, req);
      } catch (e) {
        delete this.overrides[user];
        throw e;
      }
      if (!isPromiseLike(answer)) {
        learn(user, answer);
        return answer;
      }
      return Promise.resolve(answer).then(
        (value) => {
          learn(user, value);
          return value;
        },
        (e: unknown) => {
          delete this.overrides[user];
          throw e;
        },
      );
    };
  }

  private noteResult(r: RateLimitResult): RateLimitResult {
    if (r.limits.length > 0) this.note(r.user, r.plan, r.endpoint, undefined);
    return r;
  }

  private note(user: string, plan: string | undefined, endpoint: string | undefined, method: string | undefined): void {
    const res = this.engine.lookup(plan === undefined || plan === '' ? this.defaultPlan : plan, endpoint, method);
    if (res === undefined) return;
    this.plans.set(user, res.plan);
    this.seen.set(`${user}\u0000${res.scope}`, { user, plan: res.plan, endpoint: res.endpoint.key, scope: res.scope });
  }

  /** Every scope an endpoint is counted under, in any plan. */
  private scopesOf(endpoint: string, method: string | undefined): Set<string> {
    const ep = canonicalEndpoint(endpoint, method);
    const scopes = new Set<string>([ep.key]);
    for (const plan of this.engine.planNames()) scopes.add(this.engine.resolve(plan, ep).scope);
    return scopes;
  }

  private forget(target: ResetTarget): void {
    if ('all' in target) {
      this.seen.clear();
      this.plans.clear();
      return;
    }
    if ('key' in target) return;
    const scopes = target.endpoint === undefined ? undefined : this.scopesOf(target.endpoint, target.method);
    for (const [id, s] of this.seen) {
      if (target.userId !== undefined && s.user !== target.userId) continue;
      if (scopes === undefined || scopes.has(s.scope)) this.seen.delete(id);
    }
    if (scopes === undefined && target.userId !== undefined) this.plans.delete(target.userId);
  }
}

/**
 * A rate limiter for tests: the configuration the HTTP adapters take (policies, defaults,
 * plans, userOverrides, getUserOverride, dryRun, actionOnExceed, cost and token rules, and
 * adapter options such as identifyUser, which are accepted and not used), validated the
 * same way, on an in-memory store and the shared test clock (see `advanceTime`). A `store`
 * in the config is ignored, so a production config can be passed as is; `concurrency`
 * rules are accepted and not enforced (they need a request's whole life). Pass `clock:
 * createTestClock()` for a clock of its own. Nothing runs in the background.
 *
 * @example
 * ```ts
 * const limiter = createTestLimiter({ policies: { free: { rate: { maxPerMinute: 10 } } } });
 * beforeEach(() => resetLimits(limiter));
 *
 * it('blocks the 11th request', async () => {
 *   await makeRequests(limiter, 10, { user: 'test-user', endpoint: 'POST|/api/chat' });
 *   await expectBlocked(limiter, { user: 'test-user', endpoint: 'POST|/api/chat' });
 * });
 * ```
 */
export function createTestLimiter<TReq = unknown, TRes = unknown>(config: HttpLimiterOptions<TReq, TRes>): TestLimiter<TReq> {
  return new TestLimiter<TReq>(config as unknown as HttpLimiterOptions<TReq, never>);
}
