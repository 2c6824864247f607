// Shared types of the six rate-limiting algorithms: their parameters, their numeric state
// and the kernel contract that the memory store (and, in Lua, the Redis store) implements.

/** The six algorithms, selectable per rule with `algorithm`. */
export type AlgorithmName = 'fixed-window' | 'sliding-window' | 'sliding-log' | 'token-bucket' | 'leaky-bucket' | 'gcra';

/** Every algorithm name, in a stable order (the index + 1 is the algorithm's store tag). */
export const ALGORITHMS: readonly AlgorithmName[] = [
  'fixed-window',
  'sliding-window',
  'sliding-log',
  'token-bucket',
  'leaky-bucket',
  'gcra',
];

/** `limit` units per `windowMs` (fixed-window, sliding-window, sliding-log). */
export interface WindowParams {
  /** Units admitted per window (a positive integer). */
  limit: number;
  /** Window length in milliseconds. */
  windowMs: number;
}

/** A bucket of `capacity` tokens refilled at `refillRate` tokens per second. */
export interface TokenBucketParams {
  capacity: number;
  /** Tokens added per second (may be fractional, e.g. 0.1 = one token every 10 s). */
  refillRate: number;
  /** Tokens a new bucket starts with (default: `capacity`). */
  initialTokens?: number;
}

/** A bucket that holds at most `capacity` units and drains `leakRate` units per second. */
export interface LeakyBucketParams {
  capacity: number;
  /** Units drained per second. */
  leakRate: number;
}

/** Generic cell rate: `limit` units per `windowMs`, evenly spaced, with bursts of up to `burst` units. */
export interface GcraParams {
  limit: number;
  windowMs: number;
  /** Most units admitted at once (default: `limit`). `1` means strictly evenly spaced requests. */
  burst?: number;
}

/** An algorithm together with its parameters: what a store needs to decide one limit. */
export type AlgorithmSpec =
  | ({ algorithm: 'fixed-window' } & WindowParams)
  | ({ algorithm: 'sliding-window' } & WindowParams)
  | ({ algorithm: 'sliding-log' } & WindowParams)
  | ({ algorithm: 'token-bucket' } & TokenBucketParams)
  | ({ algorithm: 'leaky-bucket' } & LeakyBucketParams)
  | ({ algorithm: 'gcra' } & GcraParams);

/**
 * What an algorithm reports for one call.
 * `retryAfterMs` is 0 when allowed, the wait before the same cost would be admitted when
 * not, and -1 when the cost is larger than the limit can ever admit.
 */
export interface AlgorithmResult<S> {
  /**
   * State to keep: the new state when allowed; the previous state, unchanged, when not
   * (`undefined` if there was none, except for kernels whose new state depends on time).
   */
  state: S | undefined;
  allowed: boolean;
  /** Whole units left after this call. */
  remaining: number;
  /**
   * Units in use after this call: `limit - remaining` while within the limit; the real
   * (rounded) usage when it is beyond the limit (after a forced charge, or when the clock
   * stepped back under a weighted or bucket algorithm).
   */
  used: number;
  /** Capacity in units. */
  limit: number;
  /** Milliseconds until the limit is fully available again. */
  resetMs: number;
  retryAfterMs: number;
}

/**
 * Scratch space a kernel writes into. Reused across calls by stores, so kernels allocate
 * nothing on the hot path.
 */
export interface Scratch {
  /** Next state (the first `width` slots). */
  readonly next: Float64Array;
  allowed: boolean;
  retryAfterMs: number;
  /**
   * Units in use at `now` (fractional for buckets and estimates): before the cost after
   * `apply`, of the inspected state after `inspect`.
   */
  used: number;
  /** After `apply`: units in use in the next state. */
  usedNext: number;
  /** After `apply`: the limit's capacity in units (what `capacity(p)` returns). */
  limit: number;
  /** Ms until fully available: of the next state after `apply`, of the inspected one after `inspect`. */
  resetMs: number;
  /** Absolute time (ms) after which the state (next / inspected) equals no state at all. */
  expiresAt: number;
}

/** Creates scratch space for kernels. */
export function createScratch(): Scratch {
  return { next: new Float64Array(3), allowed: false, retryAfterMs: 0, used: 0, usedNext: 0, limit: 0, resetMs: 0, expiresAt: 0 };
}

/**
 * A fixed-width algorithm (everything but sliding-log): its state is at most three numbers.
 * Both methods are pure: they read only their arguments and write only to `out`.
 */
export interface Kernel<P> {
  readonly name: AlgorithmName;
  /** Number of state slots used (1..3). */
  readonly width: number;
  /** Capacity in units. */
  capacity(p: P): number;
  /**
   * Apply `cost` units at `now` to the state held in `cur[off..off+width)` (`has` false means
   * no state yet). Writes the next state to `out.next`; the decision to `out.allowed` and
   * `out.retryAfterMs`; the usage before the call to `out.used`; and the next state's usage,
   * reset time and expiry to `out.usedNext`, `out.resetMs`, `out.expiresAt`, and the
   * capacity to `out.limit` (so a store that commits needs no second call). A negative cost is a refund of units charged at `at`.
   */
  apply(cur: Float64Array, off: number, has: boolean, now: number, p: P, cost: number, at: number, out: Scratch): void;
  /**
   * True when a new state depends on when it was created (a token bucket that starts with
   * fewer tokens than its capacity). Stores then keep the state from the first call that
   * sees it, even a refused one, so that refilling starts at first contact.
   */
  freshDependsOnTime?(p: P): boolean;
  /** Describe the state at `now`: writes `out.used`, `out.resetMs` and `out.expiresAt`. */
  inspect(cur: Float64Array, off: number, has: boolean, now: number, p: P, out: Scratch): void;
}

/** Tolerance for floating-point comparisons of fractional units (buckets, weighted windows). */
export const EPSILON = 1e-9;

/**
 * Whole milliseconds to wait for `ms` (fractional), rounded up, forgiving `toleranceMs` of
 * floating-point noise (the time the admission tolerance EPSILON is worth at the
 * algorithm's rate) so the wait is neither 1 ms too long nor ever too short. At least 1.
 */
export function waitMs(ms: number, toleranceMs: number): number {
  const w = Math.ceil(ms - toleranceMs);
  return w > 1 ? w : 1;
}

/** Units a call must find room for: its cost, or one unit for a zero-cost probe. */
export function needed(cost: number): number {
  return cost > 0 ? cost : 1;
}

/**
 * Whole units in use: `limit - remaining` (pass `wholeRemaining(limit, used)`) while
 * within the limit, and the real (rounded) usage beyond it, e.g. after a forced charge.
 */
export function wholeUsed(limit: number, used: number, remaining: number): number {
  return used > limit + EPSILON ? Math.max(limit, Math.round(used)) : limit - remaining;
}

/** Whole units left, tolerant of floating-point noise, never negative. */
export function wholeRemaining(limit: number, used: number): number {
  const r = Math.floor(limit - used + EPSILON);
  return r > 0 ? r : 0;
}
