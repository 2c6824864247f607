// Testing guide: snapshot tests of what a limiter holds, and the message a failed expectation gives.
import { beforeEach, describe, expect, it } from 'vitest';
import { advanceTime, createTestLimiter, expectBlocked, makeRequests, resetLimits, resetTime, snapshotLimits } from '@limitrate/testing';

const limiter = createTestLimiter({
  policies: {
    free: { rate: { maxPerMinute: 10 } },
    pro: { rate: { maxPerMinute: 100, maxTokensPerMinute: 10_000 } },
  },
});

beforeEach(() => {
  resetTime();
  resetLimits(limiter);
});

describe('snapshots', () => {
  it('shows usage per user and limit, with resets relative to the test clock', async () => {
    await makeRequests(limiter, 5, { user: 'alice', endpoint: 'POST|/api/chat' });
    advanceTime('15 seconds');
    await makeRequests(limiter, 3, { user: 'bob', plan: 'pro', tokens: 500 });
    expect(snapshotLimits(limiter)).toMatchSnapshot();
  });

  it('says what went wrong when an expectation fails', async () => {
    await makeRequests(limiter, 5, { user: 'u1', endpoint: 'POST|/api/chat' });
    await expect(expectBlocked(limiter, { user: 'u1', endpoint: 'POST|/api/chat' })).rejects.toThrow(/expected POST\|\/api\/chat for user u1 \(plan free\) to be blocked, but it was allowed: rate:1m used 6 of 10/);
  });
});
