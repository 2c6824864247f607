// Reading state: usage and what is left, synchronously and without counting, and snapshots
// that are plain, ordered and free of absolute times.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { advanceTime, createTestClock, resetTime, setTime } from './clock.js';
import { makeRequests } from './requests.js';
import { getCurrentUsage, getRemainingRequests, getRemainingTokens, snapshotLimits } from './state.js';
import { createTestLimiter } from './test-limiter.js';

beforeEach(() => resetTime());
afterEach(() => resetTime());

const chat = 'POST|/api/chat';
const policies = {
  free: {
    endpoints: {
      [chat]: { rate: { maxPerMinute: 10, maxPerDay: 50, maxTokensPerMinute: 1000, maxTokensPerDay: 5000 }, cost: { dailyCap: 1 } },
      'GET|/users/:id': { rate: { maxPerSecond: 2 } },
      'GET|/health': {},
    },
    defaults: { rate: { maxPerMinute: 20 } },
  },
  pro: { rate: { maxPerMinute: 100 } },
};

describe('getCurrentUsage / getRemainingRequests / getRemainingTokens', () => {
  it('read the limit closest to running out, counting nothing', async () => {
    const limiter = createTestLimiter({ policies });
    expect(getCurrentUsage(limiter, 'u1', chat)).toBe(0);
    expect(getRemainingRequests(limiter, 'u1', chat)).toBe(10);
    expect(getRemainingTokens(limiter, 'u1', chat)).toBe(1000);
    await makeRequests(limiter, 4, { user: 'u1', endpoint: chat, tokens: 150 });
    expect(getCurrentUsage(limiter, 'u1', chat)).toBe(4);
    expect(getCurrentUsage(limiter, 'u1', chat)).toBe(4);
    expect(getRemainingRequests(limiter, 'u1', chat)).toBe(6);
    expect(getRemainingTokens(limiter, 'u1', chat)).toBe(400);
    // A minute later the minute's counters are empty; the day's are not.
    advanceTime('1 minute');
    expect(getCurrentUsage(limiter, 'u1', chat)).toBe(0);
    expect(getRemainingRequests(limiter, 'u1', chat)).toBe(10);
    expect(getRemainingTokens(limiter, 'u1', chat)).toBe(1000);
    await makeRequests(limiter, 12, { user: 'u1', endpoint: chat, tokens: 50 });
    expect(getCurrentUsage(limiter, 'u1', chat)).toBe(10);
    expect(getRemainingRequests(limiter, 'u1', chat)).toBe(0);
    expect(getRemainingTokens(limiter, 'u1', chat)).toBe(500);
    // Later the day's limit has the fewest requests left, and is the one read.
    for (const n of [10, 10, 8]) {
      advanceTime('1 minute');
      await makeRequests(limiter, n, { user: 'u1', endpoint: chat, tokens: 100 });
    }
    expect(getCurrentUsage(limiter, 'u1', chat)).toBe(8);
    expect(getRemainingRequests(limiter, 'u1', chat)).toBe(2);
    advanceTime('1 minute');
    expect(getCurrentUsage(limiter, 'u1', chat)).toBe(42);
    expect(getRemainingRequests(limiter, 'u1', chat)).toBe(8);
    expect(getRemainingTokens(limiter, 'u1', chat)).toBe(1000);
  });

  it('without endpoint, read what requests without endpoint use; per endpoint otherwise', async () => {
    const limiter = createTestLimiter({ policies });
    await makeRequests(limiter, 3, { user: 'u1' });
    await makeRequests(limiter, 2, { user: 'u1', endpoint: 'GET|/users/1' });
    await makeRequests(limiter, 1, { user: 'u1', endpoint: 'GET|/users/2' });
    expect(getCurrentUsage(limiter, 'u1')).toBe(3);
    expect(getCurrentUsage(limiter, 'u1', 'GET|/users/7')).toBe(2);
    expect(getRemainingRequests(limiter, 'u1', 'GET|/users/7')).toBe(0);
    expect(getCurrentUsage(limiter, 'u2')).toBe(0);
    // No request or token limit: nothing used, nothing counted.
    expect(getCurrentUsage(limiter, 'u1', 'GET|/health')).toBe(0);
    expect(getRemainingRequests(limiter, 'u1', 'GET|/health')).toBe(Infinity);
    expect(getRemainingTokens(limiter, 'u1')).toBe(Infinity);
  });

  it("read under the user's last plan, or the plan asked for", async () => {
    const limiter = createTestLimiter({ policies });
    await makeRequests(limiter, 30, { user: 'u1', plan: 'pro' });
    expect(getCurrentUsage(limiter, 'u1')).toBe(30);
    expect(getRemainingRequests(limiter, 'u1')).toBe(70);
    expect(getRemainingRequests(limiter, 'u1', undefined, { plan: 'free' })).toBe(0);
    expect(getRemainingRequests(limiter, 'u2')).toBe(20);
  });
});

describe('snapshotLimits', () => {
  it('lists every user and scope, sorted, as plain data', async () => {
    const limiter = createTestLimiter({ policies });
    await makeRequests(limiter, 2, { user: 'zoe', endpoint: 'GET|/users/1' });
    await makeRequests(limiter, 1, { user: 'zoe', endpoint: 'GET|/users/2' });
    await makeRequests(limiter, 3, { user: 'adam', endpoint: chat, tokens: 100, cost: 0.25 });
    await makeRequests(limiter, 1, { user: 'adam', endpoint: 'GET|/health' });
    await makeRequests(limiter, 5, { user: 'bo', plan: 'pro' });
    advanceTime('15 seconds');
    const snapshot = snapshotLimits(limiter);
    expect(snapshot).toEqual({
      adam: {
        plan: 'free',
        endpoints: {
          [chat]: {
            'rate:1m': { unit: 'requests', used: 3, limit: 10, remaining: 7, resetInSeconds: 45 },
            'rate:1d': { unit: 'requests', used: 3, limit: 50, remaining: 47, resetInSeconds: 86_385 },
            'tokens:1m': { unit: 'tokens', used: 300, limit: 1000, remaining: 700, resetInSeconds: 45 },
            'tokens:1d': { unit: 'tokens', used: 300, limit: 5000, remaining: 4700, resetInSeconds: 86_385 },
            'cost:1d': { unit: 'usd', used: 0.75, limit: 1, remaining: 0.25, resetInSeconds: 86_385 },
          },
        },
      },
      bo: { plan: 'pro', endpoints: { '*|*': { 'rate:1m': { unit: 'requests', used: 5, limit: 100, remaining: 95, resetInSeconds: 45 } } } },
      zoe: { plan: 'free', endpoints: { 'GET|/users/:id': { 'rate:1s': { unit: 'requests', used: 0, limit: 2, remaining: 2, resetInSeconds: 0 } } } },
    });
    expect(Object.keys(snapshot)).toEqual(['adam', 'bo', 'zoe']);
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
    // Reading it counted nothing.
    expect(snapshotLimits(limiter)).toEqual(snapshot);
  });

  it('is the same whatever the clock says, and empty after a reset', async () => {
    const take = async (start: number) => {
      const clock = createTestClock(start);
      const limiter = createTestLimiter({ policies, clock });
      await makeRequests(limiter, 4, { user: 'u', endpoint: chat });
      clock.advance('10 seconds');
      const snapshot = snapshotLimits(limiter);
      limiter.resetNow({ all: true });
      expect(snapshotLimits(limiter)).toEqual({});
      return snapshot;
    };
    setTime(Date.UTC(2031, 5, 1));
    expect(await take(Date.UTC(2025, 0, 1))).toEqual(await take(Date.UTC(2040, 2, 3)));
  });

  it('shows users under their counting scope, once', async () => {
    const limiter = createTestLimiter({ policies });
    await makeRequests(limiter, 1, { user: 'u', endpoint: 'GET|/users/1' });
    await makeRequests(limiter, 1, { user: 'u', endpoint: 'GET|/users/2' });
    expect(Object.keys(snapshotLimits(limiter).u?.endpoints ?? {})).toEqual(['GET|/users/:id']);
    expect(snapshotLimits(limiter).u?.endpoints['GET|/users/:id']?.['rate:1s']?.used).toBe(2);
  });
});
