// Resets: all counters, one user's, one endpoint's; synchronous, and removing exactly what
// RateLimiter.reset removes.
import { RateLimiter, type ResetTarget } from '@limitrate/core';
import { afterEach, describe, expect, it } from 'vitest';
import { resetTime, testClock } from './clock.js';
import { makeRequests } from './requests.js';
import { resetEndpoint, resetLimits, resetUser } from './reset.js';
import { getCurrentUsage, snapshotLimits } from './state.js';
import { createTestLimiter, type TestLimiter } from './test-limiter.js';

afterEach(() => resetTime());

const policies = {
  free: {
    endpoints: { 'POST|/api/chat': { rate: { maxPerMinute: 10 } }, 'GET|/users/:id': { rate: { maxPerMinute: 10 } }, '*|/admin/*': { rate: { maxPerMinute: 10 } } },
    defaults: { rate: { maxPerMinute: 10 } },
  },
  pro: { endpoints: { 'GET|/users/*': { rate: { maxPerMinute: 100 } } }, rate: { maxPerMinute: 100 } },
};

/** The same traffic on a test limiter and on a RateLimiter (on the same clock). */
async function traffic(limiter: TestLimiter | RateLimiter): Promise<void> {
  for (const user of ['a', 'b:1', 'c d', '{x}']) {
    for (const [endpoint, plan] of [
      ['POST|/api/chat', 'free'],
      ['GET|/users/1', 'free'],
      ['GET|/users/2', 'pro'],
      ['DELETE|/admin/x', 'free'],
      [undefined, 'pro'],
      ['GET|/other', 'free'],
    ] as const) {
      await limiter.check({ userId: user, plan, ...(endpoint === undefined ? {} : { endpoint }) });
    }
  }
}

describe('resetLimits / resetUser / resetEndpoint', () => {
  it('reset everything, one user, or one endpoint for every user', async () => {
    const limiter = createTestLimiter({ policies });
    await makeRequests(limiter, 3, { user: 'u1', endpoint: 'POST|/api/chat' });
    await makeRequests(limiter, 3, { user: 'u2', endpoint: 'POST|/api/chat' });
    await makeRequests(limiter, 3, { user: 'u1', endpoint: 'GET|/users/5' });
    resetEndpoint(limiter, 'GET|/users/9');
    expect(getCurrentUsage(limiter, 'u1', 'GET|/users/5')).toBe(0);
    expect(getCurrentUsage(limiter, 'u1', 'POST|/api/chat')).toBe(3);
    expect(Object.keys(snapshotLimits(limiter).u1?.endpoints ?? {})).toEqual(['POST|/api/chat']);
    resetUser(limiter, 'u1');
    expect(getCurrentUsage(limiter, 'u1', 'POST|/api/chat')).toBe(0);
    expect(getCurrentUsage(limiter, 'u2', 'POST|/api/chat')).toBe(3);
    expect(Object.keys(snapshotLimits(limiter))).toEqual(['u2']);
    resetLimits(limiter);
    expect(getCurrentUsage(limiter, 'u2', 'POST|/api/chat')).toBe(0);
    expect(snapshotLimits(limiter)).toEqual({});
  });

  it.each<[string, ResetTarget]>([
    ['everything', { all: true }],
    ['a user', { userId: 'b:1' }],
    ['a user with odd characters', { userId: '{x}' }],
    ['an exact endpoint', { endpoint: 'POST|/api/chat' }],
    ['an endpoint under a template', { endpoint: 'GET|/users/77' }],
    ['an endpoint under a wildcard', { endpoint: 'PUT|/admin/y' }],
    ['an endpoint under defaults', { endpoint: 'GET|/other' }],
    ['requests without endpoint', { endpoint: '*' }],
    ['a path with a method', { endpoint: '/users/3', method: 'get' }],
    ['a user on an endpoint', { userId: 'c d', endpoint: 'GET|/users/1' }],
  ])('remove what RateLimiter.reset removes: %s', async (_name, target) => {
    const limiter = createTestLimiter({ policies });
    const reference = new RateLimiter({ policies, clock: testClock });
    await traffic(limiter);
    await traffic(reference);
    const removed = limiter.resetNow(target);
    expect(removed).toBe(await reference.reset(target));
    expect(removed).toBeGreaterThan(0);
    for (const user of ['a', 'b:1', 'c d', '{x}']) {
      for (const [endpoint, plan] of [
        ['POST|/api/chat', 'free'],
        ['GET|/users/1', 'free'],
        ['GET|/users/2', 'pro'],
        ['DELETE|/admin/x', 'free'],
        ['*|*', 'pro'],
        ['GET|/other', 'free'],
      ]) {
        const request = { userId: user, plan, endpoint };
        expect([user, endpoint, limiter.peekNow(request).current]).toEqual([user, endpoint, (await reference.peek(request)).current]);
      }
    }
  });

  it('remove keys as RateLimiter.reset does', async () => {
    const limiter = createTestLimiter({ policies });
    await traffic(limiter);
    const key = (await limiter.peek({ userId: 'b:1', endpoint: 'GET|/users/1' })).limits[0]!.key;
    expect(limiter.resetNow({ key: [key, 'no-such-key'] })).toBe(1);
    expect(getCurrentUsage(limiter, 'b:1', 'GET|/users/1')).toBe(0);
    expect(getCurrentUsage(limiter, 'a', 'GET|/users/1')).toBe(1);
  });

  it('the async reset forgets the same users and scopes', async () => {
    const limiter = createTestLimiter({ policies });
    await traffic(limiter);
    await limiter.reset({ endpoint: 'GET|/users/1' });
    expect(Object.values(snapshotLimits(limiter)).flatMap((u) => Object.keys(u.endpoints))).not.toContain('GET|/users/:id');
    await limiter.reset({ userId: 'a' });
    expect(Object.keys(snapshotLimits(limiter))).not.toContain('a');
    await limiter.reset({ all: true });
    expect(snapshotLimits(limiter)).toEqual({});
  });

  it('refuse a target without user, endpoint, key or all', () => {
    const limiter = createTestLimiter({ policies });
    expect(() => limiter.resetNow({} as ResetTarget)).toThrow('reset() needs userId, endpoint, key or all: true');
    expect(() => resetUser(limiter, 42 as unknown as string)).toThrow('reset() needs userId, endpoint, key or all: true');
    expect(() => resetEndpoint(limiter, 42 as unknown as string)).toThrow('reset() needs the endpoint as a string like "POST|/api/chat", got number');
  });
});
