// Reading a test limiter's state synchronously: usage and what is left for a user, and a
// snapshot of every counter for `toMatchSnapshot`.
import type { LimitStatus, LimitUnit } from '@limitrate/core';
import type { TestLimiter } from './test-limiter.js';

/**
 * Which plan to read a user's limits under (default: the plan the user was last checked
 * with, else the limiter's default plan).
 *
 * @example
 * ```ts
 * getCurrentUsage(limiter, 'u1', 'POST|/api/chat', { plan: 'pro' });
 * ```
 */
export interface StateOpts {
  plan?: string;
}

function limitsOf<TReq>(limiter: TestLimiter<TReq>, user: string, endpoint: string | undefined, opts: StateOpts): LimitStatus[] {
  return limiter.peekNow({ userId: user, plan: opts.plan ?? limiter.planOf(user), ...(endpoint === undefined ? {} : { endpoint }) }).limits;
}

/** Of the limits in `unit`, the one with the least left, which refuses first (the first on a tie: shorter windows come first). */
function tightest(limits: readonly LimitStatus[], unit: LimitUnit): LimitStatus | undefined {
  let best: LimitStatus | undefined;
  for (const l of limits) if (l.unit === unit && (best === undefined || l.remaining < best.remaining)) best = l;
  return best;
}

/**
 * Requests a user has made that count now, in the request limit with the fewest requests
 * left (with "10 a minute and 1000 a day", the minute's count while the day has room). Without
 * `endpoint`, the requests made without one (as `makeRequests` without `endpoint`). 0 when
 * no request limit applies. Counts nothing.
 *
 * @example
 * ```ts
 * await makeRequests(limiter, 5, { user: 'u1', endpoint: 'POST|/api/chat' });
 * getCurrentUsage(limiter, 'u1', 'POST|/api/chat'); // 5
 * ```
 */
export function getCurrentUsage<TReq>(limiter: TestLimiter<TReq>, user: string, endpoint?: string, opts: StateOpts = {}): number {
  return tightest(limitsOf(limiter, user, endpoint, opts), 'requests')?.used ?? 0;
}

/**
 * Requests a user may still make now (the smallest `remaining` of the request limits), or
 * Infinity when no request limit applies.
 *
 * @example
 * ```ts
 * await makeRequests(limiter, 4, { user: 'u1' });
 * getRemainingRequests(limiter, 'u1'); // 6 with maxPerMinute: 10
 * ```
 */
export function getRemainingRequests<TReq>(limiter: TestLimiter<TReq>, user: string, endpoint?: string, opts: StateOpts = {}): number {
  return tightest(limitsOf(limiter, user, endpoint, opts), 'requests')?.remaining ?? Infinity;
}

/**
 * Tokens a user may still use now under the token limits (`maxTokensPerMinute`...): the
 * smallest `remaining` of them, or Infinity when no token limit applies.
 *
 * @example
 * ```ts
 * await makeRequests(limiter, 1, { user: 'u1', tokens: 300 });
 * getRemainingTokens(limiter, 'u1'); // 700 with maxTokensPerMinute: 1000
 * ```
 */
export function getRemainingTokens<TReq>(limiter: TestLimiter<TReq>, user: string, endpoint?: string, opts: StateOpts = {}): number {
  return tightest(limitsOf(limiter, user, endpoint, opts), 'tokens')?.remaining ?? Infinity;
}

/**
 * One limit in a snapshot. Amounts are in the limit's unit (requests, tokens or dollars).
 *
 * @example
 * ```ts
 * const entry: LimitSnapshotEntry = { unit: 'requests', used: 5, limit: 10, remaining: 5, resetInSeconds: 60 };
 * ```
 */
export interface LimitSnapshotEntry {
  unit: LimitUnit;
  used: number;
  limit: number;
  remaining: number;
  /** Seconds until the limit is fully available again (relative to the test clock). */
  resetInSeconds: number;
}

/**
 * Every counter of a test limiter: by user (sorted), the plan of the user's last check and,
 * by counting scope (the policy key, or the endpoint under a plan's defaults; `*|*` for
 * requests without endpoint), each limit by id (`rate:1m`, `tokens:1h`, `cost:1d`...).
 *
 * @example
 * ```ts
 * const snapshot: LimitsSnapshot = {
 *   'test-user': { plan: 'free', endpoints: { '*|*': { 'rate:1m': { unit: 'requests', used: 5, limit: 10, remaining: 5, resetInSeconds: 60 } } } },
 * };
 * ```
 */
export type LimitsSnapshot = Record<string, { plan: string; endpoints: Record<string, Record<string, LimitSnapshotEntry>> }>;

const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The state of every user and endpoint checked through the test limiter (its helpers
 * included) since the last reset, read without counting anything: plain data in a stable
 * order, with times relative to the test clock only, so it suits `toMatchSnapshot()` and
 * stays the same from run to run.
 *
 * @example
 * ```ts
 * await makeRequests(limiter, 5, { user: 'test-user' });
 * expect(snapshotLimits(limiter)).toMatchSnapshot();
 * ```
 */
export function snapshotLimits<TReq>(limiter: TestLimiter<TReq>): LimitsSnapshot {
  const seen = limiter.seenScopes().sort((a, b) => byString(a.user, b.user) || byString(a.scope, b.scope));
  const snapshot: LimitsSnapshot = {};
  for (const s of seen) {
    const limits = limiter.peekNow({ userId: s.user, plan: s.plan, endpoint: s.endpoint }).limits;
    if (limits.length === 0) continue;
    const user = (snapshot[s.user] ??= { plan: limiter.planOf(s.user), endpoints: {} });
    const scope: Record<string, LimitSnapshotEntry> = {};
    for (const l of limits) scope[l.id] = { unit: l.unit, used: l.used, limit: l.limit, remaining: l.remaining, resetInSeconds: l.resetInSeconds };
    user.endpoints[s.scope] = scope;
  }
  return snapshot;
}
