// Requests as tests describe them ({ user, plan, endpoint, cost, tokens }) and makeRequests,
// which sends a number of them and sums up what happened.
import { RequestError, type RateLimitRequest, type RateLimitResult } from '@limitrate/core';
import type { TestLimiter } from './test-limiter.js';

/**
 * The user of helper requests that name none.
 *
 * @example
 * ```ts
 * await makeRequests(limiter, 3);
 * getCurrentUsage(limiter, DEFAULT_TEST_USER); // 3
 * ```
 */
export const DEFAULT_TEST_USER = 'test-user';

/** The RequestOpts fields a request carries as they are (`user` becomes `userId`). */
const REQUEST_FIELDS = ['plan', 'endpoint', 'method', 'cost', 'tokens', 'ip', 'orgId', 'teamId', 'region', 'metadata', 'raw'] as const;

/**
 * A request as the helpers take it. Every field is optional: the user defaults to
 * `'test-user'`, the plan to the limiter's default plan, and without `endpoint` the request
 * counts under the plan's defaults (as `*|*`).
 *
 * @example
 * ```ts
 * const opts: RequestOpts = { user: 'u1', plan: 'pro', endpoint: 'POST|/api/chat', tokens: 1200, cost: 0.002 };
 * ```
 */
export interface RequestOpts<TReq = unknown> {
  user?: string;
  plan?: string;
  /** `'METHOD|/path'`, or a path with `method`. */
  endpoint?: string;
  method?: string;
  /** Dollars this request costs (otherwise the rule's estimateCost runs). */
  cost?: number;
  /** Tokens this request uses, for token limits. */
  tokens?: number;
  ip?: string;
  orgId?: string;
  teamId?: string;
  region?: string;
  metadata?: Record<string, unknown>;
  /** Handed to estimateCost and getUserOverride, as a framework's request would be. */
  raw?: TReq;
}

/**
 * What a batch of requests came to. `allowed + blocked` is every request; `slowed` and
 * `dryRun` count allowed requests that were slowed down, or let through by dryRun.
 *
 * @example
 * ```ts
 * const { allowed, blocked } = await makeRequests(limiter, 12, { user: 'u1' });
 * // allowed === 10, blocked === 2 with maxPerMinute: 10
 * ```
 */
export interface RequestSummary {
  total: number;
  allowed: number;
  blocked: number;
  slowed: number;
  /** Let through by dryRun although a limit would have blocked or slowed them. */
  dryRun: number;
  /** Each request's result, in order. */
  results: RateLimitResult[];
}

/**
 * The limiter's request for helper options.
 *
 * @example
 * ```ts
 * toRequest({ user: 'u1', endpoint: 'POST|/api/chat' }); // { userId: 'u1', endpoint: 'POST|/api/chat' }
 * ```
 */
export function toRequest<TReq>(opts: RequestOpts<TReq> = {}): RateLimitRequest<TReq> {
  const request: RateLimitRequest<TReq> = { userId: opts.user ?? DEFAULT_TEST_USER };
  const fields = request as unknown as Record<string, unknown>;
  const from = opts as Record<string, unknown>;
  for (const key of REQUEST_FIELDS) if (from[key] !== undefined) fields[key] = from[key];
  return request;
}


/** How a result counts: blocked, slowed down, or allowed. */
export function classify(r: RateLimitResult): 'allowed' | 'blocked' | 'slowed' {
  if (!r.allowed) return 'blocked';
  return r.action === 'slowdown' && !r.dryRun ? 'slowed' : 'allowed';
}

/** Adds a result to running totals. */
export function tally(into: { allowed: number; blocked: number; slowed: number }, r: RateLimitResult): void {
  const outcome = classify(r);
  if (outcome === 'blocked') into.blocked++;
  else {
    into.allowed++;
    if (outcome === 'slowed') into.slowed++;
  }
}

/**
 * Sends `count` identical requests, one after another, at the current test time (the
 * clock does not move, and slowdowns are reported, not waited for).
 *
 * @example
 * ```ts
 * await makeRequests(limiter, 10, { user: 'test-user', endpoint: 'POST|/api/chat' });
 * const summary = await makeRequests(limiter, 5, { user: 'test-user', tokens: 500 });
 * expect(summary.blocked).toBe(5);
 * ```
 */
export async function makeRequests<TReq>(limiter: TestLimiter<TReq>, count: number, opts: RequestOpts<TReq> = {}): Promise<RequestSummary> {
  if (!Number.isInteger(count) || count < 0) {
    throw new RequestError(`makeRequests() needs a whole number of requests >= 0, got ${String(count)}`, 'For example makeRequests(limiter, 10, { user: "u1" })');
  }
  const request = toRequest(opts);
  const summary: RequestSummary = { total: count, allowed: 0, blocked: 0, slowed: 0, dryRun: 0, results: [] };
  for (let i = 0; i < count; i++) {
    const r = await limiter.check({ ...request });
    tally(summary, r);
    if (r.dryRun) summary.dryRun++;
    summary.results.push(r);
  }
  return summary;
}
