// The failure policy: a store that fails or hangs, and an estimateCost that throws.
import { RateLimiter, manualClock, type ConsumeResult, type Store } from '@limitrate/core';

/** A store whose every call fails at once ('down'), or answers far too late ('slow'). */
const broken = (how: 'down' | 'slow'): Store => ({
  name: `${how}-store`,
  consume: () =>
    how === 'down'
      ? Promise.reject(new Error('ECONNREFUSED'))
      : new Promise<ConsumeResult>((_, reject) => setTimeout(() => reject(new Error('too late')), 200)),
  reset: () => 0,
});
const policies = { free: { rate: { maxPerMinute: 10 } } };

for (const onStoreError of ['allow', 'block'] as const) {
  for (const how of ['down', 'slow'] as const) {
    const limiter = new RateLimiter({ policies, store: broken(how), onStoreError, storeTimeoutMs: 50 });
    const r = await limiter.check({ userId: 'u' });
    console.log(`onStoreError=${onStoreError} ${how} store: allowed=${r.allowed} reason=${r.reason} degraded=${r.degraded} error=${r.error?.code}`);
  }
}

// estimateCost failures follow the same policy. With `allow`, the caps are still checked,
// with no cost: an exhausted cap keeps blocking.
let pricingUp = true;
const limiter = new RateLimiter({
  clock: manualClock(Date.UTC(2026, 0, 1)),
  policies: {
    free: {
      cost: {
        hourlyCap: 0.02,
        estimateCost: () => {
          if (!pricingUp) throw new Error('price list unavailable');
          return 0.01;
        },
      },
    },
  },
});
await limiter.check({ userId: 'u' });
pricingUp = false;
let r = await limiter.check({ userId: 'u' });
console.log(`estimate fails, cap not reached: allowed=${r.allowed} degraded=${r.degraded} cost=${r.cost} error=${r.error?.code}`);
pricingUp = true;
await limiter.check({ userId: 'u' });
pricingUp = false;
r = await limiter.check({ userId: 'u' });
console.log(`estimate fails, cap reached:     allowed=${r.allowed} reason=${r.reason}`);
await limiter.close();
