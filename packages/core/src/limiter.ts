// RateLimiter: the public face of the engine. Resolves a framework-free request to its set
// of limits, decides them all at once through the store (see pipeline.ts), emits events,
// and reconciles usage known only after the response (see usage.ts).
import { systemClock } from './clock.js';
import { createStore, defaultPlanOf, type RateLimiterConfig } from './config.js';
import { LimitRateError } from './errors/index.js';
import { EventBus } from './events/bus.js';
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

  constructor(config: RateLimiterConfig<TReq>) {
    validateConfig(config);
    const clock = config.clock ?? systemClock;
    this.store = createStore(config.store, config.clock);
    this.ownsStore = this.store !== config.store;
    this.defaultPlan = defaultPlanOf(config);
    this.events = new EventBus({ clock });
    // A store with events of its own (ResilientStore) reports them to this limiter's listeners.
    this.storeEvents = this.store.attach?.(this.events);
    this.pipeline = new Pipeline({ config, store: this.store, engine: new PolicyEngine(config.policies), clock, events: this.events, defaultPlan: this.defaultPlan });
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
    await this.events.flush();
    this.storeEvents?.dispose();
    if (this.ownsStore) await this.store.close?.();
  }

  private promised(request: RateLimitRequest<TReq>, mode: 'consume' | 'peek', only: 'cost' | undefined): Promise<RateLimitResult> {
    if (this.closed) return Promise.reject(closedError());
    try {
      const r = this.pipeline.evaluate(request, mode, only);
      return isPromiseLike(r) ? r : Promise.resolve(r);
    } catch (e) {
      return Promise.reject(e);
    }
  }
}
