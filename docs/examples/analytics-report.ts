// Analytics without HTTP: `limiter.analytics.report()` is what the inspector serves.
import { RateLimiter } from '@limitrate/core';

const limiter = new RateLimiter({
  // The busiest 50 users per minute and per hour are kept, the last 20 blocks, 48 hours.
  analytics: { topUsers: 50, recentBlocks: 20, retention: '48h' },
  policies: {
    free: { rate: { maxPerHour: 2 }, cost: { estimateCost: () => 0.01, dailyCap: 1 } },
    pro: { rate: { maxPerHour: 100 } },
  },
});

for (const [userId, plan, n] of [['alice', 'free', 4], ['bob', 'pro', 3], ['carol', 'free', 1]] as const) {
  for (let i = 0; i < n; i++) await limiter.check({ userId, plan, endpoint: 'POST|/api/chat' });
}

const all = limiter.analytics!.report({ range: 'hour' });
console.log(`all: ${all.totals.requests} requests, ${all.totals.blocked} blocked, $${all.totals.cost.toFixed(2)} spent`);
for (const u of all.users) console.log(`  ${u.user} (${u.plan}): requests ${u.requests}, blocked ${u.blocked}, spent $${u.cost.toFixed(2)}`);

const free = limiter.analytics!.report({ range: 'hour', filter: { plan: 'free' } });
console.log(`free plan only: ${free.totals.requests} requests, block rate ${(free.totals.blockRate * 100).toFixed(1)}%`);
console.log(`store: ${free.store.name}, ${free.store.status}`);
await limiter.close();
