// Per-user limits: static overrides, overrides looked up at request time, per-endpoint
// entries, and what happens when the lookup fails.
import { RateLimiter, manualClock, type LimitRateEvent, type UserOverride } from '@limitrate/core';

interface Req {
  headers: Record<string, string>;
}

// Pretend this is a database of customer contracts.
const contracts = new Map<string, UserOverride>([['acme', { maxPerMinute: 1_000, dailyCap: 50, reason: 'contract #42' }]]);

const events: LimitRateEvent[] = [];
const limiter = new RateLimiter<Req>({
  clock: manualClock(Date.UTC(2026, 0, 1)),
  policies: {
    free: {
      endpoints: {
        'POST|/api/chat': { rate: { maxPerMinute: 10, maxPerDay: 100 }, cost: { dailyCap: 1 } },
        'GET|/health': {}, // exempt: no limits, for every user
      },
      defaults: { rate: { maxPerMinute: 60 } },
    },
  },
  userOverrides: {
    // Field by field: maxPerMinute is replaced; maxPerDay and the cost cap stay the plan's.
    'vip-1': { maxPerMinute: 100, reason: 'beta tester' },
    // An endpoint entry replaces the top-level fields for that endpoint only.
    'vip-2': { maxPerMinute: 500, endpoints: { 'POST|/api/chat': { maxPerMinute: 20 } } },
  },
  // Consulted for users without a static override. Cache on your side: it runs on every check.
  getUserOverride: async (userId, req) => {
    if (req.headers['x-fail'] === '1') throw new Error('contracts database is down');
    return contracts.get(userId) ?? null;
  },
  userOverrideTimeoutMs: 200,
  onEvent: (e) => void events.push(e),
});

const show = async (label: string, userId: string, endpoint: string, headers: Record<string, string> = {}) => {
  const r = await limiter.check({ userId, endpoint, raw: { headers } });
  const limits = r.limits.map((l) => `${l.id}=${l.limit}`).join(', ') || 'none';
  console.log(`${label.padEnd(19)} ${limits}${r.degraded ? ` (degraded: ${r.error?.code})` : ''}`);
};
await show('plan        chat:', 'someone', 'POST|/api/chat');
await show('vip-1       chat:', 'vip-1', 'POST|/api/chat');
await show('vip-1       health:', 'vip-1', 'GET|/health'); // overrides never limit an exempt endpoint
await show('vip-2       chat:', 'vip-2', 'POST|/api/chat');
await show('vip-2       other:', 'vip-2', 'GET|/api/models');
await show('acme        chat:', 'acme', 'POST|/api/chat');
await show('acme, lookup fails:', 'acme', 'POST|/api/chat', { 'x-fail': '1' });

await limiter.events.flush();
const failure = events.find((e) => e.type === 'callback_error');
if (failure?.type === 'callback_error') console.log(`callback_error: ${failure.callback} -> ${failure.fallback} (${failure.error.code})`);
