// ResilientStore: a remote store behind a circuit breaker, with an optional insurance store.
// After `failureThreshold` consecutive failures (errors, timeouts, malformed answers) the
// circuit opens and calls skip the store for `openMs`, so a dead Redis costs no latency per
// request; then one probe call goes through (half-open): success closes the circuit,
// failure reopens it. Failed and skipped calls are answered by the insurance store (limits
// still hold per process), or reject so that the limiter's onStoreError policy applies.
// The breaker reads a clock, not timers: only a call's own timeout sets a timer.
import { systemClock, type Clock } from '../clock.js';
import { LimitRateError, RequestError, StoreError } from '../errors/index.js';
import type { EventBus } from '../events/bus.js';
import type { Disposable, StoreCircuitEvent, StoreFallbackEvent } from '../events/types.js';
import { isPromiseLike, withTimeout } from '../util/timeout.js';
import type { ConsumeOptions, ConsumeResult, LimitSpec, MaybePromise, ResetSelector, Store } from './types.js';

/** `closed`: the store answers. `open`: calls skip it. `half-open`: one probe call tries it. */
export type CircuitState = 'closed' | 'open' | 'half-open';

export interface ResilientStoreOptions {
  /** Consecutive failures that open the circuit (default 5). */
  failureThreshold?: number;
  /** How long the circuit stays open before a probe call tries the store again, in ms (default 5,000). */
  openMs?: number;
  /**
   * Longest wait for one store call, in ms (default 500; 0: no limit of its own). A slower
   * call counts as a failure and gets the insurance store's answer. Keep it below the
   * limiter's `storeTimeoutMs` (default 1,000), or the limiter gives up first.
   */
  timeoutMs?: number;
  /**
   * Answers while the store cannot: usually `new MemoryStore()`. Its counts are per process
   * and are not copied back when the store returns. Without one, those calls reject and the
   * limiter's onStoreError policy decides them (at once while the circuit is open).
   */
  insurance?: Store;
  /** Time source of the breaker (default: the system clock). Inject a manual clock in tests. */
  clock?: Clock;
  /** Whether close() closes the store and the insurance store too (default true). */
  closeStores?: boolean;
}

/** Counters describing the breaker, for monitoring. */
export interface ResilientStoreStats {
  state: CircuitState;
  /** Failures in a row so far (reset by a success). */
  consecutiveFailures: number;
  /** Calls that went to the store (probes included). */
  calls: number;
  /** Of those, the ones that failed or timed out. */
  failures: number;
  /** Calls that did not go to the store because the circuit was open (or a probe was out). */
  skipped: number;
  /** Calls the insurance store answered (failed and skipped ones). */
  insured: number;
  /** Times the circuit opened. */
  opened: number;
}

function positive(name: string, value: unknown, integer: boolean, zeroOk: boolean): number {
  const ok = typeof value === 'number' && Number.isFinite(value) && (zeroOk ? value >= 0 : value > 0) && (!integer || Number.isInteger(value));
  if (!ok) {
    throw new RequestError(`ResilientStore ${name} must be ${integer ? 'an integer' : 'a number'} ${zeroOk ? '>= 0' : '> 0'}, got ${String(value)}`, `Leave ${name} out for the default`);
  }
  return value;
}

function closedError(): LimitRateError {
  return new LimitRateError('ERR_LIMITRATE_CLOSED', 'This store has been closed', { hint: 'Create a new store, or stop using it after close()' });
}

/**
 * Wraps a remote store with a circuit breaker and an optional insurance store.
 *
 * While the circuit is open (and for a call that fails), decisions come from the insurance
 * store: the answer has the usual shape, `store_circuit` / `store_fallback` events say so on
 * the attached event buses, and `stats()` counts it. When the circuit closes the store is used
 * again; counts made in the insurance store are not copied back (the store still has what it
 * counted before the outage).
 *
 * @example
 * ```ts
 * const store = new ResilientStore(new RedisStore({ url: process.env.REDIS_URL }), {
 *   insurance: new MemoryStore(),
 *   failureThreshold: 5,
 *   openMs: 5_000,
 * });
 * const limiter = new RateLimiter({ store, policies, onStoreError: 'allow' });
 * // The limiter attaches its event bus: store_circuit and store_fallback arrive on limiter.events.
 * ```
 */
export class ResilientStore implements Store {
  /** The wrapped store's name (events, metrics and store errors read the same as without the wrapper). */
  readonly name: string;
  readonly store: Store;
  readonly insurance: Store | undefined;
  private readonly threshold: number;
  private readonly openMs: number;
  private readonly timeoutMs: number;
  private readonly clock: Clock;
  private readonly closeStores: boolean;
  private readonly targets = new Set<EventBus>();
  private current: CircuitState = 'closed';
  /** Bumped on every state change: outcomes of calls admitted in an earlier state are ignored. */
  private epoch = 0;
  private streak = 0;
  private openedAt = 0;
  /** When the probe of the current half-open state went out. */
  private probeAt = 0;
  /** The error skipped calls reject with (one per opening: no stack trace per call). */
  private openError: StoreError | undefined;
  private counts = { calls: 0, failures: 0, skipped: 0, insured: 0, opened: 0 };
  private closing: Promise<void> | undefined;

  constructor(store: Store, options: ResilientStoreOptions = {}) {
    if (store === null || typeof store !== 'object' || typeof store.consume !== 'function') {
      throw new RequestError('ResilientStore needs a store to wrap', 'Pass e.g. new RedisStore({ url })');
    }
    const { insurance, failureThreshold = 5, openMs = 5000, timeoutMs = 500, clock = systemClock, closeStores = true } = options;
    if (insurance !== undefined && (insurance === null || typeof insurance.consume !== 'function')) {
      throw new RequestError('ResilientStore insurance must be a Store', 'Pass e.g. new MemoryStore(), or leave it out');
    }
    this.store = store;
    this.name = store.name;
    this.insurance = insurance;
    this.threshold = positive('failureThreshold', failureThreshold, true, false);
    this.openMs = positive('openMs', openMs, false, true);
    this.timeoutMs = positive('timeoutMs', timeoutMs, false, true);
    this.clock = clock;
    this.closeStores = closeStores;
  }

  /** The circuit's state now (an open circuit whose time is up reads `open` until the next call probes). */
  get state(): CircuitState {
    return this.current;
  }

  stats(): ResilientStoreStats {
    return { state: this.current, consecutiveFailures: this.streak, ...this.counts };
  }

  /**
   * Emit `store_circuit` and `store_fallback` on `bus` until disposed. Every RateLimiter given
   * this store does this with its own bus (and disposes when it closes).
   *
   * @example
   * ```ts
   * const sub = store.attach(limiter.events);
   * limiter.events.on('store_circuit', (e) => console.warn(`${e.store} circuit ${e.state}`));
   * ```
   */
  attach(bus: EventBus): Disposable {
    this.targets.add(bus);
    return { dispose: () => void this.targets.delete(bus) };
  }

  consume(limits: readonly LimitSpec[], options?: ConsumeOptions): MaybePromise<ConsumeResult> {
    if (this.closing !== undefined) return Promise.reject(closedError());
    if (!this.admit()) {
      this.counts.skipped++;
      return this.fallback(limits, options, this.openError!);
    }
    const epoch = this.epoch;
    this.counts.calls++;
    let r: MaybePromise<ConsumeResult>;
    try {
      r = this.store.consume(limits, options);
    } catch (e) {
      return this.failed(epoch, e, limits, options);
    }
    if (!isPromiseLike(r)) return this.answered(epoch, r, limits, options);
    const bounded = this.timeoutMs > 0 ? withTimeout(r, this.timeoutMs, () => new StoreError(this.name, `did not answer within ${this.timeoutMs} ms`, { timeout: true })) : Promise.resolve(r);
    return bounded.then(
      (cr) => this.answered(epoch, cr, limits, options),
      (e: unknown) => this.failed(epoch, e, limits, options),
    );
  }

  /**
   * Deletes from the store (always tried, whatever the circuit's state, bounded by
   * `timeoutMs`, and not counted by the breaker) and from the insurance store. Resolves to
   * the number of keys the store removed; rejects if either failed.
   */
  reset(selector: ResetSelector): Promise<number> {
    if (this.closing !== undefined) return Promise.reject(closedError());
    const call = (s: Store): Promise<number> => {
      try {
        return Promise.resolve(s.reset(selector));
      } catch (e) {
        return Promise.reject(e);
      }
    };
    const primary = call(this.store);
    const bounded = this.timeoutMs > 0 ? withTimeout(primary, this.timeoutMs, () => new StoreError(this.name, `did not answer reset within ${this.timeoutMs} ms`, { timeout: true })) : primary;
    const insured = this.insurance === undefined ? Promise.resolve(0) : call(this.insurance);
    return Promise.allSettled([bounded, insured]).then(([p, i]) => {
      if (p.status === 'rejected') throw this.asStoreError(p.reason);
      if (i.status === 'rejected') throw i.reason;
      return p.value;
    });
  }

  /**
   * Stops accepting calls and, unless `closeStores: false`, closes the store and the
   * insurance store (pass `closeStores: false` when they are shared and closed elsewhere).
   */
  close(): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    this.targets.clear();
    if (!this.closeStores) return (this.closing = Promise.resolve());
    const close = (s: Store | undefined): Promise<void> => {
      try {
        return Promise.resolve(s?.close?.());
      } catch (e) {
        return Promise.reject(e);
      }
    };
    this.closing = Promise.allSettled([close(this.store), close(this.insurance)]).then(([p, i]) => {
      if (p.status === 'rejected') throw p.reason;
      if (i.status === 'rejected') throw i.reason;
    });
    return this.closing;
  }

  /** Whether this call may go to the store; moves open to half-open when the time is up. */
  private admit(): boolean {
    const state = this.current;
    if (state === 'closed') return true;
    const now = this.clock.now();
    if (state === 'open') {
      if (now - this.openedAt < this.openMs) return false;
      this.transition('half-open', undefined);
      this.probeAt = now;
      return true;
    }
    // Half-open: the probe is out. One that never settles (no timeoutMs) is replaced after openMs.
    if (now - this.probeAt < this.openMs) return false;
    this.epoch++;
    this.probeAt = now;
    return true;
  }

  private answered(epoch: number, cr: ConsumeResult, limits: readonly LimitSpec[], options: ConsumeOptions | undefined): MaybePromise<ConsumeResult> {
    if (cr === null || typeof cr !== 'object' || !Array.isArray(cr.limits) || cr.limits.length !== limits.length) {
      return this.failed(epoch, new StoreError(this.name, `returned a malformed answer for ${limits.length} limits`), limits, options);
    }
    if (epoch === this.epoch) {
      if (this.current === 'half-open') this.transition('closed', undefined);
      else this.streak = 0;
    }
    return cr;
  }

  private failed(epoch: number, e: unknown, limits: readonly LimitSpec[], options: ConsumeOptions | undefined): MaybePromise<ConsumeResult> {
    const error = this.asStoreError(e);
    this.counts.failures++;
    if (epoch === this.epoch) {
      this.streak++;
      if (this.current === 'half-open' || this.streak >= this.threshold) this.transition('open', error);
    }
    const insurance = this.insurance;
    if (insurance !== undefined && this.targets.size > 0) {
      this.emit({ type: 'store_fallback', ...this.base(), store: this.name, insurance: insurance.name, error });
    }
    return this.fallback(limits, options, error);
  }

  /** The insurance store's answer, or a rejection with `error` when there is none. */
  private fallback(limits: readonly LimitSpec[], options: ConsumeOptions | undefined, error: LimitRateError): MaybePromise<ConsumeResult> {
    const insurance = this.insurance;
    if (insurance === undefined) return Promise.reject(error);
    this.counts.insured++;
    try {
      return insurance.consume(limits, options);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private transition(to: CircuitState, error: LimitRateError | undefined): void {
    const previous = this.current;
    this.current = to;
    this.epoch++;
    if (to === 'open') {
      this.openedAt = this.clock.now();
      this.counts.opened++;
      this.openError = new StoreError(this.name, `is unavailable: circuit open after ${this.streak} consecutive failure${this.streak === 1 ? '' : 's'}, next try after ${this.openMs} ms`, { cause: error });
    }
    const failures = this.streak;
    if (to === 'closed') this.streak = 0;
    if (this.targets.size === 0) return;
    const event: StoreCircuitEvent = { type: 'store_circuit', ...this.base(), store: this.name, state: to, previous, failures };
    if (this.insurance !== undefined) event.insurance = this.insurance.name;
    if (error !== undefined) event.error = error;
    this.emit(event);
  }

  private asStoreError(e: unknown): LimitRateError {
    if (e instanceof LimitRateError) return e;
    return new StoreError(this.name, `failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }

  private base(): { timestamp: number; user: string; plan: string; endpoint: string } {
    return { timestamp: this.clock.now(), user: '', plan: '', endpoint: '' };
  }

  private emit(event: StoreCircuitEvent | StoreFallbackEvent): void {
    for (const bus of this.targets) bus.emit(event);
  }
}
