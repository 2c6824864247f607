// The limiter's side of `metrics:` and `tracing:`: which instrumentations want what, the
// sampled timing of checks, one record per check handed to each, a scope per traced check,
// and a store wrapper that times store operations. A hook that throws never affects a check.
import { preciseNow } from '../clock.js';
import { CallbackError } from '../errors/index.js';
import { MemoryStore } from '../stores/memory.js';
import type { EventBus } from '../events/bus.js';
import type { ConsumeOptions, ConsumeResult, LimitSpec, MaybePromise, ResetSelector, Store } from '../stores/types.js';
import type { RateLimitResult } from '../types.js';
import { isPromiseLike } from '../util/timeout.js';
import type { CheckOutcome, CheckRecord, CheckScope, CheckStart, Instrumentation, StoreOperationRecord } from './types.js';

/** The outcome label of a result. */
export function outcomeOf(result: RateLimitResult): CheckOutcome {
  if (!result.allowed) return 'blocked';
  if (result.dryRun || result.action === 'allow-and-log') return result.action === 'allow' ? 'allowed' : 'logged';
  return result.action === 'slowdown' ? 'slowed' : 'allowed';
}

/** The instrumentations of a configuration: `metrics` (one or a list) then `tracing`. */
export function instrumentationsOf(metrics: unknown, tracing: unknown): Instrumentation[] {
  const list: Instrumentation[] = [];
  if (Array.isArray(metrics)) list.push(...(metrics as Instrumentation[]));
  else if (metrics !== undefined && metrics !== null) list.push(metrics as Instrumentation);
  if (tracing !== undefined && tracing !== null) list.push(tracing as Instrumentation);
  return list;
}

type Hook = 'attach' | 'onCheck' | 'onStoreOperation' | 'startCheck' | 'scope';

export class Instruments {
  private readonly checkers: Instrumentation[];
  private readonly storeWatchers: Instrumentation[];
  private readonly tracers: Instrumentation[];
  /** Time one check in this many (the smallest `timeEvery` of those that get checks). */
  private readonly every: number;
  private countdown = 1;
  private readonly scratch: { -readonly [K in keyof CheckRecord]: CheckRecord[K] } = { operation: 'check', outcome: 'allowed', result: undefined as unknown as RateLimitResult, durationSeconds: undefined, timingWeight: 0 };
  /** Failures per instrumentation hook, for reporting the first and then one in a thousand. */
  private readonly failures = new Map<string, number>();

  constructor(
    readonly list: readonly Instrumentation[],
    private readonly events: EventBus,
    private readonly clock: { now(): number },
  ) {
    this.checkers = list.filter((i) => typeof i.onCheck === 'function');
    this.storeWatchers = list.filter((i) => typeof i.onStoreOperation === 'function');
    this.tracers = list.filter((i) => typeof i.startCheck === 'function');
    let every = Infinity;
    for (const i of this.checkers) every = Math.min(every, i.timeEvery ?? 1);
    this.every = Number.isFinite(every) ? Math.max(1, Math.floor(every)) : 0;
  }

  /** True when some instrumentation traces checks (they then take the traced path, phases and all). */
  get traces(): boolean {
    return this.tracers.length > 0;
  }

  /**
   * True when a store's operations are timed through a wrapper: a store other than the
   * memory store, watched by a tracer or a metrics instrumentation. (The memory store keeps
   * its direct path; traced checks report its operation themselves.)
   */
  watchesStore(store: Store): boolean {
    return (this.tracers.length > 0 || this.storeWatchers.length > 0) && !(store instanceof MemoryStore);
  }

  /** Reports a hook's failure as a callback_error event: the first, then one in a thousand. */
  failed(i: Instrumentation, hook: Hook, error: unknown, result?: RateLimitResult): void {
    const key = `${i.name}\u0000${hook}`;
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    if (n !== 1 && n % 1000 !== 0) return;
    const err = new CallbackError(`${i.name}.${hook}`, `threw${n > 1 ? ` (${n} times so far)` : ''}: ${error instanceof Error ? error.message : String(error)}`, { cause: error, hint: `Fix ${i.name}'s ${hook}: checks go on unaffected, without it` });
    this.events.emit({ type: 'callback_error', timestamp: this.clock.now(), user: result?.user ?? '', plan: result?.plan ?? '', endpoint: result?.endpoint ?? '', callback: `${i.name}.${hook}`, error: err, fallback: 'ignored it; the check was not affected' });
  }

  /** Scopes of the tracers for a check about to start (undefined when none traces it). */
  start(operation: 'check' | 'checkCost', request: unknown): CheckScope[] | undefined {
    if (this.tracers.length === 0) return undefined;
    const r = (typeof request === 'object' && request !== null ? request : {}) as Record<string, unknown>;
    const start: CheckStart = new Start(operation, r.userId, r.plan, r.endpoint);
    let scopes: CheckScope[] | undefined;
    for (const t of this.tracers) {
      try {
        const s = t.startCheck!(start);
        if (s !== undefined && s !== null) (scopes ??= []).push(guardScope(s, t, this));
      } catch (e) {
        this.failed(t, 'startCheck', e);
      }
    }
    return scopes;
  }

  /** Whether this check is timed for metrics (one in `every`). */
  sample(): boolean {
    if (this.every === 0) return false;
    if (--this.countdown > 0) return false;
    this.countdown = this.every;
    return true;
  }

  /** A check finished: its record to every checker, and the end to every scope. */
  finish(operation: 'check' | 'checkCost', result: RateLimitResult, startTime: number, timed: boolean, scopes: CheckScope[] | undefined): void {
    const endTime = timed || scopes !== undefined ? preciseNow() : 0;
    // One record object, reused: checks are frequent and the hooks read it during the call.
    const record = this.scratch;
    record.operation = operation;
    record.outcome = outcomeOf(result);
    record.result = result;
    record.durationSeconds = timed ? Math.max(0, endTime - startTime) / 1000 : undefined;
    record.timingWeight = timed ? this.every : 0;
    for (const c of this.checkers) {
      try {
        c.onCheck!(record);
      } catch (e) {
        this.failed(c, 'onCheck', e, result);
      }
    }
    if (scopes === undefined) return;
    // A traced check is always timed for its scope (its span), whether or not metrics sample it.
    const traced: CheckRecord = { ...record, durationSeconds: Math.max(0, endTime - startTime) / 1000 };
    for (const s of scopes) s.end(traced, endTime);
  }

  /** A store operation finished. */
  storeOperation(record: StoreOperationRecord): void {
    for (const w of this.storeWatchers) {
      try {
        w.onStoreOperation!(record);
      } catch (e) {
        this.failed(w, 'onStoreOperation', e);
      }
    }
  }
}

/** A check about to start; its start time is read from the clock only if a tracer asks for it. */
class Start implements CheckStart {
  private t: number | undefined;
  constructor(
    readonly operation: 'check' | 'checkCost',
    readonly userId: unknown,
    readonly plan: unknown,
    readonly endpoint: unknown,
  ) {}
  get startTime(): number {
    return (this.t ??= preciseNow());
  }
}

/** A tracer's scope whose every method is guarded (a throwing tracer never breaks a check). */
function guardScope(s: CheckScope, t: Instrumentation, owner: Instruments): CheckScope {
  const guard = (fn: () => void): void => {
    try {
      fn();
    } catch (e) {
      owner.failed(t, 'scope', e);
    }
  };
  return {
    run:
      typeof s.run === 'function'
        ? <T>(fn: () => T): T => {
            let called = false;
            try {
              return s.run!(() => {
                called = true;
                return fn();
              });
            } catch (e) {
              // The check's own error goes on; the tracer's is reported, and the check runs without it.
              if (called) throw e;
              owner.failed(t, 'scope', e);
              return fn();
            }
          }
        : undefined,
    phase: (name, startTime, endTime, error) => guard(() => s.phase?.(name, startTime, endTime, error)),
    end: (record, endTime) => guard(() => s.end(record, endTime)),
    fail: (error, endTime) => guard(() => s.fail(error, endTime)),
  };
}

/**
 * Runs `fn` inside every scope's `run` (nested), so that each tracer's span is active while
 * the check runs and while its promises settle.
 */
export function runInScopes<T>(scopes: readonly CheckScope[], fn: () => T): T {
  let run = fn;
  for (const s of scopes) {
    if (s.run === undefined) continue;
    const inner = run;
    run = () => s.run!(inner);
  }
  return run();
}

/**
 * A store whose operations are timed and reported. It only watches: every call goes to the
 * store it wraps, answers and failures unchanged.
 */
export class InstrumentedStore implements Store {
  readonly name: string;

  constructor(
    readonly inner: Store,
    private readonly instruments: Instruments,
  ) {
    this.name = inner.name;
  }

  consume(limits: readonly LimitSpec[], options?: ConsumeOptions): MaybePromise<ConsumeResult> {
    return this.watch(options?.mode ?? 'consume', () => this.inner.consume(limits, options));
  }

  reset(selector: ResetSelector): MaybePromise<number> {
    return this.watch('reset', () => this.inner.reset(selector));
  }

  close(): MaybePromise<void> {
    return this.inner.close?.();
  }

  private watch<T>(operation: StoreOperationRecord['operation'], call: () => MaybePromise<T>): MaybePromise<T> {
    const startTime = preciseNow();
    const done = (status: 'success' | 'error', error?: unknown): void => {
      const record: StoreOperationRecord = { store: this.name, operation, status, durationSeconds: Math.max(0, preciseNow() - startTime) / 1000, startTime, ...(status === 'error' ? { error } : {}) };
      this.instruments.storeOperation(record);
    };
    let r: MaybePromise<T>;
    try {
      r = call();
    } catch (e) {
      done('error', e);
      throw e;
    }
    if (!isPromiseLike(r)) {
      done('success');
      return r;
    }
    return Promise.resolve(r).then(
      (v) => {
        done('success');
        return v;
      },
      (e: unknown) => {
        done('error', e);
        throw e;
      },
    );
  }
}
