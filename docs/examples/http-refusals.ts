// The bodies of refused requests: 429 for a limit, 403 for a blocked IP or an unknown plan,
// 503 when the limiter cannot decide and the failure policy says block. Each is LimitRate
// v3's JSON, or RFC 9457 problem details with `problemDetails: true`.
import { HttpLimiter, manualClock, type HttpLimiterOptions, type HttpRequestInfo } from '@limitrate/core';

interface Req {
  apiKey?: string;
  plan?: string;
  tokens?: number;
}

const options: HttpLimiterOptions<Req> = {
  clock: manualClock(Date.UTC(2026, 0, 1)),
  identifyUser: (req) => {
    if (req.apiKey === undefined) throw new Error('no API key');
    return req.apiKey;
  },
  identifyPlan: (req) => req.plan ?? 'free',
  identifyTokenUsage: (req) => req.tokens,
  upgradeHint: (plan) => (plan === 'free' ? 'Upgrade to Pro for 10x the limits: https://example.com/pricing' : undefined),
  ipBlocklist: ['203.0.113.0/24'],
  onUnknownPlan: 'block',
  onStoreError: 'block', // also applies when identifyUser fails
  policies: {
    free: {
      endpoints: {
        'GET|/api/models': { rate: { maxPerMinute: 1 } },
        'POST|/api/chat': { rate: { maxTokensPerHour: 1_000 } },
        'POST|/api/images': { cost: { estimateCost: () => 0.04, dailyCap: 0.05 } },
      },
    },
  },
};

const req = (method: string, path: string, raw: Req, ip = '198.51.100.7'): HttpRequestInfo<Req> => ({ method, path, route: path, remoteAddress: ip, raw });

const show = async (limiter: HttpLimiter<Req>, label: string, info: HttpRequestInfo<Req>) => {
  const d = await limiter.decide(info);
  const retry = d.headers.find(([name]) => name === 'Retry-After')?.[1];
  console.log(`${label}: ${d.status} ${d.contentType}${retry === undefined ? '' : `, Retry-After: ${retry}`}`);
  console.log(`  ${JSON.stringify(d.body)}`);
};

for (const problemDetails of [false, true]) {
  const limiter = new HttpLimiter<Req>({ ...options, problemDetails });
  await limiter.decide(req('GET', '/api/models', { apiKey: 'k1' })); // uses up the 1 per minute
  await limiter.decide(req('POST', '/api/images', { apiKey: 'k1' })); // $0.04 of the $0.05
  if (!problemDetails) {
    console.log('problemDetails: false (the default)');
    await show(limiter, 'a rate limit', req('GET', '/api/models', { apiKey: 'k1' }));
    await show(limiter, 'a token limit', req('POST', '/api/chat', { apiKey: 'k1', tokens: 1_500 }));
    await show(limiter, 'a spending cap', req('POST', '/api/images', { apiKey: 'k1' }));
    await show(limiter, 'a blocked IP', req('GET', '/api/models', { apiKey: 'k1' }, '203.0.113.9'));
    await show(limiter, 'an unknown plan', req('GET', '/api/models', { apiKey: 'k2', plan: 'platinum' }));
    await show(limiter, 'identifyUser threw', req('GET', '/api/models', {}));
  } else {
    console.log('problemDetails: true');
    await show(limiter, 'a rate limit', req('GET', '/api/models', { apiKey: 'k1' }));
    await show(limiter, 'a blocked IP', req('GET', '/api/models', { apiKey: 'k1' }, '203.0.113.9'));
  }
  await limiter.close();
}
