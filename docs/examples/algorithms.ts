// The six algorithms side by side: the same "10 per minute" rule, hit with a burst just
// before a window boundary, another just after it, and a third 30 seconds later.
import { RateLimiter, manualClock, type AlgorithmName } from '@limitrate/core';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 0, 1); // a multiple of every window length: a window starts here

/** Sends `attempts` requests at the current time and returns how many were admitted. */
async function burst(limiter: RateLimiter, attempts: number): Promise<number> {
  let admitted = 0;
  for (let i = 0; i < attempts; i++) if ((await limiter.check({ userId: 'u', endpoint: 'GET|/search' })).allowed) admitted++;
  return admitted;
}

const algorithms: AlgorithmName[] = ['fixed-window', 'sliding-window', 'sliding-log', 'token-bucket', 'leaky-bucket', 'gcra'];
console.log('algorithm        00:59.999  01:00.000  01:30.000');
for (const algorithm of algorithms) {
  const clock = manualClock(T0 + MINUTE - 1); // 1 ms before the first window ends
  const limiter = new RateLimiter({ clock, policies: { free: { rate: { algorithm, maxPerMinute: 10 } } } });
  const before = await burst(limiter, 20);
  clock.advance(1); // the next window starts
  const after = await burst(limiter, 20);
  clock.advance(30_000);
  const half = await burst(limiter, 20);
  console.log(`${algorithm.padEnd(16)} ${String(before).padStart(9)}  ${String(after).padStart(9)}  ${String(half).padStart(9)}`);
  await limiter.close();
}
