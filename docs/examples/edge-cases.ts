// Edge cases of the algorithms, as seen through the limiter.
import { RateLimiter, manualClock } from '@limitrate/core';

const T0 = Date.UTC(2026, 0, 1); // midnight UTC: every window (1 s, 1 min, 1 h, 1 day) starts here

// 1. Windows are aligned to the epoch, not to a user's first request.
{
  const clock = manualClock(T0 + 45_000); // 45 s into a minute
  const limiter = new RateLimiter({ clock, policies: { free: { rate: { maxPerMinute: 10 } } } });
  const r = await limiter.check({ userId: 'u' });
  console.log(`first request 45 s into the minute: resetInSeconds=${r.resetInSeconds}`);
}

// 2. A request larger than a limit is never admitted, and says so: that limit decides even
//    when another limit has a long wait, and there is no retryAfter (waiting cannot help).
{
  const limiter = new RateLimiter({ clock: manualClock(T0), policies: { free: { rate: { maxPerDay: 1, maxTokensPerMinute: 1000 } } } });
  await limiter.check({ userId: 'u', tokens: 10 }); // the day's only request
  const r = await limiter.check({ userId: 'u', tokens: 1500 });
  console.log(`1500 tokens against 1000/min: allowed=${r.allowed} blockedBy=${r.blockedBy?.id} exceedsCapacity=${r.blockedBy?.exceedsCapacity} retryAfter=${r.retryAfter}`);
  console.log(`  (rate:1d is exceeded too: retryAfterSeconds=${r.limits.find((l) => l.id === 'rate:1d')?.retryAfterSeconds})`);
}

// 3. A zero-cost probe (here: the token count is not known yet) is admitted while at least
//    one unit is left, and charges nothing.
{
  const limiter = new RateLimiter({ clock: manualClock(T0), policies: { free: { rate: { maxTokensPerMinute: 1000 } } } });
  await limiter.check({ userId: 'u', tokens: 999 });
  const probe = await limiter.check({ userId: 'u' });
  console.log(`probe with 1 token left: allowed=${probe.allowed} charged=${probe.tokens} remaining=${probe.limits[0]?.remaining}`);
  await limiter.check({ userId: 'u', tokens: 1 });
  console.log(`probe with 0 tokens left: allowed=${(await limiter.check({ userId: 'u' })).allowed}`);
}

// 4. A clock that steps backwards never hands out extra capacity.
{
  const clock = manualClock(T0 + 30_000);
  const limiter = new RateLimiter({ clock, policies: { free: { rate: { maxPerMinute: 2 } } } });
  await limiter.check({ userId: 'u' });
  await limiter.check({ userId: 'u' });
  clock.advance(-40_000); // back into the previous minute
  const r = await limiter.check({ userId: 'u' });
  console.log(`after the clock went back 40 s: allowed=${r.allowed} retryAfter=${r.retryAfter}s (the later window still counts)`);
}

// 5. A token bucket that starts below capacity starts refilling at the first check of
//    each key, even when that first check is refused.
{
  const clock = manualClock(T0);
  const limiter = new RateLimiter({
    clock,
    policies: { free: { rate: { algorithm: 'token-bucket', capacity: 5, refillRate: 1, initialTokens: 0 } } },
  });
  const first = await limiter.check({ userId: 'new-user' });
  console.log(`slow start, first check: allowed=${first.allowed} retryAfter=${first.retryAfter}s`);
  clock.advance(3_000);
  const r = await limiter.check({ userId: 'new-user' });
  console.log(`3 s later: allowed=${r.allowed} remaining=${r.remaining}`);
}
