// Redis (or Valkey) from the configuration: install @limitrate/redis and ioredis next to
// @limitrate/core, and the limiter loads the store itself.
import { RateLimiter } from '@limitrate/core';

const limiter = new RateLimiter({
  store: {
    type: 'redis',
    url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    keyPrefix: 'myapp:limits:', // one prefix per app sharing the Redis
    commandTimeoutMs: 250, // a slow Redis costs a request at most this long
  },
  onStoreError: 'allow', // Redis down or slow: let requests through (and emit store_error)
  policies: { free: { rate: { maxPerMinute: 3 } } },
});
// Optional: fail at startup, not on the first request, if @limitrate/redis is missing.
await limiter.ready();

const request = { userId: 'user-42', endpoint: 'POST|/api/chat' };
await limiter.reset({ userId: request.userId }); // (a clean slate for this demo)
for (let i = 1; i <= 4; i++) {
  const r = await limiter.check(request);
  console.log(`request ${i}: ${r.allowed ? 'allowed' : 'blocked'}, ${r.remaining} left (store: ${limiter.store.name})`);
}
await limiter.close(); // closes the connection the store opened
