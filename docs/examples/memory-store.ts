// The memory store: configure it inline, or build it yourself to watch its stats.
import { MemoryStore, RateLimiter, manualClock } from '@limitrate/core';

const clock = manualClock(Date.UTC(2026, 0, 1));
const policies = { free: { rate: { maxPerMinute: 10 } } };

// Inline: the limiter builds the store and hands it its own clock.
const inline = new RateLimiter({ clock, policies, store: { type: 'memory', maxKeys: 100_000 } });
console.log(`inline store: ${inline.store.name}`);
await inline.close();

// Your own instance: give it the clock yourself (the limiter's `clock` is not passed on).
const store = new MemoryStore({ maxKeys: 100_000, cleanupIntervalMs: 30_000, clock });
const limiter = new RateLimiter({ clock, policies, store });
for (let i = 0; i < 1_000; i++) await limiter.check({ userId: `client-${i}`, endpoint: 'GET|/x' });
console.log('after 1,000 clients:', JSON.stringify(store.stats()));
clock.advance(60_000); // every one-minute window has ended
console.log(`sweep() removed ${store.sweep()} expired keys:`, JSON.stringify(store.stats()));
await limiter.close(); // leaves a store you passed open: other limiters may share it
await store.close(); // stops the sweep timer; a closed store refuses further calls
