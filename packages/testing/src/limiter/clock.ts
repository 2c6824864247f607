// The test clock: time that moves only when a test moves it, shared by every test limiter
// that is not given a clock of its own (so `advanceTime('1 minute')` needs no limiter).
import { RequestError, type ManualClock } from '@limitrate/core';
import { parseDuration, type Duration } from './duration.js';

/**
 * Where test clocks start: 2025-01-01T00:00:00Z, a whole day since the epoch, so every
 * fixed window (second, minute, hour, day) starts exactly there.
 *
 * @example
 * ```ts
 * resetTime();
 * currentTime() === TEST_EPOCH; // true
 * ```
 */
export const TEST_EPOCH = Date.UTC(2025, 0, 1);

/**
 * A clock that only moves when told to. Test limiters read it; `simulateTraffic` moves
 * the clock of the limiter it drives.
 *
 * @example
 * ```ts
 * const clock = createTestClock();
 * const limiter = createTestLimiter({ policies, clock }); // its own time, not the shared one
 * clock.advance('30 seconds');
 * ```
 */
export interface TestClock extends ManualClock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Move forward by a duration (`'1 minute'`, `'2h'`, or milliseconds). Never backwards: use `set`. */
  advance(duration: Duration): void;
  /** Jump to a time: milliseconds since the epoch, or a Date (backwards too). */
  set(time: number | Date): void;
  /** Back to where the clock started. */
  reset(): void;
  /** Where the clock started (and goes back to on `reset`). */
  readonly start: number;
}

function toTime(time: number | Date): number {
  const ms = time instanceof Date ? time.getTime() : time;
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    throw new RequestError(`setTime() needs a timestamp in ms or a valid Date, got ${time instanceof Date ? 'an invalid Date' : String(time)}`, "For example setTime(Date.UTC(2025, 0, 1)) or setTime(new Date('2025-01-01T12:00:00Z'))");
  }
  return ms;
}

/**
 * A new test clock, independent of the shared one (for tests that run concurrently, or a
 * limiter that must not move with `advanceTime`).
 *
 * @example
 * ```ts
 * const clock = createTestClock(Date.UTC(2030, 0, 1));
 * clock.advance('1 day');
 * new Date(clock.now()).toISOString(); // '2030-01-02T00:00:00.000Z'
 * ```
 */
export function createTestClock(start: number | Date = TEST_EPOCH): TestClock {
  const origin = toTime(start);
  let t = origin;
  return {
    start: origin,
    now: () => t,
    advance(duration: Duration) {
      if (typeof duration === 'number' && duration < 0) {
        throw new RequestError(`advanceTime() moves time forward only, got ${duration}`, 'Use setTime() to jump back in time');
      }
      t += parseDuration(duration, 'advanceTime()');
    },
    set(time: number | Date) {
      t = toTime(time);
    },
    reset() {
      t = origin;
    },
  };
}

/**
 * The clock shared by every test limiter created without a `clock`. Pass it to your own
 * code that needs the same time (`new RateLimiter({ policies, clock: testClock })`).
 *
 * @example
 * ```ts
 * advanceTime('1 minute');
 * testClock.now() - TEST_EPOCH; // 60000 (after resetTime())
 * ```
 */
export const testClock: TestClock = createTestClock();

/**
 * Moves the shared test clock forward. A number is milliseconds; strings read like
 * `'30 seconds'`, `'1 minute'`, `'2h'`, `'1h 30m'`. Anything else throws a RequestError
 * (`ERR_LIMITRATE_INVALID_REQUEST`) listing the accepted forms.
 *
 * @example
 * ```ts
 * await makeRequests(limiter, 10, { user: 'test-user' });
 * advanceTime('1 minute');
 * await expectAllowed(limiter, { user: 'test-user' });
 * ```
 */
export function advanceTime(duration: Duration): void {
  testClock.advance(duration);
}

/**
 * Sets the shared test clock to a time (ms since the epoch, or a Date), backwards too.
 * Counters keep what they hold: a window stays until the clock passes its end.
 *
 * @example
 * ```ts
 * setTime(new Date('2025-06-01T23:59:59Z'));
 * ```
 */
export function setTime(time: number | Date): void {
  testClock.set(time);
}

/**
 * Puts the shared test clock back at {@link TEST_EPOCH}. Each test file runs in its own
 * module instance under vitest, jest and node:test, so the shared clock is per file; within
 * a file, reset it (and the limiters) before each test to keep tests independent.
 *
 * @example
 * ```ts
 * beforeEach(() => {
 *   resetTime();
 *   resetLimits(limiter);
 * });
 * ```
 */
export function resetTime(): void {
  testClock.reset();
}

/**
 * The shared test clock's time, in ms since the epoch.
 *
 * @example
 * ```ts
 * const before = currentTime();
 * advanceTime('2h');
 * currentTime() - before; // 7200000
 * ```
 */
export function currentTime(): number {
  return testClock.now();
}
