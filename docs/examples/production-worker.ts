// A Cloudflare Worker with Upstash: the store is built from the Worker's secrets (env), once
// per isolate, and each decision is one HTTP request to Upstash (concurrent decisions share
// one). UpstashStore is edge-safe: no Node built-ins.
import { RateLimiter } from '@limitrate/core';
import { UpstashStore } from '@limitrate/upstash';

interface Env {
  UPSTASH_REDIS_REST_URL: string;
  UPSTASH_REDIS_REST_TOKEN: string;
}

let limiter: RateLimiter | undefined;
function limiterFor(env: Env): RateLimiter {
  limiter ??= new RateLimiter({
    store: new UpstashStore({ url: env.UPSTASH_REDIS_REST_URL, token: env.UPSTASH_REDIS_REST_TOKEN, keyPrefix: 'edge:' }),
    onStoreError: 'allow',
    policies: { free: { rate: { maxPerMinute: 2 } } },
  });
  return limiter;
}

const worker = {
  async fetch(request: Request, env: Env): Promise<Response> {
    const ip = request.headers.get('cf-connecting-ip') ?? 'unknown';
    const r = await limiterFor(env).check({ userId: ip, endpoint: 'GET|/api/data' });
    if (!r.allowed) return new Response('Too Many Requests', { status: 429, headers: { 'Retry-After': String(r.retryAfter ?? 60) } });
    return new Response(`hello, ${r.remaining} left this minute`);
  },
};
export default worker;

// What `wrangler dev` does, here in Node: call fetch with a request and the Worker's env.
const env: Env = { UPSTASH_REDIS_REST_URL: process.env.UPSTASH_REDIS_REST_URL ?? '', UPSTASH_REDIS_REST_TOKEN: process.env.UPSTASH_REDIS_REST_TOKEN ?? '' };
await limiterFor(env).reset({ userId: '203.0.113.9' }); // (a clean slate for this demo)
for (let i = 1; i <= 3; i++) {
  const response = await worker.fetch(new Request('https://api.example.com/api/data', { headers: { 'cf-connecting-ip': '203.0.113.9' } }), env);
  console.log(`GET /api/data -> ${response.status} ${await response.text()}`);
}
