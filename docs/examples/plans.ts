// Plans: the rate/cost shorthand, the default plan, an unlimited plan and unknown plans.
import { RateLimiter, manualClock, type LimitRateEvent } from '@limitrate/core';

const events: LimitRateEvent[] = [];
const policies = {
  // Shorthand: `rate` / `cost` on the plan are its defaults for every endpoint.
  free: { rate: { maxPerMinute: 10 }, cost: { dailyCap: 0.5 } },
  pro: { endpoints: { 'POST|/api/chat': { rate: { maxPerMinute: 100 } } }, defaults: { rate: { maxPerMinute: 600 } } },
  enterprise: {}, // no limits at all
};

const limiter = new RateLimiter({ clock: manualClock(Date.UTC(2026, 0, 1)), policies, onEvent: (e) => void events.push(e) });
console.log(`default plan: ${limiter.defaultPlan}`); // `free` when there is one, else the first plan

const show = async (label: string, l: RateLimiter, plan?: string) => {
  const r = await l.check({ userId: 'u', endpoint: 'POST|/api/chat', ...(plan === undefined ? {} : { plan }) });
  const limits = r.limits.map((s) => `${s.id}=${s.limit}`).join(', ') || 'none';
  console.log(`${label.padEnd(36)} allowed=${r.allowed} plan=${r.plan || '""'} reason=${r.reason ?? '-'} limits: ${limits}`);
};
await show('no plan (default plan)', limiter);
await show('pro', limiter, 'pro');
await show('enterprise (empty plan)', limiter, 'enterprise');
await show('unknown plan, onUnknownPlan default', limiter, 'platinum');

for (const onUnknownPlan of ['allow', 'block'] as const) {
  const strict = new RateLimiter({ clock: manualClock(Date.UTC(2026, 0, 1)), policies, onUnknownPlan });
  await show(`unknown plan, onUnknownPlan ${onUnknownPlan}`, strict, 'platinum');
}

await limiter.events.flush();
const unknown = events.find((e) => e.type === 'unknown_plan');
console.log('event:', JSON.stringify(unknown));
