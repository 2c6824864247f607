// Testing guide: window resets, with the shared test clock (time moves only when the test moves it).
import { beforeEach, describe, expect, it } from 'vitest';
import { advanceTime, createTestLimiter, expectAllowed, expectBlocked, getCurrentUsage, getRemainingRequests, makeRequests, resetLimits, resetTime } from '@limitrate/testing';

const limiter = createTestLimiter({
  policies: {
    free: {
      endpoints: { 'POST|/api/chat': { rate: { maxPerMinute: 10, algorithm: 'sliding-log' } } },
      defaults: { rate: { maxPerMinute: 10 } },
    },
  },
});

beforeEach(() => {
  resetTime();
  resetLimits(limiter);
});

describe('window resets', () => {
  it('a fixed window opens again on the next minute', async () => {
    await makeRequests(limiter, 10, { user: 'alice' });
    await expectBlocked(limiter, { user: 'alice' });
    advanceTime('30 seconds');
    await expectBlocked(limiter, { user: 'alice' });
    advanceTime('30 seconds');
    await expectAllowed(limiter, { user: 'alice' });
    expect(getCurrentUsage(limiter, 'alice')).toBe(1);
    expect(getRemainingRequests(limiter, 'alice')).toBe(9);
  });

  it('an exact sliding log frees each slot a minute after its request', async () => {
    const chat = { user: 'alice', endpoint: 'POST|/api/chat' };
    await makeRequests(limiter, 5, chat);
    advanceTime('20 seconds');
    await makeRequests(limiter, 5, chat);
    await expectBlocked(limiter, chat);
    // 60 s after the first five: those five slots are free, the later five are not.
    advanceTime('40 seconds');
    const again = await makeRequests(limiter, 6, chat);
    expect([again.allowed, again.blocked]).toEqual([5, 1]);
  });
});
