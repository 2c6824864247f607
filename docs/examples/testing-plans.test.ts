// Testing guide: limits per plan, with a test limiter and the request helpers.
import { beforeEach, describe, expect, it } from 'vitest';
import { createTestLimiter, expectAllowed, expectBlocked, makeRequests, resetLimits, resetTime } from '@limitrate/testing';

// The same policies as the app's (a store in the config would be ignored: tests run in memory).
const limiter = createTestLimiter({
  policies: {
    free: { rate: { maxPerMinute: 10 } },
    pro: { rate: { maxPerMinute: 100 } },
  },
});

beforeEach(() => {
  resetTime();
  resetLimits(limiter);
});

describe('limits per plan', () => {
  it('blocks a free user after 10 requests a minute', async () => {
    const sent = await makeRequests(limiter, 12, { user: 'alice', plan: 'free', endpoint: 'POST|/api/chat' });
    expect([sent.allowed, sent.blocked]).toEqual([10, 2]);
    await expectBlocked(limiter, { user: 'alice', plan: 'free', endpoint: 'POST|/api/chat' });
  });

  it('lets a pro user make 100', async () => {
    await makeRequests(limiter, 99, { user: 'bob', plan: 'pro' });
    await expectAllowed(limiter, { user: 'bob', plan: 'pro' });
    await expectBlocked(limiter, { user: 'bob', plan: 'pro' });
  });

  it('counts each user on their own', async () => {
    await makeRequests(limiter, 10, { user: 'alice', plan: 'free' });
    await expectBlocked(limiter, { user: 'alice', plan: 'free' });
    await expectAllowed(limiter, { user: 'carol', plan: 'free' });
  });
});
