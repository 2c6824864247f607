// The test limiter under node:test, from ESM, against the built package: the roadmap's
// example, state and traffic, and one test that fails on purpose (its message is checked
// by ../limiter-runners.test.ts).
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import {
  advanceTime,
  createTestLimiter,
  expectAllowed,
  expectBlocked,
  expectTokenLimitExceeded,
  getRemainingTokens,
  makeRequests,
  RateLimitAssertionError,
  resetLimits,
  resetTime,
  simulateTraffic,
  snapshotLimits,
} from '@limitrate/testing';

describe('My API Rate Limits', () => {
  const limiter = createTestLimiter({
    policies: {
      free: { rate: { maxPerMinute: 10, maxTokensPerMinute: 1000 } },
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

  it('snapshots the state', async () => {
    await makeRequests(limiter, 5, { user: 'test-user', tokens: 100 });
    assert.deepEqual(snapshotLimits(limiter), {
      'test-user': {
        plan: 'free',
        endpoints: {
          '*|*': {
            'rate:1m': { unit: 'requests', used: 5, limit: 10, remaining: 5, resetInSeconds: 60 },
            'tokens:1m': { unit: 'tokens', used: 500, limit: 1000, remaining: 500, resetInSeconds: 60 },
          },
        },
      },
    });
  });

  it('counts tokens and bursts', async () => {
    await makeRequests(limiter, 2, { user: 'u1', tokens: 400 });
    assert.equal(getRemainingTokens(limiter, 'u1'), 200);
    await expectTokenLimitExceeded(limiter, { user: 'u1', tokens: 300 });
    const report = await simulateTraffic(limiter, { type: 'burst', count: 15, user: 'u2' });
    assert.deepEqual([report.allowed, report.blocked], [10, 5]);
  });

  it('rejects with an AssertionError when the limiter decided otherwise', async () => {
    await makeRequests(limiter, 10, { user: 'u1' });
    await assert.rejects(expectAllowed(limiter, { user: 'u1' }), (e) => e instanceof RateLimitAssertionError && e.name === 'AssertionError' && e.actual === 'blocked');
  });

  it('fails on purpose: a request expected to be blocked is allowed', async () => {
    await makeRequests(limiter, 4, { user: 'u1', endpoint: 'POST|/api/chat' });
    advanceTime('18 seconds');
    await expectBlocked(limiter, { user: 'u1', endpoint: 'POST|/api/chat' });
  });
});
