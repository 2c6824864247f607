// A Next.js route handler on Vercel with Upstash (install @limitrate/upstash and
// @upstash/redis). With no url or token in the config, the store reads
// UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN (or Vercel KV's KV_REST_API_URL and
// KV_REST_API_TOKEN) from the environment. The limiter lives at module level, so warm
// invocations reuse it.
import { RateLimiter } from '@limitrate/core';

const limiter = new RateLimiter({
  store: { type: 'upstash', keyPrefix: 'chat:' },
  policies: { free: { rate: { maxPerMinute: 2 } }, pro: { rate: { maxPerMinute: 100 } } },
});

// app/api/chat/route.ts
export async function POST(request: Request): Promise<Response> {
  const user = request.headers.get('x-user-id') ?? request.headers.get('x-forwarded-for') ?? 'anonymous';
  const r = await limiter.check({ userId: user, plan: request.headers.get('x-plan') ?? 'free', endpoint: 'POST|/api/chat' });
  if (!r.allowed) {
    return Response.json({ ok: false, reason: r.reason }, { status: 429, headers: { 'Retry-After': String(r.retryAfter ?? 60) } });
  }
  return Response.json({ ok: true, remaining: r.remaining });
}

// Calling the handler as Next.js would:
await limiter.reset({ userId: 'user-7' }); // (a clean slate for this demo)
for (let i = 1; i <= 3; i++) {
  const response = await POST(new Request('https://example.com/api/chat', { method: 'POST', headers: { 'x-user-id': 'user-7' } }));
  console.log(`POST /api/chat -> ${response.status} ${JSON.stringify(await response.json())}`);
}
