// What @limitrate/express does with a request, step by step, shown on the engine it runs:
// core's HttpLimiter. The middleware describes the request (method, path, route template,
// addresses), calls decide(), and writes the decision back: headers, then a refusal, or a
// delay and next().
import { HttpLimiter, manualClock, type HttpRequestInfo } from '@limitrate/core';

/** The part of an Express request the callbacks below read. */
interface Req {
  ip: string;
  headers: Record<string, string | undefined>;
}

const limiter = new HttpLimiter<Req>({
  clock: manualClock(Date.UTC(2026, 0, 1)), // leave `clock` out in an app
  identifyUser: (req) => req.headers['x-api-key'] ?? req.ip,
  identifyPlan: (req) => (req.headers['x-plan'] === 'pro' ? 'pro' : 'free'),
  skip: (req) => req.headers['x-internal'] === 'yes',
  ipAllowlist: ['10.0.0.0/8'],
  ipBlocklist: ['203.0.113.0/24'],
  policies: {
    free: {
      endpoints: { 'GET|/search': { rate: { maxPerMinute: 1, actionOnExceed: 'slowdown', slowdownMs: 250 } } },
      defaults: { rate: { maxPerMinute: 2 } },
    },
    pro: { rate: { maxPerMinute: 100 } },
  },
});

// What the middleware hands to decide() for an Express request (see requestInfo()).
function describe(method: string, path: string, route: string | undefined, ip: string, headers: Req['headers'] = {}): HttpRequestInfo<Req> {
  return { method, path, route, remoteAddress: ip, forwardedFor: undefined, raw: { ip, headers } };
}

const requests: Array<[string, HttpRequestInfo<Req>]> = [
  ['skip() is true', describe('GET', '/users/42', '/users/:id', '198.51.100.7', { 'x-internal': 'yes' })],
  ['blocked IP', describe('GET', '/users/42', '/users/:id', '203.0.113.9')],
  ['blocked IP, skip() true', describe('GET', '/users/42', '/users/:id', '203.0.113.9', { 'x-internal': 'yes' })],
  ['allowlisted IP', describe('GET', '/users/42', '/users/:id', '10.1.2.3')],
  ['a client, 1st', describe('GET', '/users/42', '/users/:id', '198.51.100.7')],
  ['a client, 2nd', describe('GET', '/users/43', '/users/:id', '198.51.100.7')],
  ['a client, 3rd', describe('GET', '/users/44', '/users/:id', '198.51.100.7')],
  ['same client, POST', describe('POST', '/orders', '/orders', '198.51.100.7')],
  ['an API key on pro', describe('GET', '/users/42', '/users/:id', '198.51.100.7', { 'x-api-key': 'key-1', 'x-plan': 'pro' })],
  ['search, 1st', describe('GET', '/search', '/search', '198.51.100.7')],
  ['search, 2nd', describe('GET', '/search', '/search', '198.51.100.7')],
  ['no route (a 404)', describe('GET', '/files/12345/raw', undefined, '198.51.100.7')],
];

for (const [label, info] of requests) {
  const d = await limiter.decide(info); // a promise only when a callback or the store is asynchronous
  const what = d.action === 'refuse' ? `refuse ${d.status} ${String(d.body?.reason)}` : `continue${d.delayMs > 0 ? ` after ${d.delayMs} ms` : ''}`;
  const remaining = d.headers.find(([name]) => name === 'RateLimit-Remaining')?.[1] ?? '-';
  console.log(`${label.padEnd(23)} ${what.padEnd(24)} user=${d.user || "''"} plan=${d.plan || "''"} endpoint=${d.endpoint} remaining=${remaining}`);
}
await limiter.close();
