// Events: subscribe to one type, or to all of them with onEvent / on('*').
import { RateLimiter, manualClock } from '@limitrate/core';

const limiter = new RateLimiter({
  clock: manualClock(Date.UTC(2026, 0, 1)),
  policies: { free: { rate: { maxPerMinute: 1, maxTokensPerMinute: 500 } } },
  onEvent: (e) => console.log(`onEvent: ${e.type} user=${e.user} endpoint=${e.endpoint}`),
});

// Listeners are typed by event type: here `e` is an ExceededEvent, with no annotation needed.
const sub = limiter.events.on('rate_exceeded', (e) => {
  console.log(`rate_exceeded: ${e.limit} value=${e.value} threshold=${e.threshold} action=${e.action} retryAfterSeconds=${e.retryAfterSeconds}`);
});
limiter.events.on('usage_recorded', (e) => console.log(`usage_recorded: tokens=${e.tokens} overLimit=${e.overLimit}`));

const first = await limiter.check({ userId: 'u', endpoint: 'POST|/api/chat', tokens: 100 });
await limiter.check({ userId: 'u', endpoint: 'POST|/api/chat' });
await limiter.record(first, { tokens: 250 });

// Listeners run after the check has returned, never inside it. flush() waits for them.
await limiter.events.flush();
sub.dispose();
console.log('delivery stats:', JSON.stringify(limiter.events.stats()));
await limiter.close();
