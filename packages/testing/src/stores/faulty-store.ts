// faultyStore(): any core Store with injected latency, failures and hangs, for testing a
// limiter's failure policy and timeouts without a server.
import {
  LimitRateError,
  RequestError,
  StoreError,
  type ConsumeOptions,
  type ConsumeResult,
  type EventBus,
  type LimitSpec,
  type MaybePromise,
  type ResetSelector,
  type Store,
} from '@limitrate/core';
import { FaultInjector, type CallCounts, type FailureMode, type FaultControls, type FaultOptions, type Latency } from './faults.js';

/** The store operations faults can apply to. */
export type FaultyOperation = 'consume' | 'reset' | 'close';

/** One call to a faulty store, for a `failOn` test. */
export type FaultyCall =
  | { op: 'consume'; limits: readonly LimitSpec[]; options: ConsumeOptions | undefined }
  | { op: 'reset'; selector: ResetSelector }
  | { op: 'close' };

/** Options of {@link faultyStore}. */
export interface FaultyStoreOptions extends FaultOptions {
  /**
   * The calls faults (latency, failures, hangs) apply to: operations, or a test on each call
   * (default `['consume', 'reset']`). Other calls go straight to the store.
   */
  failOn?: FaultyOperation | readonly FaultyOperation[] | ((call: FaultyCall) => boolean);
}

/** A store with faults: the wrapped store's operations, plus the runtime controls. */
export interface FaultyStore<S extends Store = Store> extends Store, FaultControls {
  /** The wrapped store. */
  readonly inner: S;
  consume(limits: readonly LimitSpec[], options?: ConsumeOptions): MaybePromise<ConsumeResult>;
  reset(selector: ResetSelector): MaybePromise<number>;
  close(): Promise<void>;
}

const OPTION_KEYS = new Set(['failOn', 'latency', 'failureRate', 'timeout', 'seed']);
const OPERATIONS: readonly FaultyOperation[] = ['consume', 'reset', 'close'];

function closedError(): LimitRateError {
  return new LimitRateError('ERR_LIMITRATE_CLOSED', 'This store has been closed', { hint: 'Create a new store, or stop using it after close()' });
}

function callFilter(failOn: FaultyStoreOptions['failOn']): (call: FaultyCall) => boolean {
  if (failOn === undefined) return (call) => call.op !== 'close';
  if (typeof failOn === 'function') return failOn;
  const ops: readonly unknown[] = typeof failOn === 'string' ? [failOn] : Array.isArray(failOn) ? failOn : [failOn];
  for (const op of ops) {
    if (!OPERATIONS.includes(op as FaultyOperation)) {
      throw new RequestError(`faultyStore failOn must name operations (consume, reset, close) or be a function, got ${JSON.stringify(op)}`, "Use e.g. failOn: 'consume' or failOn: (call) => call.op === 'consume'");
    }
  }
  return (call) => ops.includes(call.op);
}

/**
 * Wraps any core `Store` with faults: answers after `latency`, a seeded `failureRate` of
 * calls fail (rejecting with a StoreError, ERR_LIMITRATE_STORE), and with `timeout` failing
 * calls hang that long (then reject with ERR_LIMITRATE_STORE_TIMEOUT; `Infinity`: until
 * close()). Switch faults at runtime with `fail()`, `failNext()`, `setLatency()`,
 * `setFaults()`; `calls` counts operations. A call without faults passes straight through
 * (a MemoryStore stays synchronous); a failing call never reaches the store. After
 * close(), calls reject with ERR_LIMITRATE_CLOSED.
 *
 * @example
 * ```ts
 * import { MemoryStore, RateLimiter } from '@limitrate/core';
 * import { faultyStore } from '@limitrate/testing';
 *
 * const store = faultyStore(new MemoryStore(), { timeout: Infinity });
 * const limiter = new RateLimiter({ store, storeTimeoutMs: 50, onStoreError: 'block', policies: { free: { rate: { maxPerMinute: 10 } } } });
 * store.fail(); // every call hangs: checks are blocked after 50 ms
 * ```
 */
export function faultyStore<S extends Store>(store: S, options: FaultyStoreOptions = {}): FaultyStore<S> {
  if (typeof store !== 'object' || store === null || typeof store.consume !== 'function' || typeof store.reset !== 'function') {
    throw new RequestError('faultyStore wraps a Store (an object with consume and reset)', 'Pass e.g. new MemoryStore()');
  }
  if (typeof options !== 'object' || options === null) throw new RequestError('faultyStore options must be an object', 'Use e.g. { failureRate: 0.1 }');
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) throw new RequestError(`faultyStore has no option ${JSON.stringify(key)}`, `Use ${[...OPTION_KEYS].join(', ')}`);
  }
  const { failOn, ...faultOptions } = options;
  const applies = callFilter(failOn);
  const faults = new FaultInjector('faultyStore', faultOptions);
  const name = store.name;
  const errors = {
    error: () => new StoreError(name, 'failed: injected failure (faultyStore)'),
    timeout: (ms: number) => new StoreError(name, `did not answer within ${ms} ms (injected by faultyStore)`, { timeout: true }),
  };
  let closed = false;

  /** Runs one operation with the faults its call gets. */
  function withFaults<T>(call: FaultyCall, run: () => MaybePromise<T>): MaybePromise<T> {
    if (closed) {
      faults.plan(call.op, false);
      return Promise.reject(closedError());
    }
    if (!applies(call)) {
      faults.plan(call.op, false);
      return run();
    }
    const plan = faults.plan(call.op, true);
    if (plan.failure === undefined && plan.delay === 0) return run();
    const answer = faults.deliver(
      plan,
      () => {
        // Run at once (decided as of the call); a store that rejects still answers after the latency.
        let pending: Promise<T>;
        try {
          pending = Promise.resolve(run());
        } catch (error) {
          pending = Promise.reject(error instanceof Error ? error : new Error(String(error)));
        }
        pending.catch(() => undefined);
        return pending;
      },
      errors,
    );
    return answer.then((p) => p);
  }

  const faulty: FaultyStore<S> = {
    name,
    inner: store,
    consume(limits, consumeOptions) {
      try {
        return withFaults({ op: 'consume', limits, options: consumeOptions }, () => store.consume(limits, consumeOptions));
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
    },
    reset(selector) {
      try {
        return withFaults({ op: 'reset', selector }, () => store.reset(selector));
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
    },
    async close() {
      if (closed) return;
      await withFaults({ op: 'close' }, () => store.close?.());
      closed = true;
      faults.releaseHung(closedError);
    },
    fail: (mode?: boolean | FailureMode) => faults.fail(mode),
    failNext: (count?: number, mode?: FailureMode) => faults.failNext(count, mode),
    setLatency: (latency: Latency) => faults.setLatency(latency),
    setFaults: (f: FaultOptions) => faults.setFaults(f),
    get calls(): Readonly<CallCounts> {
      return faults.calls;
    },
    resetCalls: () => faults.resetCalls(),
  };
  if (typeof store.attach === 'function') {
    const attach = store.attach.bind(store);
    (faulty as { attach?: (bus: EventBus) => ReturnType<typeof attach> }).attach = (bus: EventBus) => attach(bus);
  }
  return faulty;
}
