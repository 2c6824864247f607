// The error the expect* helpers throw: a plain Error named AssertionError, with `actual` and
// `expected`, which vitest, jest and node:test all report with its message.
import type { RateLimitResult } from '@limitrate/core';

/**
 * Thrown by `expectAllowed`, `expectBlocked` and the other expect helpers when the limiter
 * decided otherwise. The message says which limit decided, its usage, limit and reset time,
 * and the request's plan, endpoint and user; `result` is the full decision.
 *
 * @example
 * ```ts
 * try {
 *   await expectBlocked(limiter, { user: 'u1' });
 * } catch (e) {
 *   if (e instanceof RateLimitAssertionError) console.log(e.actual, e.result?.limits);
 * }
 * ```
 */
export class RateLimitAssertionError extends Error {
  /** What happened: `allowed`, `blocked`, `slowed down`, `let through by dryRun`... */
  readonly actual: string;
  /** What the test expected. */
  readonly expected: string;
  /** The limiter's decision. */
  readonly result: RateLimitResult | undefined;
  /** Node's assertion code, which test runners recognise. */
  readonly code = 'ERR_ASSERTION';

  constructor(message: string, details: { actual: string; expected: string; result?: RateLimitResult }) {
    super(message);
    this.name = 'AssertionError';
    this.actual = details.actual;
    this.expected = details.expected;
    this.result = details.result;
  }
}
