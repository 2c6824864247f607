// Which endpoint policy applies to a request, and which requests share a counter.
import { RateLimiter, manualClock } from '@limitrate/core';

const limiter = new RateLimiter({
  clock: manualClock(Date.UTC(2026, 0, 1)),
  policies: {
    free: {
      endpoints: {
        '*|/api/*': { rate: { maxPerMinute: 100 } },
        'GET|/api/*': { rate: { maxPerMinute: 200 } },
        'GET|/api/users/:id': { rate: { maxPerMinute: 30 } },
        'GET|/api/users/me': { rate: { maxPerMinute: 60 } },
        '*|/api/users/me': { rate: { maxPerMinute: 10 } },
        'GET|/api/:section/export': { rate: { maxPerHour: 5 } },
        'GET|/health': {}, // no limits: exempt from the defaults
      },
      defaults: { rate: { maxPerMinute: 20 } },
    },
  },
});

const requests = [
  'GET|/api/users/me', // exact path and method
  'DELETE|/api/users/me', // exact path, any method
  'GET|/api/users/42', // template
  'GET|/api/users/export', // 'users' (literal) beats ':section' in the second segment
  'GET|/api/orders/export', // template with a parameter first
  'GET|/api/orders/7/items', // trailing wildcard, named method
  'POST|/api/orders', // trailing wildcard, any method
  'GET|/API/Users/42/?page=2', // normalised to GET|/api/users/42
  'GET|/api', // a trailing * needs at least one more segment
  'GET|/health', // empty policy
  'GET|/elsewhere', // defaults
];
for (const endpoint of requests) {
  const r = await limiter.check({ userId: 'u', endpoint });
  console.log(`${endpoint.padEnd(28)} -> policy ${r.policy.padEnd(26)} limits: ${r.limits.map((l) => `${l.id}=${l.limit}`).join(', ') || 'none'}`);
}

// A template or wildcard counts every path it matches together; defaults count per endpoint.
const a = await limiter.check({ userId: 'counter', endpoint: 'GET|/api/users/1' });
const b = await limiter.check({ userId: 'counter', endpoint: 'GET|/api/users/2' });
console.log(`/api/users/1 then /api/users/2: remaining ${a.remaining} then ${b.remaining} (one shared counter)`);
const c = await limiter.check({ userId: 'counter', endpoint: 'GET|/one' });
const d = await limiter.check({ userId: 'counter', endpoint: 'GET|/two' });
console.log(`/one then /two under defaults: remaining ${c.remaining} then ${d.remaining} (a counter each)`);

// The path `*` alone matches every path, the root included; `/*` needs at least one segment.
for (const key of ['*|*', '*|/*']) {
  const l = new RateLimiter({ policies: { free: { endpoints: { [key]: { rate: { maxPerMinute: 5 } } } } } });
  const root = await l.check({ userId: 'u', endpoint: 'GET|/' });
  const deep = await l.check({ userId: 'u', endpoint: 'GET|/a/b' });
  console.log(`key '${key}': GET|/ -> policy ${root.policy || "''"}, GET|/a/b -> policy ${deep.policy}`);
  await l.close();
}
