// makeRequests and toRequest: requests as tests describe them, and what a batch came to
// (allowed, blocked, slowed down, let through by dryRun).
import { isLimitRateError } from '@limitrate/core';
import { afterEach, describe, expect, it } from 'vitest';
import { resetTime } from './clock.js';
import { makeRequests, toRequest } from './requests.js';
import { createTestLimiter } from './test-limiter.js';

afterEach(() => resetTime());

describe('toRequest', () => {
  it('maps helper options to a limiter request, defaulting the user', () => {
    expect(toRequest()).toEqual({ userId: 'test-user' });
    expect(toRequest({ user: 'u1', plan: 'pro', endpoint: 'POST|/api/chat', cost: 0.01, tokens: 5, ip: '203.0.113.7', raw: { id: 1 } })).toEqual({
      userId: 'u1',
      plan: 'pro',
      endpoint: 'POST|/api/chat',
      cost: 0.01,
      tokens: 5,
      ip: '203.0.113.7',
      raw: { id: 1 },
    });
    // Fields that are not request fields stay out (traffic patterns carry more).
    expect(toRequest({ user: 'u1', rate: 5, duration: '1m' } as Parameters<typeof toRequest>[0])).toEqual({ userId: 'u1' });
  });
});

describe('makeRequests', () => {
  it('sends the requests one by one and sums them up', async () => {
    const limiter = createTestLimiter({ policies: { free: { rate: { maxPerMinute: 10 } } } });
    const summary = await makeRequests(limiter, 12, { user: 'u1', endpoint: 'POST|/api/chat' });
    expect(summary).toMatchObject({ total: 12, allowed: 10, blocked: 2, slowed: 0, dryRun: 0 });
    expect(summary.results.map((r) => r.remaining)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 0, 0]);
    expect(summary.results.every((r) => r.user === 'u1' && r.endpoint === 'POST|/api/chat')).toBe(true);
    expect(await makeRequests(limiter, 0)).toEqual({ total: 0, allowed: 0, blocked: 0, slowed: 0, dryRun: 0, results: [] });
  });

  it('counts slowed-down requests as allowed and slowed, without waiting', async () => {
    const limiter = createTestLimiter({ policies: { free: { rate: { maxPerMinute: 2, actionOnExceed: 'slowdown', slowdownMs: 60_000 } } } });
    const summary = await makeRequests(limiter, 4);
    expect(summary).toMatchObject({ allowed: 4, blocked: 0, slowed: 2 });
    expect(summary.results[3]?.slowdownMs).toBe(60_000);
    expect(limiter.clock.now()).toBe(limiter.clock.now());
  });

  it('counts what dryRun let through', async () => {
    const limiter = createTestLimiter({ dryRun: true, policies: { free: { rate: { maxPerMinute: 2 } } } });
    expect(await makeRequests(limiter, 5)).toMatchObject({ allowed: 5, blocked: 0, slowed: 0, dryRun: 3 });
  });

  it('charges tokens and cost', async () => {
    const limiter = createTestLimiter({ policies: { free: { rate: { maxTokensPerMinute: 1000 }, cost: { dailyCap: 1 } } } });
    const summary = await makeRequests(limiter, 3, { tokens: 400, cost: 0.1 });
    expect(summary).toMatchObject({ allowed: 2, blocked: 1 });
    expect(summary.results[2]?.reason).toBe('token_limit_exceeded');
  });

  it.each([[-1], [1.5], [Number.NaN]])('refuses %d requests with a coded error', async (count) => {
    const limiter = createTestLimiter({ policies: { free: { rate: { maxPerMinute: 2 } } } });
    await expect(makeRequests(limiter, count)).rejects.toSatisfy((e) => isLimitRateError(e, 'ERR_LIMITRATE_INVALID_REQUEST'));
  });
});
