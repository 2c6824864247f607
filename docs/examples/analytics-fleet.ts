// A fleet: every instance writes its analytics to one Redis (here two limiters in one
// process; in production, your app's instances), and one read sees them all, as
// `npx limitrate dashboard --redis <url>` does.
import { RateLimiter } from '@limitrate/core';
import { readRedisAnalytics, redisAnalytics } from '@limitrate/redis';
import { Redis } from 'ioredis';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const run = Date.now().toString(36); // (fresh keys for each run of this demo)

function instance(id: string) {
  return new RateLimiter({
    store: { type: 'redis', url, keyPrefix: `demo:${run}:limits:` },
    // Writes every 5 s (flushInterval) through the store's own connection.
    analytics: { sink: redisAnalytics({ prefix: `demo:${run}:analytics` }), instanceId: id },
    policies: { free: { rate: { maxPerHour: 5 } } },
  });
}
const web1 = instance('web-1');
const web2 = instance('web-2');

// alice's 5 requests an hour are shared by the fleet: 4 + 4 means 3 refused.
for (let i = 0; i < 4; i++) await web1.check({ userId: 'alice', endpoint: 'GET|/api/items' });
for (let i = 0; i < 4; i++) await web2.check({ userId: 'alice', endpoint: 'GET|/api/items' });
await Promise.all([web1.analytics!.flush(), web2.analytics!.flush()]); // (rather than wait 5 s)

const redis = new Redis(url);
const report = await readRedisAnalytics(redis, { range: 'hour' }, { prefix: `demo:${run}:analytics` });
console.log(`instances: ${report.source.instances.map((i) => i.id).sort().join(', ')}`);
console.log(`fleet: ${report.totals.requests} requests, ${report.totals.blocked} blocked`);
console.log(`blocks written by: ${[...new Set(report.recentBlocks.map((b) => b.instance))].sort().join(', ')}`);

await Promise.all([web1.close(), web2.close()]);
redis.disconnect();
