// checkNow(): the same decision as check(), without a promise when it can answer at once.
import { RateLimiter, manualClock, type RateLimitRequest, type RateLimitResult } from '@limitrate/core';

const clock = manualClock(Date.UTC(2026, 0, 1));
const limiter = new RateLimiter({ clock, policies: { free: { rate: { maxPerSecond: 2 } } } });
const request: RateLimitRequest = { userId: 'user-1', endpoint: 'GET|/api/items' };

// Memory store, no async callbacks: the result comes back directly.
for (let i = 1; i <= 3; i++) {
  const r = limiter.checkNow(request);
  const result: RateLimitResult = r instanceof Promise ? await r : r;
  console.log(`checkNow ${i}: promise=${r instanceof Promise} allowed=${result.allowed}`);
}

// An asynchronous estimateCost has to be awaited: checkNow then returns a promise.
const priced = new RateLimiter({
  clock,
  policies: { free: { cost: { dailyCap: 1, estimateCost: async () => 0.25 } } },
});
const p = priced.checkNow(request);
console.log(`with an async estimateCost: promise=${p instanceof Promise} allowed=${(await p).allowed}`);
