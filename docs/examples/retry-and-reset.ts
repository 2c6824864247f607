// What retryAfter and resetInSeconds mean for each algorithm: use up "10 per minute" at
// 00:15 (15 s into a minute), then ask once more.
import { RateLimiter, manualClock, type AlgorithmName } from '@limitrate/core';

const T0 = Date.UTC(2026, 0, 1);
const algorithms: AlgorithmName[] = ['fixed-window', 'sliding-window', 'sliding-log', 'token-bucket', 'leaky-bucket', 'gcra'];
console.log('algorithm        retryAfter  resetInSeconds');
for (const algorithm of algorithms) {
  const limiter = new RateLimiter({ clock: manualClock(T0 + 15_000), policies: { free: { rate: { algorithm, maxPerMinute: 10 } } } });
  for (let i = 0; i < 10; i++) await limiter.check({ userId: 'u' });
  const r = await limiter.check({ userId: 'u' });
  console.log(`${algorithm.padEnd(16)} ${`${r.retryAfter}s`.padStart(10)}  ${`${r.resetInSeconds}s`.padStart(14)}`);
  await limiter.close();
}
