// expectAllowed, expectBlocked, expectSlowedDown, expectCostExceeded and
// expectTokenLimitExceeded: make (or peek at) one request and fail with a message a person
// can act on when the limiter decided otherwise.
import type { LimitKind, RateLimitResult } from '@limitrate/core';
import { RateLimitAssertionError } from './assertion-error.js';
import { failureMessage, outcomeText } from './format.js';
import { toRequest, type RequestOpts } from './requests.js';
import type { TestLimiter } from './test-limiter.js';

/**
 * The request to check, and how. By default the helpers make the request (it counts, as a
 * real one would); `peek: true` only looks.
 *
 * @example
 * ```ts
 * await expectBlocked(limiter, { user: 'u1', plan: 'free', endpoint: 'POST|/api/chat', peek: true });
 * ```
 */
export interface ExpectOpts<TReq = unknown> extends RequestOpts<TReq> {
  /** Decide without counting the request. */
  peek?: boolean;
  /**
   * expectBlocked / expectSlowedDown: expect what a dryRun limiter does instead (the
   * request let through, reported as one that would have been blocked or slowed).
   */
  dryRun?: boolean;
}

interface Expectation {
  /** For the message: `expected ... to <phrase>`. */
  phrase: string;
  /** For the error's `expected` field. */
  expected: string;
  pass(r: RateLimitResult): boolean;
  /** The kind of limit the message should name when none decided. */
  kind?: LimitKind;
  hint?(r: RateLimitResult): string | undefined;
}

async function expectOutcome<TReq>(limiter: TestLimiter<TReq>, opts: ExpectOpts<TReq>, e: Expectation): Promise<RateLimitResult> {
  const request = toRequest(opts);
  const r = opts.peek === true ? await limiter.peek(request) : await limiter.check(request);
  if (e.pass(r)) return r;
  const hint = e.hint?.(r);
  const message = failureMessage(e.phrase, r, e.kind) + (hint === undefined ? '' : `\n  hint: ${hint}`);
  throw new RateLimitAssertionError(message, { actual: outcomeText(r), expected: e.expected, result: r });
}

const dryRunHint = (r: RateLimitResult): string | undefined =>
  r.dryRun ? 'the limiter runs with dryRun, which lets every request through; pass { dryRun: true } to expect the dry-run outcome' : undefined;

/**
 * Makes the request (or peeks with `peek: true`) and resolves to the decision if it was
 * allowed (slowed-down, allow-and-log and dry-run requests are allowed); otherwise
 * rejects with a {@link RateLimitAssertionError} naming the limit that refused it.
 *
 * @example
 * ```ts
 * await makeRequests(limiter, 10, { user: 'test-user' });
 * advanceTime('1 minute');
 * await expectAllowed(limiter, { user: 'test-user' });
 * ```
 */
export function expectAllowed<TReq>(limiter: TestLimiter<TReq>, opts: ExpectOpts<TReq> = {}): Promise<RateLimitResult> {
  return expectOutcome(limiter, opts, { phrase: 'be allowed', expected: 'allowed', pass: (r) => r.allowed });
}

/**
 * Makes the request (or peeks) and resolves to the decision if it was refused; otherwise
 * rejects with a message such as `expected POST|/api/chat for user u1 (plan free) to be
 * blocked, but it was allowed: rate:1m used 5 of 10, resets in 42 s`. With `dryRun: true`
 * it expects a dryRun limiter's "would have blocked" instead.
 *
 * @example
 * ```ts
 * await makeRequests(limiter, 10, { user: 'test-user', endpoint: 'POST|/api/chat' });
 * await expectBlocked(limiter, { user: 'test-user', endpoint: 'POST|/api/chat' });
 * ```
 */
export function expectBlocked<TReq>(limiter: TestLimiter<TReq>, opts: ExpectOpts<TReq> = {}): Promise<RateLimitResult> {
  const dry = opts.dryRun === true;
  return expectOutcome(limiter, opts, {
    phrase: dry ? 'be let through by dryRun as one it would have blocked' : 'be blocked',
    expected: dry ? 'let through by dryRun (it would have been blocked)' : 'blocked',
    pass: (r) => (dry ? r.dryRun && r.action === 'block' : !r.allowed),
    hint: (r) => (dry ? undefined : (dryRunHint(r) ?? (r.action === 'slowdown' ? "the limit slows requests down instead of blocking (actionOnExceed: 'slowdown'): use expectSlowedDown" : undefined))),
  });
}

/**
 * Makes the request (or peeks) and resolves to the decision if a `slowdown` limit slowed
 * it (`result.slowdownMs` says by how much); with `dryRun: true`, if dryRun let it through
 * instead.
 *
 * @example
 * ```ts
 * const limiter = createTestLimiter({ policies: { free: { rate: { maxPerMinute: 2, actionOnExceed: 'slowdown', slowdownMs: 300 } } } });
 * await makeRequests(limiter, 2, { user: 'u1' });
 * const r = await expectSlowedDown(limiter, { user: 'u1' });
 * r.slowdownMs; // 300
 * ```
 */
export function expectSlowedDown<TReq>(limiter: TestLimiter<TReq>, opts: ExpectOpts<TReq> = {}): Promise<RateLimitResult> {
  const dry = opts.dryRun === true;
  return expectOutcome(limiter, opts, {
    phrase: dry ? 'be let through by dryRun as one it would have slowed down' : 'be slowed down',
    expected: dry ? 'let through by dryRun (it would have been slowed down)' : 'slowed down',
    pass: (r) => r.action === 'slowdown' && r.dryRun === dry,
    hint: (r) => (dry ? undefined : dryRunHint(r)),
  });
}

/**
 * Makes the request (or peeks) and resolves to the decision if a cost cap (`hourlyCap`,
 * `dailyCap`) was exceeded, whatever the action; otherwise rejects naming the cap and the
 * spend so far. The request's `cost` is its price, else the rule's `estimateCost` runs.
 *
 * @example
 * ```ts
 * const limiter = createTestLimiter({ policies: { free: { cost: { hourlyCap: 0.1, estimateCost: () => 0.03 } } } });
 * await makeRequests(limiter, 3, { user: 'u1' });
 * await expectCostExceeded(limiter, { user: 'u1' });
 * ```
 */
export function expectCostExceeded<TReq>(limiter: TestLimiter<TReq>, opts: ExpectOpts<TReq> = {}): Promise<RateLimitResult> {
  return expectOutcome(limiter, opts, {
    phrase: 'exceed a cost cap',
    expected: 'cost cap exceeded',
    kind: 'cost',
    pass: (r) => r.limits.some((l) => l.kind === 'cost' && l.exceeded),
  });
}

/**
 * Makes the request (or peeks) and resolves to the decision if a token limit
 * (`maxTokensPerMinute`...) was exceeded; otherwise rejects naming the limit and the
 * tokens used so far. Pass the request's `tokens`.
 *
 * @example
 * ```ts
 * const limiter = createTestLimiter({ policies: { free: { rate: { maxTokensPerMinute: 1000 } } } });
 * await makeRequests(limiter, 1, { user: 'u1', tokens: 800 });
 * await expectTokenLimitExceeded(limiter, { user: 'u1', tokens: 300 });
 * ```
 */
export function expectTokenLimitExceeded<TReq>(limiter: TestLimiter<TReq>, opts: ExpectOpts<TReq> = {}): Promise<RateLimitResult> {
  return expectOutcome(limiter, opts, {
    phrase: 'exceed a token limit',
    expected: 'token limit exceeded',
    kind: 'tokens',
    pass: (r) => r.limits.some((l) => l.kind === 'tokens' && l.exceeded),
    hint: (r) => (opts.tokens === undefined && r.limits.some((l) => l.kind === 'tokens') ? 'the request carries no tokens: pass { tokens: n } to charge them' : undefined),
  });
}
