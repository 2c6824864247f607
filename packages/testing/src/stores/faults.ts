// Fault injection shared by mockRedis, mockUpstash and faultyStore: latency, seeded random
// failures, hung calls, faults switched at runtime, and call counters.
import { RequestError } from '@limitrate/core';

/** A delay in ms: fixed, or drawn evenly from `[min, max]` for each call (by the seeded generator). */
export type Latency = number | { min: number; max: number };

/** How a failing call fails: at once with an error (`'error'`), or by not answering (`'timeout'`). */
export type FailureMode = 'error' | 'timeout';

/** The faults of a mock client or a faulty store. Every option can be changed later with `setFaults`. */
export interface FaultOptions {
  /** Time before each call answers, in ms (default 0: answers on the next microtask). */
  latency?: Latency;
  /** Share of calls that fail, from 0 to 1 (default 0). Which ones is decided by `seed`, so a run is repeatable. */
  failureRate?: number;
  /**
   * How a failing call fails. Without it, a failing call rejects (after the latency) as when
   * the server is down. With it, a failing call hangs: no answer for `timeout` ms, then a
   * timeout error, as a client with that command timeout gives when the server stalls;
   * `Infinity` hangs until the client or store is closed. A failing call changes nothing.
   */
  timeout?: number;
  /**
   * Seed of the generator behind `failureRate` and random latency (default: a fixed seed,
   * so every run fails the same calls; at a 1% rate its first failure is the 658th call).
   */
  seed?: number;
}

/** Calls made, for assertions. */
export interface CallCounts {
  /** Every call (commands for the mock clients, operations for faultyStore), failed or not. */
  total: number;
  /** Calls that failed with an injected error. */
  failed: number;
  /** Calls that hung (injected timeouts), whether they have timed out yet or not. */
  timedOut: number;
  /** Calls by name (`EVALSHA`, `SCAN`... for the mocks; `consume`, `reset`, `close` for faultyStore). */
  byName: Record<string, number>;
}

/**
 * Runtime controls every mock client and faulty store has.
 *
 * @example
 * ```ts
 * const redis = mockRedis({ timeout: 5000 });
 * redis.fail();            // Redis stalls: every command hangs 5 s, then times out
 * redis.fail(false);       // back to normal
 * redis.failNext(2, 'error');
 * redis.setLatency({ min: 5, max: 50 });
 * expect(redis.calls.byName.EVALSHA).toBe(3);
 * ```
 */
export interface FaultControls {
  /**
   * Make every call the faults apply to fail (`true`: the way `timeout` says; or name the
   * mode), until `fail(false)`, which goes back to `failureRate`.
   */
  fail(mode?: boolean | FailureMode): void;
  /** Make the next `count` calls the faults apply to fail (default 1), then carry on as before. */
  failNext(count?: number, mode?: FailureMode): void;
  /** Change the latency of later calls. */
  setLatency(latency: Latency): void;
  /** Change any fault option for later calls (`seed` restarts the generator). */
  setFaults(faults: FaultOptions): void;
  /** Calls so far (a snapshot). */
  readonly calls: Readonly<CallCounts>;
  /** Set the counters back to zero. */
  resetCalls(): void;
}

/** What to do with one call. */
export interface CallPlan {
  /** ms before the answer (or the error). */
  delay: number;
  /** Set when the call fails. */
  failure: FailureMode | undefined;
  /** For a timeout: ms before it rejects (`Infinity`: never). */
  hangMs: number;
}

/** The errors a failed call rejects with, in the client's own terms. */
export interface FaultErrors {
  error(): Error;
  timeout(ms: number): Error;
}

/** The default seed: its first draws are not tiny, so a low failure rate does not fail the first calls of a demo. */
const DEFAULT_SEED = 1223;

/** mulberry32: a small, fast, seeded generator of numbers in [0, 1). */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function checkLatency(who: string, latency: unknown): Latency {
  if (typeof latency === 'number' && latency >= 0 && Number.isFinite(latency)) return latency;
  if (typeof latency === 'object' && latency !== null) {
    const { min, max } = latency as { min?: unknown; max?: unknown };
    if (typeof min === 'number' && typeof max === 'number' && min >= 0 && max >= min && Number.isFinite(max)) return { min, max };
  }
  throw new RequestError(`${who} latency must be a number of ms (0 or more) or { min, max } with 0 <= min <= max, got ${JSON.stringify(latency)}`, 'Use e.g. latency: 10 or latency: { min: 5, max: 50 }');
}

function checkRate(who: string, rate: unknown): number {
  if (typeof rate === 'number' && rate >= 0 && rate <= 1) return rate;
  throw new RequestError(`${who} failureRate must be a number from 0 to 1, got ${String(rate)}`, 'Use e.g. failureRate: 0.01 for one call in a hundred');
}

function checkTimeout(who: string, timeout: unknown): number | undefined {
  if (timeout === undefined) return undefined;
  if (typeof timeout === 'number' && timeout > 0) return timeout;
  throw new RequestError(`${who} timeout must be a positive number of ms or Infinity, got ${String(timeout)}`, 'Use e.g. timeout: 5000, or Infinity for calls that never answer');
}

function checkSeed(who: string, seed: unknown): number {
  if (typeof seed === 'number' && Number.isFinite(seed)) return seed;
  throw new RequestError(`${who} seed must be a finite number, got ${String(seed)}`, 'Use any number, e.g. seed: 42');
}

/** Decides, call by call, the latency and whether the call fails; counts calls. */
export class FaultInjector implements FaultControls {
  private latency: Latency = 0;
  private failureRate = 0;
  private timeout: number | undefined;
  private failRandom: () => number = generator(DEFAULT_SEED);
  private latencyRandom: () => number = generator(~DEFAULT_SEED);
  private forced: FailureMode | undefined;
  private nextFailures: FailureMode[] = [];
  private counts: CallCounts = { total: 0, failed: 0, timedOut: 0, byName: {} };
  /** Calls hanging forever (or not yet timed out), rejected on close. */
  private readonly hung = new Set<(error: Error) => void>();
  /** The answer of the last ordered call, which the next one waits for. */
  private tail: Promise<unknown> | undefined;

  constructor(
    private readonly who: string,
    options: FaultOptions = {},
  ) {
    this.setFaults(options);
  }

  fail(mode: boolean | FailureMode = true): void {
    if (mode !== false && mode !== true && mode !== 'error' && mode !== 'timeout') {
      throw new RequestError(`${this.who}.fail() takes true, false, 'error' or 'timeout', got ${String(mode)}`, "Use fail() or fail('timeout'), and fail(false) to stop");
    }
    this.forced = mode === false ? undefined : mode === true ? this.defaultMode() : mode;
  }

  failNext(count = 1, mode?: FailureMode): void {
    if (!Number.isInteger(count) || count < 0) throw new RequestError(`${this.who}.failNext() count must be a whole number, got ${String(count)}`, 'Use e.g. failNext(3)');
    for (let i = 0; i < count; i++) this.nextFailures.push(mode ?? this.defaultMode());
  }

  setLatency(latency: Latency): void {
    this.latency = checkLatency(this.who, latency);
  }

  setFaults(faults: FaultOptions): void {
    if (typeof faults !== 'object' || faults === null) throw new RequestError(`${this.who} faults must be an object`, 'Use e.g. { latency: 10, failureRate: 0.01 }');
    const { latency, failureRate, timeout, seed } = faults;
    if (latency !== undefined) this.latency = checkLatency(this.who, latency);
    if (failureRate !== undefined) this.failureRate = checkRate(this.who, failureRate);
    if ('timeout' in faults) this.timeout = checkTimeout(this.who, timeout);
    if (seed !== undefined) {
      const s = checkSeed(this.who, seed);
      this.failRandom = generator(s);
      this.latencyRandom = generator(~s);
    }
  }

  get calls(): Readonly<CallCounts> {
    const c = this.counts;
    return { total: c.total, failed: c.failed, timedOut: c.timedOut, byName: { ...c.byName } };
  }

  resetCalls(): void {
    this.counts = { total: 0, failed: 0, timedOut: 0, byName: {} };
  }

  /** Counts a call named `name` and decides its fate (`eligible`: whether failures apply to it). */
  plan(name: string, eligible: boolean): CallPlan {
    const c = this.counts;
    c.total++;
    c.byName[name] = (c.byName[name] ?? 0) + 1;
    const delay = this.nextDelay();
    let failure: FailureMode | undefined;
    if (eligible) {
      if (this.nextFailures.length > 0) failure = this.nextFailures.shift();
      else if (this.forced !== undefined) failure = this.forced;
      else if (this.failureRate > 0 && this.failRandom() < this.failureRate) failure = this.defaultMode();
    }
    if (failure === 'error') c.failed++;
    else if (failure === 'timeout') c.timedOut++;
    return { delay, failure, hangMs: this.timeout ?? Infinity };
  }

  /**
   * Carries out a plan: runs `run` at once (unless the call fails) and answers after the
   * delay; a failed call rejects with `errors` instead. `ordered` answers come in call order
   * (one connection), whatever their latencies.
   */
  deliver<T>(plan: CallPlan, run: () => T, errors: FaultErrors, ordered = false): Promise<T> {
    if (plan.failure === 'timeout') return this.hang(plan.hangMs, errors);
    if (plan.failure === 'error') return delay(plan.delay).then(() => Promise.reject(errors.error()));
    let value: T;
    try {
      value = run();
    } catch (error) {
      return delay(plan.delay).then(() => Promise.reject(error instanceof Error ? error : new Error(String(error))));
    }
    const wait = delay(plan.delay);
    if (!ordered) return wait.then(() => value);
    const before = this.tail;
    const answered = (before === undefined ? wait : Promise.all([wait, before])).then(() => value);
    const tail = answered.then(
      () => undefined,
      () => undefined,
    );
    this.tail = tail;
    void tail.then(() => {
      if (this.tail === tail) this.tail = undefined;
    });
    return answered;
  }

  /** Rejects every hung call with `error()` (the client or store was closed). */
  releaseHung(error: () => Error): void {
    const waiting = [...this.hung];
    this.hung.clear();
    for (const reject of waiting) reject(error());
  }

  private hang<T>(ms: number, errors: FaultErrors): Promise<T> {
    return new Promise<T>((_resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const settle = (error: Error) => {
        if (timer !== undefined) clearTimeout(timer);
        this.hung.delete(settle);
        reject(error);
      };
      this.hung.add(settle);
      if (Number.isFinite(ms)) timer = setTimeout(() => settle(errors.timeout(ms)), ms);
    });
  }

  private defaultMode(): FailureMode {
    return this.timeout === undefined ? 'error' : 'timeout';
  }

  private nextDelay(): number {
    const l = this.latency;
    if (typeof l === 'number') return l;
    return l.min + this.latencyRandom() * (l.max - l.min);
  }
}

/** Resolves after `ms` (a timer, so fake timers control it); at once, on a microtask, for 0. */
export function delay(ms: number): Promise<void> {
  if (!(ms > 0)) return Promise.resolve();
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * A mock client whose faults are a FaultInjector's: the controls of {@link FaultControls},
 * passed to it. `calls` counts commands (a pipeline counts as `PIPELINE`).
 */
export abstract class FaultControlled implements FaultControls {
  protected constructor(protected readonly faults: FaultInjector) {}

  fail(mode?: boolean | FailureMode): void {
    this.faults.fail(mode);
  }

  failNext(count?: number, mode?: FailureMode): void {
    this.faults.failNext(count, mode);
  }

  setLatency(latency: Latency): void {
    this.faults.setLatency(latency);
  }

  setFaults(faults: FaultOptions): void {
    this.faults.setFaults(faults);
  }

  /** Commands sent so far, by name (`calls.byName.EVALSHA`), failed and hung ones included. */
  get calls(): Readonly<CallCounts> {
    return this.faults.calls;
  }

  resetCalls(): void {
    this.faults.resetCalls();
  }
}
