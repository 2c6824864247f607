// A LimitRate v3 configuration on the v4 engine: what runs unchanged, what v4 refuses (with
// the path of each field and what to do), and what a client sees differently.
import { ConfigError, HttpLimiter, manualClock, type HttpLimiterOptions } from '@limitrate/core';

interface Req {
  user?: { id: string; plan: string };
  ip: string;
}

// A v3 configuration, as written for limitrate() of @limitrate/express 3.x.
const v3: HttpLimiterOptions<Req> = {
  identifyUser: (req) => req.user?.id ?? req.ip,
  identifyPlan: (req) => req.user?.plan ?? 'free',
  store: { type: 'memory' },
  policies: {
    free: {
      endpoints: {
        'POST|/api/generate': {
          rate: { maxPerMinute: 5, burst: 2, actionOnExceed: 'block' },
          cost: { estimateCost: () => 0.01, hourlyCap: 0.1, dailyCap: 0.5 },
        },
      },
      defaults: { rate: { maxPerMinute: 60, actionOnExceed: 'block' } },
    },
    pro: {
      endpoints: { 'POST|/api/generate': { rate: { maxPerMinute: 100, actionOnExceed: 'slowdown', slowdownMs: 200 } } },
    },
  },
  trustProxy: true,
  ipAllowlist: ['192.168.1.0/24'],
  ipBlocklist: ['1.2.3.4'],
  onRedisError: 'allow',
  upgradeHint: (plan) => (plan === 'free' ? 'Upgrade to Pro: https://example.com/pricing' : undefined),
  dryRun: false,
  userOverrides: { 'user_enterprise_acme': { maxPerMinute: 10_000, reason: 'Enterprise SLA' } },
};

// 1. It runs as it is. (The clock only makes this output repeatable.)
const limiter = new HttpLimiter<Req>({ ...v3, clock: manualClock(Date.UTC(2026, 0, 1, 0, 0, 15)) });
const generate = { method: 'POST', path: '/api/generate', route: '/api/generate', remoteAddress: '198.51.100.7', raw: { ip: '198.51.100.7', user: { id: 'u1', plan: 'free' } } };
const d = await limiter.decide(generate);
console.log(`v3 config on v4: ${d.action}, limits ${d.result?.limits.map((l) => `${l.id}=${l.limit}`).join(', ')}`);
// RateLimit-Reset is now the seconds until the reset (v3 sent a Unix time); X-RateLimit-Reset is the Unix time.
console.log(d.headers.map(([name, value]) => `${name}: ${value}`).join('\n'));
await limiter.close();

// 2. What v4 refuses, all reported at once when the middleware is built.
try {
  new HttpLimiter({
    ...v3,
    store: { type: 'redis', url: 'redis://localhost:6379', tiemout: 500 }, // a v3 typo: v4 names the unknown option
    trackEndpoints: true, // endpoint analytics come back with the CLI dashboard
    policies: { free: { defaults: { rate: { maxPerMinute: 60, actionOnExceed: 'allow' } } } },
  } as never); // `as never`: these would not type-check either
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  for (const issue of error.issues) console.log(`${issue.code} at ${issue.path}: ${issue.message}. ${issue.hint}`);
}

// 3. User ids are escaped into store keys, no longer hashed: counters start afresh after the
// upgrade, and overrides and logs see the id as you return it.
const keys = new HttpLimiter({ identifyUser: () => 'team:42 alice@example.com', policies: { free: { rate: { maxPerMinute: 5 } } } });
const k = await keys.decide({ method: 'GET', path: '/api/me', route: '/api/me', remoteAddress: '198.51.100.7', raw: {} });
console.log(`user ${k.user} -> store key ${k.result?.limits[0]?.key}`);
await keys.close();
