// Your callbacks can throw, reject, hang or return nonsense without breaking a request: each
// failure has a fallback and is reported as a `callback_error` event.
import { HttpLimiter, type LimitRateEvent } from '@limitrate/core';

interface Req {
  fail: string;
}

const events: LimitRateEvent[] = [];
const limiter = new HttpLimiter<Req>({
  callbackTimeoutMs: 50,
  skip: (req) => {
    if (req.fail === 'skip') throw new Error('skip failed');
    return false;
  },
  identifyUser: async (req) => {
    if (req.fail === 'identifyUser') await new Promise((resolve) => setTimeout(resolve, 200)); // too slow
    return 'alice';
  },
  identifyPlan: (req) => {
    if (req.fail === 'identifyPlan') throw new Error('plan lookup failed');
    return 'pro';
  },
  identifyTokenUsage: (req) => (req.fail === 'identifyTokenUsage' ? -5 : 10),
  policies: { free: { rate: { maxPerMinute: 10 } }, pro: { rate: { maxPerMinute: 100, maxTokensPerMinute: 1_000 } } },
  onEvent: (e) => void events.push(e),
});

for (const fail of ['nothing', 'skip', 'identifyUser', 'identifyPlan', 'identifyTokenUsage']) {
  const d = await limiter.decide({ method: 'GET', path: '/x', remoteAddress: '198.51.100.7', raw: { fail } });
  console.log(`${fail.padEnd(18)} -> ${d.action} ${d.status}, user=${d.user} plan=${d.plan} tokens=${d.result?.tokens}`);
}
await limiter.events.flush();
for (const e of events) if (e.type === 'callback_error') console.log(`callback_error: ${e.callback} ${e.error.code}: ${e.fallback}`);

// With onStoreError: 'block' (fail closed), a failing identifyUser refuses the request with a 503.
const strict = new HttpLimiter<Req>({ onStoreError: 'block', identifyUser: () => { throw new Error('no session'); }, policies: { free: { rate: { maxPerMinute: 10 } } } });
const refused = await strict.decide({ method: 'GET', path: '/x', remoteAddress: '198.51.100.7', raw: { fail: '' } });
console.log(`fail closed: ${refused.status} ${String(refused.body?.reason)}`);
await Promise.all([limiter.close(), strict.close()]);
