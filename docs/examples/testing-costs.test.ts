// Testing guide: AI cost caps and token limits, with the amounts given per request.
import { beforeEach, describe, expect, it } from 'vitest';
import { advanceTime, createTestLimiter, expectAllowed, expectCostExceeded, expectTokenLimitExceeded, getRemainingTokens, makeRequests, resetLimits, resetTime } from '@limitrate/testing';

const limiter = createTestLimiter({
  policies: {
    free: {
      rate: { maxPerMinute: 100, maxTokensPerMinute: 1000 },
      cost: { hourlyCap: 0.05 },
    },
  },
});

beforeEach(() => {
  resetTime();
  resetLimits(limiter);
});

describe('cost caps and tokens', () => {
  it('refuses a request that would take the hour past $0.05, until the next hour', async () => {
    await makeRequests(limiter, 2, { user: 'alice', cost: 0.02 });
    await expectCostExceeded(limiter, { user: 'alice', cost: 0.02 });
    // A cheaper request still fits under the cap.
    await expectAllowed(limiter, { user: 'alice', cost: 0.01 });
    advanceTime('1 hour');
    await expectAllowed(limiter, { user: 'alice', cost: 0.02 });
  });

  it('counts tokens against the per-minute token limit', async () => {
    await makeRequests(limiter, 1, { user: 'bob', tokens: 900 });
    expect(getRemainingTokens(limiter, 'bob')).toBe(100);
    await expectTokenLimitExceeded(limiter, { user: 'bob', tokens: 200 });
    await expectAllowed(limiter, { user: 'bob', tokens: 100 });
  });
});
