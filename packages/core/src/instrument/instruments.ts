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
import { CountsTable, type CountListener } from './counts.js';
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

type Hook = 'attach' | 'onCheck' | 'onTimedCheck' | 'onStoreOperation' | 'startCheck' | 'scope';

/** Timed checks a second, at most, unless an instrumentation asks for another rate. */
export const DEFAULT_TIMINGS_PER_SECOND = 100;
/** The most checks one timing stands for. */
const MAX_INTERVAL = 1_000_000;

export class Instruments {
  private readonly checkers: Instrumentation[];
  private readonly timedCheckers: Instrumentation[];
  private readonly storeWatchers: Instrumentation[];
  private readonly tracers: Instrumentation[];
  /** Check counts per plan and endpoint, when an instrumentation reads them (`counts: true`). */
  readonly counts: CountsTable | undefined;
  /** No hook runs for every check (no onCheck, no tracer): most checks only count. */
  readonly light: boolean;
  /** Some instrumentation takes every check's record (onCheck). */
  readonly recordsEach: boolean;
  /** Some hook takes durations (onCheck, onTimedCheck). */
  private readonly timing: boolean;
  /** Milliseconds wanted between two timed checks (0: time every check). */
  private readonly targetMs: number;
  /** Checks until the next timed one. */
  private countdown = 1;
  /** Checks between the last two timed ones: the weight of the next timing. */
  private interval = 1;
  private lastTimedAt = -Infinity;
  private readonly scratch: { -readonly [K in keyof CheckRecord]: CheckRecord[K] } = { operation: 'check', outcome: 'allowed', result: undefined as unknown as RateLimitResult, durationSeconds: undefined, timingWeight: 0 };
  private readonly startScratch = new Start();
  /** Failures per instrumentation hook, for reporting the first and then one in a thousand. */
  private readonly failures = new Map<string, number>();

  constructor(
    readonly list: readonly Instrumentation[],
    private readonly events: EventBus,
    private readonly clock: { now(): number },
    listener?: Instrumentation & CountListener,
  ) {
    this.checkers = list.filter((i) => typeof i.onCheck === 'function');
    this.timedCheckers = list.filter((i) => typeof i.onTimedCheck === 'function');
    this.storeWatchers = list.filter((i) => typeof i.onStoreOperation === 'function');
    this.tracers = list.filter((i) => typeof i.startCheck === 'function');
    // Counts are kept when an instrumentation reads them; the analytics recorder (the
    // listener) only takes each counted check into its queue.
    const tally = list.some((i) => i.counts === true);
    this.counts = tally || listener !== undefined ? new CountsTable(tally, listener) : undefined;
    this.recordsEach = this.checkers.length > 0;
    this.light = !this.recordsEach && this.tracers.length === 0;
    // Counts take the latest usage from timed checks: they time checks too.
    this.timing = this.checkers.length > 0 || this.timedCheckers.length > 0 || this.counts !== undefined;
    let rate = 0;
    for (const i of list.filter((x) => x.onCheck !== undefined || x.onTimedCheck !== undefined || x.counts === true)) rate = Math.max(rate, i.timingsPerSecond ?? DEFAULT_TIMINGS_PER_SECOND);
    this.targetMs = rate === Infinity ? 0 : rate > 0 ? 1000 / rate : 0;
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
    const tracers = this.tracers;
    if (tracers.length === 0) return undefined;
    const start = this.startScratch.fill(operation, request);
    if (tracers.length === 1) {
      // The usual case (one `tracing`), without the loop.
      const t = tracers[0]!;
      let s: CheckScope | undefined;
      try {
        s = t.startCheck!(start);
      } catch (e) {
        this.failed(t, 'startCheck', e);
        return undefined;
      }
      return s === undefined || s === null ? undefined : [guardScope(s, t, this)];
    }
    let scopes: CheckScope[] | undefined;
    for (const t of tracers) {
      try {
        const s = t.startCheck!(start);
        if (s !== undefined && s !== null) (scopes ??= []).push(guardScope(s, t, this));
      } catch (e) {
        this.failed(t, 'startCheck', e);
      }
    }
    return scopes;
  }

  /**
   * Whether this check is timed for metrics. Every check, while checks come slower than
   * `timingsPerSecond`; else one in `interval`, the interval following the traffic.
   */
  due(): boolean {
    return this.timing && --this.countdown <= 0;
  }

  /**
   * A timed check started at `t0` (ms): the number of checks its timing stands for. Sets the
   * interval to the next one, so that timings come about `targetMs` apart (the interval at
   * most doubles from one timing to the next, and drops at once when traffic slows).
   */
  weigh(t0: number): number {
    const weight = this.interval;
    const elapsed = t0 - this.lastTimedAt;
    this.lastTimedAt = t0;
    let next = 1;
    if (this.targetMs > 0) {
      const ideal = elapsed > 0 ? (weight * this.targetMs) / elapsed : Infinity;
      next = Math.max(1, Math.min(2 * weight, MAX_INTERVAL, Math.round(ideal)));
    }
    this.interval = next;
    this.countdown = next;
    return weight;
  }

  /** A check finished (the pipeline counted it): its record to every checker (and timed checker), and the end to every scope. */
  finish(operation: 'check' | 'checkCost', result: RateLimitResult, startTime: number, weight: number, scopes: CheckScope[] | undefined): void {
    const timed = weight > 0;
    const endTime = timed || scopes !== undefined ? preciseNow() : 0;
    // One record object, reused: checks are frequent and the hooks read it during the call.
    const record = this.scratch;
    record.operation = operation;
    record.outcome = outcomeOf(result);
    record.result = result;
    record.durationSeconds = timed ? Math.max(0, endTime - startTime) / 1000 : undefined;
    record.timingWeight = weight;
    if (timed) this.counts?.sampled(result);
    for (const c of this.checkers) {
      try {
        c.onCheck!(record);
      } catch (e) {
        this.failed(c, 'onCheck', e, result);
      }
    }
    if (timed) {
      for (const c of this.timedCheckers) {
        try {
          c.onTimedCheck!(record);
        } catch (e) {
          this.failed(c, 'onTimedCheck', e, result);
        }
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

/**
 * A check about to start; its start time is read from the clock only if a tracer asks for
 * it. One object per limiter, refilled for each check (tracers read it during the call).
 */
class Start implements CheckStart {
  private t: number | undefined = undefined;
  private request: { userId?: unknown; plan?: unknown; endpoint?: unknown } | undefined = undefined;
  operation: 'check' | 'checkCost' = 'check';
  get userId(): unknown {
    return this.request?.userId;
  }
  get plan(): unknown {
    return this.request?.plan;
  }
  get endpoint(): unknown {
    return this.request?.endpoint;
  }
  get startTime(): number {
    return (this.t ??= preciseNow());
  }
  /** The next check's (its fields are read only if a tracer asks: most checks are not sampled). */
  fill(operation: 'check' | 'checkCost', request: unknown): this {
    this.t = undefined;
    this.operation = operation;
    this.request = typeof request === 'object' && request !== null ? request : undefined;
    return this;
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
