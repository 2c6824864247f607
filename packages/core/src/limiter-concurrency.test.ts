// RateLimiter counts exactly under concurrency: with an asynchronous store, with 1,000
// concurrent checks on one key, and with async overrides and estimates interleaving.
import { describe, expect, it } from 'vitest';
import { manualClock } from './clock.js';
import { RateLimiter } from './limiter.js';
import { MemoryStore } from './stores/memory.js';
import type { Store } from './stores/types.js';

const T0 = Date.UTC(2026, 0, 1); // aligned to every window

describe('exact counting under concurrency', () => {
  it('keeps concurrent checks apart while an asynchronous store answers', async () => {
    const clock = manualClock(T0);
    const inner = new MemoryStore({ clock, cleanupIntervalMs: 0 });
    const slow: Store = {
      name: 'slow',
      consume: (l, o) => new Promise((resolve, reject) => setTimeout(() => Promise.resolve(inner.consume(l, o)).then(resolve, reject), Math.random() * 5)),
      reset: (sel) => inner.reset(sel),
    };
    const limiter = new RateLimiter({ clock, store: slow, policies: { free: { rate: { maxPerMinute: 3 }, cost: { dailyCap: 1 } } } });
    const users = Array.from({ length: 40 }, (_, i) => `user-${i % 10}`);
    const results = await Promise.all(users.map((userId) => limiter.check({ userId, cost: 0.01 })));
    results.forEach((r, i) => {
      expect(r.user).toBe(users[i]);
      for (const l of r.limits) expect(l.key.startsWith(`${users[i]}:`)).toBe(true);
    });
    expect(results.filter((r) => r.allowed)).toHaveLength(30);
    for (let u = 0; u < 10; u++) {
      const mine = results.filter((r) => r.user === `user-${u}` && r.allowed);
      expect(mine).toHaveLength(3);
      await limiter.record(mine[0]!, { cost: 0 });
    }
    const after = await limiter.peek({ userId: 'user-0' });
    expect(after.limits.find((l) => l.kind === 'cost')?.used).toBeCloseTo(0.02, 10);
  });

  it('admits exactly the limit out of 1,000 concurrent checks on one key', async () => {
    const limiter = new RateLimiter({ clock: manualClock(T0), policies: { free: { rate: { maxPerMinute: 137 } } } });
    const results = await Promise.all(Array.from({ length: 1000 }, () => limiter.check({ userId: 'hot', endpoint: 'POST|/x' })));
    expect(results.filter((r) => r.allowed)).toHaveLength(137);
  });

  it('stays exact when async overrides and estimates interleave the checks', async () => {
    const clock = manualClock(T0);
    const limiter = new RateLimiter({
      clock,
      getUserOverride: async () => {
        await new Promise((r) => setTimeout(r, Math.random() * 3));
        return { maxPerMinute: 250 };
      },
      policies: { free: { rate: { maxPerMinute: 10 }, cost: { dailyCap: 1000, estimateCost: async () => (await new Promise((r) => setTimeout(r, Math.random() * 3)), 0.01) } } },
    });
    const results = await Promise.all(Array.from({ length: 1000 }, () => limiter.check({ userId: 'hot' })));
    expect(results.filter((r) => r.allowed)).toHaveLength(250);
    const after = await limiter.peek({ userId: 'hot' });
    expect(after.limits.find((l) => l.kind === 'cost')?.used).toBeCloseTo(2.5, 10);
  });
});
