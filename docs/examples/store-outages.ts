// Store outages: a ResilientStore keeps limits per process while the shared store is down,
// stops calling it after a few failures, and goes back to it by itself.
import { MemoryStore, RateLimiter, ResilientStore, manualClock, type Store } from '@limitrate/core';

const clock = manualClock(Date.UTC(2026, 0, 1));

// Stands in for `new RedisStore({ url: process.env.REDIS_URL, commandTimeoutMs: 250 })`:
// a shared store that can be switched off.
let up = true;
let calls = 0;
const shared = new MemoryStore({ clock });
const redis: Store = {
  name: 'redis',
  consume(limits, options) {
    calls++;
    if (!up) return Promise.reject(new Error('connect ECONNREFUSED 10.0.0.5:6379'));
    return Promise.resolve(shared.consume(limits, options));
  },
  reset: (selector) => shared.reset(selector),
};

const store = new ResilientStore(redis, {
  insurance: new MemoryStore({ clock }), // decides, per process, while Redis cannot
  failureThreshold: 3, // consecutive failures (errors or timeouts) that open the circuit
  openMs: 5_000, // how long calls skip Redis before one probe call tries it again
  timeoutMs: 250, // a slower answer counts as a failure: keep it below storeTimeoutMs
  clock,
});
const limiter = new RateLimiter({ store, clock, onStoreError: 'block', policies: { free: { rate: { maxPerMinute: 5 } } } });
// The limiter attached its event bus to the store: store_circuit and store_fallback arrive there.
limiter.events.on('store_circuit', (e) => console.log(`  store_circuit: ${e.store} ${e.previous} -> ${e.state}${e.error ? ` (${e.error.code})` : ''}`));

async function checks(label: string, n: number): Promise<void> {
  const answers: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await limiter.check({ userId: 'u1' });
    answers.push(`${r.allowed ? 'allow' : 'block'}${r.degraded ? '*' : ''}`);
  }
  await limiter.events.flush();
  console.log(`${label}: ${answers.join(' ')} | calls to Redis so far: ${calls} | circuit: ${store.state}`);
}

await checks('Redis up  ', 2); // counted in Redis: 2 of 5
up = false;
await checks('Redis down', 7); // 3 failed calls, then none: the insurance store decides (5 of 5, then blocks)
clock.advance(5_000);
up = true;
await checks('Redis back', 4); // a probe closes the circuit; Redis still has 2, so 3 more fit
console.log(JSON.stringify(store.stats()));
await limiter.close();
await store.close();
