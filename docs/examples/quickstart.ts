// Quick start: two plans, a tighter rule for one endpoint, defaults for every other one.
import { RateLimiter, manualClock } from '@limitrate/core';

// A manual clock makes the output the same on every run. Leave `clock` out in your app:
// the limiter then uses the system clock.
const clock = manualClock(Date.UTC(2026, 0, 1));

const limiter = new RateLimiter({
  clock,
  policies: {
    free: {
      endpoints: { 'POST|/api/chat': { rate: { maxPerMinute: 3 } } },
      defaults: { rate: { maxPerMinute: 60 } },
    },
    pro: { rate: { maxPerMinute: 600 } },
  },
});

for (let i = 1; i <= 4; i++) {
  const r = await limiter.check({ userId: 'user-1', plan: 'free', endpoint: 'POST|/api/chat' });
  console.log(`request ${i}: allowed=${r.allowed} remaining=${r.remaining}${r.allowed ? '' : ` retryAfter=${r.retryAfter}s`}`);
}

// Other endpoints fall back to the plan's defaults, with a budget of their own.
const other = await limiter.check({ userId: 'user-1', plan: 'free', endpoint: 'GET|/api/models' });
console.log(`GET /api/models: allowed=${other.allowed} policy=${other.policy} limit=${other.limit}`);

clock.advance(60_000); // one minute later the window has rolled over
const later = await limiter.check({ userId: 'user-1', plan: 'free', endpoint: 'POST|/api/chat' });
console.log(`a minute later: allowed=${later.allowed} remaining=${later.remaining}`);

await limiter.close();
