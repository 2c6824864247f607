// How a rate rule becomes limits: print the id, capacity and window the limiter derives
// from each rule (a fresh user, so nothing has been used yet).
import { RateLimiter, manualClock, type RateRule } from '@limitrate/core';

const rules: Record<string, RateRule> = {
  'fixed window + burst': { maxPerMinute: 10, burst: 5 },
  'two windows': { maxPerSecond: 2, maxPerHour: 100, algorithm: 'sliding-window' },
  'token bucket from maxPer*': { algorithm: 'token-bucket', maxPerMinute: 10, burst: 5 },
  'token bucket by capacity': { algorithm: 'token-bucket', capacity: 10, refillRate: 0.1 },
  'slow-start token bucket': { algorithm: 'token-bucket', capacity: 10, refillRate: 0.1, initialTokens: 2 },
  'leaky bucket by capacity': { algorithm: 'leaky-bucket', capacity: 50, leakRate: 5 },
  'gcra, evenly spaced': { algorithm: 'gcra', maxPerMinute: 60, capacity: 1 },
  'token limit (bucket)': { algorithm: 'token-bucket', maxTokensPerMinute: 10_000 },
};

for (const [name, rate] of Object.entries(rules)) {
  const limiter = new RateLimiter({ clock: manualClock(Date.UTC(2026, 0, 1)), policies: { free: { rate } } });
  const r = await limiter.peek({ userId: 'u' });
  const limits = r.limits.map((l) => `${l.id} ${l.algorithm} limit=${l.limit} remaining=${l.remaining} windowMs=${l.windowMs}`);
  console.log(`${name}:\n  ${limits.join('\n  ')}`);
  await limiter.close();
}
