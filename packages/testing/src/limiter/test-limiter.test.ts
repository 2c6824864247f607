// TestLimiter: takes what the HTTP adapters take (and refuses what they refuse), decides
// like a RateLimiter, peeks synchronously with the same limits, and closes cleanly.
import { ConfigError, isLimitRateError, RateLimiter, type HttpLimiterOptions, type LimitRateEvent, type UserOverride } from '@limitrate/core';
import { afterEach, describe, expect, it } from 'vitest';
import { advanceTime, resetTime, testClock } from './clock.js';
import { createTestLimiter, TestLimiter } from './test-limiter.js';

afterEach(() => resetTime());

const chat = 'POST|/api/chat';

describe('createTestLimiter: configuration', () => {
  it('accepts a whole adapter configuration, adapter-only options included', async () => {
    interface Req {
      user?: { id: string; plan: string };
      ip: string;
    }
    const config: HttpLimiterOptions<Req, { statusCode: number }> = {
      store: { type: 'redis', url: 'redis://127.0.0.1:1' },
      identifyUser: (req) => req.user?.id ?? req.ip,
      identifyPlan: (req) => req.user?.plan ?? 'free',
      trustProxy: true,
      ipAllowlist: ['10.0.0.0/8'],
      ipBlocklist: ['203.0.113.0/24'],
      headers: 'both',
      upgradeHint: 'Upgrade to Pro',
      skip: () => false,
      skipFailedRequests: true,
      identifyTokenUsage: () => 10,
      extractTokenUsage: (res) => res.statusCode,
      webhookUrl: 'https://hooks.example.com/limitrate',
      callbackTimeoutMs: 500,
      onStoreError: 'block',
      policies: {
        free: { endpoints: { [chat]: { rate: { maxPerMinute: 2 }, concurrency: { max: 1 } } }, defaults: { rate: { maxPerMinute: 60 } } },
        pro: { rate: { maxPerMinute: 600 } },
      },
    };
    const limiter = createTestLimiter(config);
    expect(limiter).toBeInstanceOf(TestLimiter);
    expect(limiter.limiter).toBeInstanceOf(RateLimiter);
    // The memory store, whatever the config said.
    expect(limiter.store.name).toBe('memory');
    expect((await limiter.check({ userId: 'u', endpoint: chat })).allowed).toBe(true);
    expect((await limiter.check({ userId: 'u', endpoint: chat })).allowed).toBe(true);
    expect((await limiter.check({ userId: 'u', endpoint: chat })).allowed).toBe(false);
    expect((await limiter.check({ userId: 'u', endpoint: chat, plan: 'pro' })).limit).toBe(600);
  });

  it('refuses what the adapters refuse, with every problem and its path', () => {
    let error: unknown;
    try {
      createTestLimiter({ policies: { free: { rate: { maxPerMinute: -1 } } }, trustProxy: 'yes' as unknown as boolean, smart: true } as HttpLimiterOptions<unknown>);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const paths = (error as ConfigError).issues.map((i) => i.path);
    expect(paths).toContain('policies.free.rate.maxPerMinute');
    expect(paths).toContain('smart');
    expect(() => createTestLimiter(undefined as unknown as HttpLimiterOptions<unknown>)).toThrow(ConfigError);
  });

  it('runs on the shared clock and emits events', async () => {
    const events: LimitRateEvent[] = [];
    const limiter = createTestLimiter({ policies: { free: { rate: { maxPerMinute: 1 } } }, onEvent: (e) => void events.push(e) });
    await limiter.check({ userId: 'u' });
    await limiter.check({ userId: 'u' });
    await limiter.limiter.events.flush();
    expect(events.map((e) => [e.type, e.timestamp])).toEqual([
      ['allowed', testClock.now()],
      ['rate_exceeded', testClock.now()],
    ]);
    expect(limiter.events).toBe(limiter.limiter.events);
    expect(limiter.defaultPlan).toBe('free');
  });
});

describe('TestLimiter: checks', () => {
  const policies = {
    free: {
      endpoints: { [chat]: { rate: { maxPerMinute: 3, maxTokensPerMinute: 1000 }, cost: { hourlyCap: 0.1, estimateCost: () => 0.02 } } },
      defaults: { rate: { maxPerMinute: 10 } },
    },
    pro: { rate: { maxPerMinute: 100 } },
  };

  it('check, checkCost, peek and record behave as on a RateLimiter', async () => {
    const limiter = createTestLimiter({ policies });
    const reference = new RateLimiter({ policies, clock: testClock });
    for (const l of [limiter, reference]) {
      const first = await l.check({ userId: 'u', endpoint: chat, tokens: 100 });
      expect(first).toMatchObject({ allowed: true, remaining: 2, tokens: 100, cost: 0.02 });
      expect((await l.checkCost({ userId: 'u', endpoint: chat })).limits.map((s) => s.id)).toEqual(['cost:1h']);
      expect((await l.peek({ userId: 'u', endpoint: chat })).limits.map((s) => [s.id, s.used])).toEqual([
        ['rate:1m', 1],
        ['tokens:1m', 100],
        ['cost:1h', 0.04],
      ]);
      expect(await l.record(first, { tokens: 700 })).toMatchObject({ recorded: true, tokens: 600 });
      expect((await l.peek({ userId: 'u', endpoint: chat })).limits.find((s) => s.id === 'tokens:1m')?.used).toBe(700);
      expect(await l.reset({ userId: 'u' })).toBe(3);
    }
  });

  it('peekNow answers at once what peek answers, counting nothing', async () => {
    const limiter = createTestLimiter({ policies });
    await limiter.check({ userId: 'u', endpoint: chat, tokens: 300 });
    await limiter.check({ userId: 'u', endpoint: 'GET|/other' });
    for (const request of [
      { userId: 'u', endpoint: chat },
      { userId: 'u', endpoint: chat, tokens: 800 },
      { userId: 'u', endpoint: 'GET|/other' },
      { userId: 'u', endpoint: 'GET|/other', plan: 'pro' },
      { userId: 'nobody' },
    ]) {
      const now = limiter.peekNow(request);
      expect(now).not.toBeInstanceOf(Promise);
      const { timestamp: _a, ...sync } = now;
      const { timestamp: _b, ...async } = await limiter.peek(request);
      expect(sync).toEqual(async);
    }
    expect((await limiter.peek({ userId: 'u', endpoint: chat })).current).toBe(1);
  });

  it('peeks with the limits getUserOverride gave a user at the last check', async () => {
    const asked: string[] = [];
    const getUserOverride = async (user: string): Promise<UserOverride | null> => {
      asked.push(user);
      return user === 'vip' ? { maxPerMinute: 50 } : null;
    };
    const limiter = createTestLimiter({ policies, getUserOverride, userOverrides: { fixed: { maxPerMinute: 7 } } });
    expect(limiter.peekNow({ userId: 'fixed' }).limit).toBe(7);
    expect(limiter.peekNow({ userId: 'vip' }).limit).toBe(10);
    await limiter.check({ userId: 'vip' });
    expect(limiter.peekNow({ userId: 'vip' })).toMatchObject({ limit: 50, current: 1 });
    await limiter.check({ userId: 'other' });
    expect(limiter.peekNow({ userId: 'other' }).limit).toBe(10);
    expect(asked).toEqual(['vip', 'other']);
  });

  it('learns synchronous, throwing and invalid getUserOverride answers', async () => {
    let answer: () => UserOverride | null = () => ({ maxPerMinute: 20 });
    const limiter = createTestLimiter({ policies, getUserOverride: () => answer() });
    await limiter.check({ userId: 'u' });
    expect(limiter.peekNow({ userId: 'u' }).limit).toBe(20);
    answer = () => {
      throw new Error('directory down');
    };
    expect((await limiter.check({ userId: 'u' })).degraded).toBe(true);
    expect(limiter.peekNow({ userId: 'u' }).limit).toBe(10);
    answer = () => ({ maxPerMinute: -5 });
    await limiter.check({ userId: 'u' });
    expect(limiter.peekNow({ userId: 'u' }).limit).toBe(10);
  });

  it('fails with ERR_LIMITRATE_CLOSED once closed', async () => {
    const limiter = createTestLimiter({ policies });
    await limiter.close();
    await limiter.close();
    await expect(limiter.check({ userId: 'u' })).rejects.toSatisfy((e) => isLimitRateError(e, 'ERR_LIMITRATE_CLOSED'));
    await expect(limiter.checkCost({ userId: 'u' })).rejects.toThrow('This test limiter has been closed');
    await expect(limiter.peek({ userId: 'u' })).rejects.toThrow('closed');
    await expect(limiter.record({ userId: 'u' }, { tokens: 1 })).rejects.toThrow('closed');
    await expect(limiter.reset({ all: true })).rejects.toThrow('closed');
    expect(() => limiter.peekNow({ userId: 'u' })).toThrow('closed');
    expect(() => limiter.resetNow({ all: true })).toThrow('closed');
  });

  it('keeps a plan per user for the state helpers', async () => {
    const limiter = createTestLimiter({ policies });
    expect(limiter.planOf('u')).toBe('free');
    await limiter.check({ userId: 'u', plan: 'pro' });
    expect(limiter.planOf('u')).toBe('pro');
    advanceTime('1 minute');
    limiter.resetNow({ userId: 'u' });
    expect(limiter.planOf('u')).toBe('free');
  });
});
