// The one place core reads the wall clock. Everything else takes a `Clock` so tests can
// inject time and remote stores can use their server's time instead.

/** A source of the current time in milliseconds since the Unix epoch. */
export interface Clock {
  now(): number;
}

/**
 * The real clock (`Date.now()`).
 *
 * @example
 * ```ts
 * const limiter = new RateLimiter({ policies, clock: systemClock });
 * ```
 */
export const systemClock: Clock = { now: () => Date.now() };

/**
 * Milliseconds since the epoch with sub-millisecond precision (`performance`, a Web-standard
 * global), for measuring how long things take: check and store timings for metrics and
 * tracing. Never used to decide anything (the `Clock` does that).
 */
export function preciseNow(): number {
  if (typeof performance !== 'object' || performance === null) return Date.now();
  origin ??= typeof performance.timeOrigin === 'number' ? performance.timeOrigin : Date.now() - performance.now();
  return origin + performance.now();
}

/** `performance.timeOrigin` (or its estimate where a runtime lacks it), read once. */
let origin: number | undefined;

/**
 * A clock that only moves when told to: for tests and simulations.
 *
 * @example
 * ```ts
 * const clock = manualClock(0);
 * const limiter = new RateLimiter({ policies, clock });
 * clock.advance(60_000); // one minute later
 * ```
 */
export interface ManualClock extends Clock {
  /** Move time forward (or backward, with a negative value) by `ms`. */
  advance(ms: number): void;
  /** Jump to an absolute time. */
  set(ms: number): void;
}

export function manualClock(start = 0): ManualClock {
  let t = start;
  return {
    now: () => t,
    advance(ms: number) {
      t += ms;
    },
    set(ms: number) {
      t = ms;
    },
  };
}
