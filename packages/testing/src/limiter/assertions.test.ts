// The expect helpers: each resolves to the decision when the limiter decided as expected,
// and otherwise throws an AssertionError whose message names the limit that decided, its
// usage, limit and reset time, and the request's plan, endpoint and user.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RateLimitAssertionError } from './assertion-error.js';
import { expectAllowed, expectBlocked, expectCostExceeded, expectSlowedDown, expectTokenLimitExceeded } from './assertions.js';
import { advanceTime, resetTime } from './clock.js';
import { getCurrentUsage } from './state.js';
import { makeRequests } from './requests.js';
import { createTestLimiter } from './test-limiter.js';

beforeEach(() => resetTime());
afterEach(() => resetTime());

const chat = 'POST|/api/chat';

/** The error an expectation rejects with. */
async function failure(p: Promise<unknown>): Promise<RateLimitAssertionError> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RateLimitAssertionError);
  return error as RateLimitAssertionError;
}

describe('expectBlocked / expectAllowed', () => {
  const limiter = createTestLimiter({
    policies: {
      free: { endpoints: { [chat]: { rate: { maxPerMinute: 10, maxPerDay: 100 } } }, defaults: { rate: { maxPerMinute: 5 } } },
      pro: { rate: { maxPerMinute: 100 } },
    },
  });
  beforeEach(() => limiter.resetNow({ all: true }));

  it('resolve to the decision when it is as expected', async () => {
    await makeRequests(limiter, 10, { user: 'u1', endpoint: chat });
    const blocked = await expectBlocked(limiter, { user: 'u1', endpoint: chat });
    expect(blocked).toMatchObject({ allowed: false, reason: 'rate_limited', blockedBy: { id: 'rate:1m' } });
    const allowed = await expectAllowed(limiter, { user: 'u1', endpoint: chat, plan: 'pro' });
    expect(allowed).toMatchObject({ allowed: true, plan: 'pro', limit: 100 });
  });

  it('say what allowed a request that should have been blocked', async () => {
    await makeRequests(limiter, 4, { user: 'u1', endpoint: chat });
    advanceTime('18 seconds');
    const e = await failure(expectBlocked(limiter, { user: 'u1', endpoint: chat }));
    expect(e.message).toBe(
      [
        'expected POST|/api/chat for user u1 (plan free) to be blocked, but it was allowed: rate:1m used 5 of 10, resets in 42 s',
        '  other limits: rate:1d used 5 of 100, resets in 86382 s',
        '  policy: POST|/api/chat',
      ].join('\n'),
    );
    expect(e).toMatchObject({ name: 'AssertionError', actual: 'allowed', expected: 'blocked', code: 'ERR_ASSERTION' });
    expect(e.result?.user).toBe('u1');
    expect(e).toBeInstanceOf(Error);
  });

  it('say which limit blocked a request that should have been allowed, and when to retry', async () => {
    await makeRequests(limiter, 5, { user: 'someone else' });
    advanceTime('50 seconds');
    const e = await failure(expectAllowed(limiter, { user: 'someone else' }));
    expect(e.message).toBe(
      [
        'expected a request without endpoint (*|*) for user "someone else" (plan free) to be allowed, but it was blocked: rate:1m used 5 of 5, resets in 10 s, retry after 10 s',
        '  policy: defaults of plan free',
      ].join('\n'),
    );
    expect(e).toMatchObject({ actual: 'blocked', expected: 'allowed' });
  });

  it('peek without counting', async () => {
    await makeRequests(limiter, 9, { user: 'u1', endpoint: chat });
    await expectAllowed(limiter, { user: 'u1', endpoint: chat, peek: true });
    await expectAllowed(limiter, { user: 'u1', endpoint: chat, peek: true });
    expect(getCurrentUsage(limiter, 'u1', chat)).toBe(9);
    await expectAllowed(limiter, { user: 'u1', endpoint: chat });
    await expectBlocked(limiter, { user: 'u1', endpoint: chat, peek: true });
    expect(getCurrentUsage(limiter, 'u1', chat)).toBe(10);
  });

  it('explain an endpoint no policy limits', async () => {
    const open = createTestLimiter({ policies: { free: { endpoints: { [chat]: { rate: { maxPerMinute: 1 } } } } } });
    const e = await failure(expectBlocked(open, { endpoint: 'GET|/health' }));
    expect(e.message).toBe('expected GET|/health for user test-user (plan free) to be blocked, but it was allowed: no limit applies (no policy matches this endpoint)');
  });
});

describe('dry run and slowdown', () => {
  it('a dryRun limiter lets requests through; dryRun: true expects that', async () => {
    const limiter = createTestLimiter({ dryRun: true, policies: { free: { rate: { maxPerMinute: 1 } } } });
    await makeRequests(limiter, 1);
    await expectAllowed(limiter);
    const r = await expectBlocked(limiter, { dryRun: true });
    expect(r).toMatchObject({ allowed: true, dryRun: true, action: 'block' });
    const e = await failure(expectBlocked(limiter));
    expect(e.message).toMatch(/^expected a request without endpoint \(\*\|\*\) for user test-user \(plan free\) to be blocked, but it was let through by dryRun \(it would have been blocked\): rate:1m used 1 of 1/);
    expect(e.message).toContain('hint: the limiter runs with dryRun, which lets every request through; pass { dryRun: true } to expect the dry-run outcome');
    const fresh = await failure(expectBlocked(limiter, { user: 'new', dryRun: true }));
    expect(fresh.message).toMatch(/^expected .* to be let through by dryRun as one it would have blocked, but it was allowed: rate:1m used 1 of 1/);
  });

  it('expectSlowedDown, and a hint when expectBlocked meets a slowdown', async () => {
    const limiter = createTestLimiter({ policies: { free: { rate: { maxPerMinute: 1, actionOnExceed: 'slowdown', slowdownMs: 250 } } } });
    await expectAllowed(limiter);
    expect((await expectSlowedDown(limiter)).slowdownMs).toBe(250);
    const e = await failure(expectBlocked(limiter));
    expect(e.message).toContain('but it was slowed down by 250 ms: rate:1m used 3 of 1, resets in 60 s, retry after 60 s, action slowdown');
    expect(e.message).toContain("hint: the limit slows requests down instead of blocking (actionOnExceed: 'slowdown'): use expectSlowedDown");
    advanceTime('1 minute');
    const notSlowed = await failure(expectSlowedDown(limiter));
    expect(notSlowed.message).toMatch(/to be slowed down, but it was allowed: rate:1m used 1 of 1/);
    const dry = createTestLimiter({ dryRun: true, policies: { free: { rate: { maxPerMinute: 1, actionOnExceed: 'slowdown' } } } });
    await makeRequests(dry, 1);
    expect(await expectSlowedDown(dry, { dryRun: true })).toMatchObject({ dryRun: true, slowdownMs: 0 });
  });
});

describe('cost caps and token limits', () => {
  const limiter = createTestLimiter({
    policies: {
      free: {
        endpoints: { [chat]: { rate: { maxPerMinute: 100, maxTokensPerMinute: 1000 }, cost: { hourlyCap: 0.1, estimateCost: () => 0.03 } } },
        defaults: { rate: { maxPerMinute: 100 } },
      },
    },
  });
  beforeEach(() => limiter.resetNow({ all: true }));

  it('expectCostExceeded passes once the cap is reached, and names the cap otherwise', async () => {
    await makeRequests(limiter, 2, { user: 'u1', endpoint: chat });
    const e = await failure(expectCostExceeded(limiter, { user: 'u1', endpoint: chat }));
    expect(e.message.split('\n')[0]).toBe('expected POST|/api/chat for user u1 (plan free) to exceed a cost cap, but it was allowed: cost:1h used $0.09 of $0.1, resets in 3600 s');
    expect(e.message).toContain('this request was charged $0.03');
    const r = await expectCostExceeded(limiter, { user: 'u1', endpoint: chat });
    expect(r).toMatchObject({ allowed: false, reason: 'cost_exceeded' });
    // A price on the request is used instead of estimateCost.
    await expectAllowed(limiter, { user: 'u2', endpoint: chat, cost: 0.1 });
    await expectCostExceeded(limiter, { user: 'u2', endpoint: chat, cost: 0.001 });
  });

  it('expectCostExceeded where no cap applies says so', async () => {
    const e = await failure(expectCostExceeded(limiter, { user: 'u1', endpoint: 'GET|/x' }));
    expect(e.message.split('\n')[0]).toBe('expected GET|/x for user u1 (plan free) to exceed a cost cap, but it was allowed: no cost cap applies here');
  });

  it('expectTokenLimitExceeded passes when the tokens do not fit, and names the limit otherwise', async () => {
    await makeRequests(limiter, 1, { user: 'u1', endpoint: chat, tokens: 800 });
    const e = await failure(expectTokenLimitExceeded(limiter, { user: 'u1', endpoint: chat, tokens: 100 }));
    expect(e.message.split('\n')[0]).toBe('expected POST|/api/chat for user u1 (plan free) to exceed a token limit, but it was allowed: tokens:1m used 900 of 1000 tokens, resets in 60 s');
    expect(e.message).toContain('this request was charged 100 tokens and $0.03');
    const r = await expectTokenLimitExceeded(limiter, { user: 'u1', endpoint: chat, tokens: 200 });
    expect(r).toMatchObject({ allowed: false, reason: 'token_limit_exceeded', blockedBy: { id: 'tokens:1m', used: 900, limit: 1000 } });
    const bare = await failure(expectTokenLimitExceeded(limiter, { user: 'u3', endpoint: chat }));
    expect(bare.message).toContain('hint: the request carries no tokens: pass { tokens: n } to charge them');
  });

  it('a request larger than a limit is said to never pass', async () => {
    const e = await failure(expectAllowed(limiter, { user: 'u1', endpoint: chat, tokens: 5000 }));
    expect(e.message.split('\n')[0]).toBe(
      'expected POST|/api/chat for user u1 (plan free) to be allowed, but it was blocked: tokens:1m used 0 of 1000 tokens, resets in 0 s, the request alone is larger than the limit (it can never pass)',
    );
  });
});
