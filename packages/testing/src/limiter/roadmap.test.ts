// The roadmap's example (ROADMAP.md, Phase 4.1) as users will copy it: one limiter shared
// by the tests, reset before each, the shared clock moved without naming a limiter.
import { beforeEach, describe, expect, it } from 'vitest';
import { advanceTime, createTestLimiter, expectAllowed, expectBlocked, makeRequests, resetLimits, snapshotLimits } from './index.js';

describe('My API Rate Limits', () => {
  const limiter = createTestLimiter({
    policies: {
      free: { rate: { maxPerMinute: 10 } },
    },
  });

  beforeEach(() => resetLimits(limiter));

  it('should block after 10 requests', async () => {
    await makeRequests(limiter, 10, {
      user: 'test-user',
      endpoint: 'POST|/api/chat',
    });

    await expectBlocked(limiter, {
      user: 'test-user',
      endpoint: 'POST|/api/chat',
    });
  });

  it('should reset after time window', async () => {
    await makeRequests(limiter, 10, { user: 'test-user' });

    advanceTime('1 minute');

    await expectAllowed(limiter, { user: 'test-user' });
  });

  it('should match snapshot', async () => {
    await makeRequests(limiter, 5, { user: 'test-user' });

    const state = snapshotLimits(limiter);
    expect(state).toMatchSnapshot();
  });
});
