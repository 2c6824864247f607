// The test limiter under jest, from CommonJS, against the built package: the roadmap's
// example, a snapshot, traffic, and one test that fails on purpose (its message is checked
// by ../limiter-runners.test.ts).
/* global require, describe, it, expect, beforeEach */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS consumer, on purpose */
const {
  createTestLimiter,
  advanceTime,
  resetTime,
  resetLimits,
  makeRequests,
  simulateTraffic,
  expectAllowed,
  expectBlocked,
  expectCostExceeded,
  getCurrentUsage,
  snapshotLimits,
  RateLimitAssertionError,
} = require('@limitrate/testing');

describe('My API Rate Limits', () => {
  const limiter = createTestLimiter({
    policies: {
      free: { rate: { maxPerMinute: 10 } },
    },
  });

  beforeEach(() => {
    resetTime();
    resetLimits(limiter);
  });

  it('should block after 10 requests', async () => {
    await makeRequests(limiter, 10, { user: 'test-user', endpoint: 'POST|/api/chat' });
    await expectBlocked(limiter, { user: 'test-user', endpoint: 'POST|/api/chat' });
  });

  it('should reset after time window', async () => {
    await makeRequests(limiter, 10, { user: 'test-user' });
    advanceTime('1 minute');
    await expectAllowed(limiter, { user: 'test-user' });
  });

  it('should match snapshot', async () => {
    await makeRequests(limiter, 5, { user: 'test-user' });
    expect(snapshotLimits(limiter)).toMatchSnapshot();
  });

  it('simulates traffic on the shared clock', async () => {
    const report = await simulateTraffic(limiter, { type: 'steady', rate: 1, duration: '2 minutes', user: 'u1' });
    expect(report).toMatchObject({ requests: 120, allowed: 20, blocked: 100 });
    // The clock stopped where a new minute begins.
    expect(getCurrentUsage(limiter, 'u1')).toBe(0);
  });

  it('rejects with an AssertionError when the limiter decided otherwise', async () => {
    const costly = createTestLimiter({ policies: { free: { cost: { hourlyCap: 0.1, estimateCost: () => 0.04 } } } });
    await makeRequests(costly, 2, { user: 'u1' });
    await expectCostExceeded(costly, { user: 'u1' });
    const error = await expectAllowed(costly, { user: 'u1' }).catch((e) => e);
    expect(error).toBeInstanceOf(RateLimitAssertionError);
    expect(error.name).toBe('AssertionError');
    expect(error.message).toMatch(/^expected a request without endpoint \(\*\|\*\) for user u1 \(plan free\) to be allowed, but it was blocked: cost:1h used \$0\.08 of \$0\.1/);
  });

  it('fails on purpose: a request expected to be blocked is allowed', async () => {
    await makeRequests(limiter, 4, { user: 'u1', endpoint: 'POST|/api/chat' });
    advanceTime('18 seconds');
    await expectBlocked(limiter, { user: 'u1', endpoint: 'POST|/api/chat' });
  });
});
