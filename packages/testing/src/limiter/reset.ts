// Resetting a test limiter's counters between tests: all of them, one user's, or one
// endpoint's (for every user). Synchronous, so they fit `beforeEach` as they are.
import type { TestLimiter } from './test-limiter.js';

/**
 * Deletes every counter of the limiter (the test clock is left where it is: see
 * `resetTime`).
 *
 * @example
 * ```ts
 * beforeEach(() => resetLimits(limiter));
 * ```
 */
export function resetLimits<TReq>(limiter: TestLimiter<TReq>): void {
  limiter.resetNow({ all: true });
}

/**
 * Deletes one user's counters, on every endpoint.
 *
 * @example
 * ```ts
 * resetUser(limiter, 'u1');
 * await expectAllowed(limiter, { user: 'u1' });
 * ```
 */
export function resetUser<TReq>(limiter: TestLimiter<TReq>, user: string): void {
  limiter.resetNow({ userId: user });
}

/**
 * Deletes every user's counters of one endpoint (`'POST|/api/chat'`), under whichever
 * policy key it is counted in each plan (so `GET|/users/1` resets the `GET|/users/:id`
 * counters, which `/users/2` shares).
 *
 * @example
 * ```ts
 * resetEndpoint(limiter, 'POST|/api/chat');
 * ```
 */
export function resetEndpoint<TReq>(limiter: TestLimiter<TReq>, endpoint: string): void {
  limiter.resetNow({ endpoint });
}
