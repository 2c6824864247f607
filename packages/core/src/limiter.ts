// RateLimiter: the public face of the engine. Resolves a framework-free request to its set
// of limits, decides them all at once through the store (see pipeline.ts), emits events,
// and reconciles usage known only after the response (see usage.ts).
import { preciseNow, systemClock } from './clock.js';
import { createStore, defaultPlanOf, type RateLimiterConfig } from './config.js';
import { LimitRateError } from './errors/index.js';
import { EventBus } from './events/bus.js';
import { InstrumentedStore, Instruments, instrumentationsOf, runInScopes } from './instrument/instruments.js';
import { AnalyticsRecorder, resolveAnalytics } from './analytics/recorder.js';
import { evaluateTraced } from './instrument/traced.js';
import type { InstrumentedLimiter } from './instrument/types.js';
import { PolicyEngine } from './policy/engine.js';
import { validateConfig } from './policy/validate.js';
import { Pipeline, type MaybePromise } from './pipeline.js';
import { DeferredStore } from './stores/deferred.js';
import type { Store } from './stores/types.js';
import type { Disposable } from './events/types.js';
import type { ActualUsage, RateLimitRequest, RateLimitResult, RecordResult, ResetTarget } from './types.js';
import { record, reset } from './usage.js';
import { isPromiseLike } from './util/timeout.js';

function closedError(): LimitRateError {
  return new LimitRateError('ERR_LIMITRATE_CLOSED', 'This limiter has been closed', { hint: 'Create a new RateLimiter, or stop using it after close()' });
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
  private readonly pipeline: Pipeline<TReq>;
  private closed = false;
  /** The store was built from the config (not passed in), so close() closes it. */
  private readonly ownsStore: boolean;
  private readonly storeEvents: Disposable | undefined;
  /** `metrics` and `tracing`, when configured. */
  private readonly instruments: Instruments | undefined;
  private readonly detachers: Array<() => void | Promise<void>> = [];
  private readonly storeName: string;
  /**
   * The analytics (`analytics` in the configuration): `limiter.analytics.report({ range })`
   * gives totals, top endpoints, plans and users, recent blocks and store health. Undefined
   * when analytics is off.
   */
  readonly analytics: AnalyticsRecorder | undefined;
  /** What instrumentations are attached to (the HTTP layer adds `inFlight`). @internal */
  readonly instrumentTarget: InstrumentedLimiter;

  constructor(config: RateLimiterConfig<TReq>) {
    validateConfig(config);
    const clock = config.clock ?? systemClock;
    this.store = createStore(config.store, config.clock);
    this.ownsStore = this.store !== config.store;
    this.defaultPlan = defaultPlanOf(config);
    this.events = new EventBus({ clock });
    // A store with events of its own (ResilientStore) reports them to this limiter's listeners.
    this.storeEvents = this.store.attach?.(this.events);
    const list = instrumentationsOf(config.metrics, config.tracing);
    if (config.analytics instanceof AnalyticsRecorder) {
      // Another limiter's analytics (an adapter's route limiter counting into the app's):
      // this limiter's checks and store operations go there; that limiter runs and closes it.
      const shared = config.analytics;
      this.analytics = shared;
      list.push({ name: 'analytics', timingsPerSecond: shared.timingsPerSecond, onTimedCheck: (r) => shared.onTimedCheck(r), onStoreOperation: (r) => shared.onStoreOperation(r) });
    } else {
      const analytics = resolveAnalytics(config.analytics);
      this.analytics = analytics === undefined ? undefined : new AnalyticsRecorder(analytics, clock);
      if (this.analytics !== undefined) {
        // A sink that cannot use this store (redisAnalytics() on a memory store) fails here, at construction.
        try {
          this.analytics.attachSink(this.store);
        } catch (error) {
          if (this.ownsStore) void Promise.resolve(this.store.close?.()).catch(() => undefined);
          throw error;
        }
        list.push(this.analytics);
      }
    }
    this.instruments = list.length > 0 ? new Instruments(list, this.events, clock, this.analytics) : undefined;
    const counts = this.instruments?.counts;
    this.instrumentTarget = { events: this.events, store: this.store, defaultPlan: this.defaultPlan, ...(counts?.tally === true ? { checkCounts: () => counts.entries } : {}) };
    // Store operations are timed through a wrapper, for every store but the memory store,
    // which checks call directly (its operations are reported by traced checks only).
    const store = this.instruments?.watchesStore(this.store) ? new InstrumentedStore(this.store, this.instruments) : this.store;
    this.storeName = this.store.name;
    this.pipeline = new Pipeline({ config, store, engine: new PolicyEngine(config.policies), clock, events: this.events, defaultPlan: this.defaultPlan, counts: this.instruments?.counts });
    if (config.onEvent) this.events.on('*', config.onEvent);
    const logger = config.dryRunLogger;
    if (config.dryRun && logger) {
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
    if (this.instruments !== undefined) {
      const target = this.instrumentTarget;
      for (const i of this.instruments.list) {
        try {
          const detach = i.attach?.(target);
          if (typeof detach === 'function') this.detachers.push(detach);
        } catch (e) {
          this.instruments.failed(i, 'attach', e);
        }
      }
    }
  }

  /** Decide and count one request against every limit that applies to it, atomically. */
  check(request: RateLimitRequest<TReq>): Promise<RateLimitResult> {
    return this.promised(request, 'consume', undefined);
  }

  /**
   * `check` without the promise when it can answer at once: with the memory store and
   * synchronous callbacks the result comes back directly (no promise, no microtask), else
   * a promise of it. Bad input throws synchronously. Adapters use this on the hot path.
   */
  checkNow(request: RateLimitRequest<TReq>): MaybePromise<RateLimitResult> {
    if (this.closed) throw closedError();
    if (this.instruments !== undefined) return this.instrumented(request, undefined);
    return this.pipeline.evaluate(request, 'consume', undefined);
  }

  /** Like `check`, but only the cost caps (for apps that price a request separately). */
  checkCost(request: RateLimitRequest<TReq>): Promise<RateLimitResult> {
    return this.promised(request, 'consume', 'cost');
  }

  /** What `check` would decide now, without counting anything (no `estimateCost` call, no events). */
  peek(request: RateLimitRequest<TReq>): Promise<RateLimitResult> {
    return this.promised(request, 'peek', undefined);
  }

  /**
   * Reconcile usage known only after the response: charges (or refunds) the difference
   * between the actual tokens / cost and what `check` charged. Pass the check's result (or
   * a copy of it); or a request, to charge the full amounts. Never rejects for store
   * failures (see `recorded`).
   */
  record(target: RateLimitResult | RateLimitRequest<TReq>, usage: ActualUsage): Promise<RecordResult> {
    return record(this.pipeline, target, usage);
  }

  /**
   * Delete counters: of a user, of an endpoint (for every user), of both, of given store
   * keys, or everything (`{ all: true }`). Resolves to the number of keys removed.
   */
  reset(target: ResetTarget): Promise<number> {
    return reset(this.pipeline, target);
  }

  /**
   * Resolves when the store can decide: at once, except for a Redis or Upstash store named
   * in the configuration (`store: { type: 'redis', url }`), whose package loads in the
   * background. Rejects with a ConfigError (ERR_LIMITRATE_INVALID_CONFIG) when the package
   * is missing or refuses its options; checks would throw the same error. Awaiting it is
   * optional: checks made before wait for the store.
   *
   * @example
   * ```ts
   * const limiter = new RateLimiter({ store: { type: 'redis', url: process.env.REDIS_URL }, policies });
   * await limiter.ready(); // fail at startup, not on the first request
   * ```
   */
  async ready(): Promise<void> {
    if (this.store instanceof DeferredStore) await this.store.loaded;
  }

  /**
   * Deliver pending events and close the store this limiter built (timers, connections).
   * A `Store` instance passed in the config is left open: it may be shared, and whoever
   * created it closes it. Later checks reject with ERR_LIMITRATE_CLOSED.
   */
  async close(): Promise<void> {
    this.closed = true;
    for (const detach of this.detachers.splice(0)) {
      try {
        await detach();
      } catch {
        // An instrumentation failing to detach must not keep the limiter open.
      }
    }
    await this.events.flush();
    this.storeEvents?.dispose();
    if (this.ownsStore) await this.store.close?.();
  }

  private promised(request: RateLimitRequest<TReq>, mode: 'consume' | 'peek', only: 'cost' | undefined): Promise<RateLimitResult> {
    if (this.closed) return Promise.reject(closedError());
    try {
      const r = mode === 'consume' && this.instruments !== undefined ? this.instrumented(request, only) : this.pipeline.evaluate(request, mode, only);
      return isPromiseLike(r) ? r : Promise.resolve(r);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** A check with metrics or tracing: counted, timed (sampled), recorded, traced; the same decision. */
  private instrumented(request: RateLimitRequest<TReq>, only: 'cost' | undefined): MaybePromise<RateLimitResult> {
    const ins = this.instruments!;
    if (ins.light && !ins.due()) {
      // No hook for every check, and this check not timed: the decision (the pipeline counts
      // it). The path most checks take: reading the precise clock costs more than the rest.
      return this.pipeline.evaluate(request, 'consume', only);
    }
    const operation = only === 'cost' ? 'checkCost' : 'check';
    return ins.traces ? this.tracedCheck(request, only, operation) : this.timedCheck(request, only, operation);
  }

  /** A check for metrics: timed when due, recorded. */
  private timedCheck(request: RateLimitRequest<TReq>, only: 'cost' | undefined, operation: 'check' | 'checkCost'): MaybePromise<RateLimitResult> {
    const ins = this.instruments!;
    // The light path asked due() already; a check with per-check hooks asks here.
    const timed = ins.light || ins.due();
    const t0 = timed ? preciseNow() : 0;
    const weight = timed ? ins.weigh(t0) : 0;
    const r = this.pipeline.evaluate(request, 'consume', only);
    if (!isPromiseLike(r)) {
      ins.finish(operation, r, t0, weight, undefined);
      return r;
    }
    return Promise.resolve(r).then((result) => {
      ins.finish(operation, result, t0, weight, undefined);
      return result;
    });
  }

  /** A check with a tracer attached: scopes, phases, and metrics' sampled timing too. */
  private tracedCheck(request: RateLimitRequest<TReq>, only: 'cost' | undefined, operation: 'check' | 'checkCost'): MaybePromise<RateLimitResult> {
    const ins = this.instruments!;
    const scopes = ins.start(operation, request);
    const timed = ins.due();
    // Untraced (not sampled, or no tracer provider), untimed, no per-check record: the
    // decision alone (the pipeline counts it).
    if (scopes === undefined && !timed && !ins.recordsEach) return this.pipeline.evaluate(request, 'consume', only);
    const t0 = timed || scopes !== undefined ? preciseNow() : 0;
    const weight = timed ? ins.weigh(t0) : 0;
    let r: MaybePromise<RateLimitResult>;
    try {
      if (scopes === undefined) {
        r = this.pipeline.evaluate(request, 'consume', only);
      } else {
        const phase = (name: 'policy_lookup', start: number, end: number, error?: unknown): void => {
          for (const s of scopes) s.phase?.(name, start, end, error);
        };
        const memoryOperation = (startTime: number, result: RateLimitResult | undefined, error?: unknown): void => {
          const failed = result === undefined || result.reason === 'store_error';
          ins.storeOperation({ store: this.storeName, operation: 'consume', status: failed ? 'error' : 'success', durationSeconds: Math.max(0, preciseNow() - startTime) / 1000, startTime, ...(failed ? { error: error ?? result?.error } : {}) });
        };
        r = runInScopes(scopes, () => evaluateTraced(this.pipeline, request, 'consume', only, phase, memoryOperation));
      }
    } catch (e) {
      if (scopes !== undefined) for (const s of scopes) s.fail(e, preciseNow());
      throw e;
    }
    if (!isPromiseLike(r)) {
      ins.finish(operation, r, t0, weight, scopes);
      return r;
    }
    return Promise.resolve(r).then(
      (result) => {
        ins.finish(operation, result, t0, weight, scopes);
        return result;
      },
      (e: unknown) => {
        if (scopes !== undefined) for (const s of scopes) s.fail(e, preciseNow());
        throw e;
      },
    );
  }
}
