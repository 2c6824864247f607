// POST /api/chat: a chat endpoint limited per client and plan (free: 5 a minute, pro: 50).
// GET /api/chat: the caller's quota, counting nothing. One limiter serves both.
import { createStatusEndpoint, rateLimitInfo, withRateLimit } from '@limitrate/nextjs';

const limit = withRateLimit({
  // On Vercel (or behind any proxy that sets X-Forwarded-For) the client address is in that
  // header. Next.js gives route handlers no other way to know it.
  trustProxy: true,
  // A real app reads the plan from its session; the example takes a header.
  identifyPlan: (req) => (req.headers.get('x-plan') === 'pro' ? 'pro' : 'free'),
  policies: {
    free: { rate: { maxPerMinute: 5 } },
    pro: { rate: { maxPerMinute: 50 } },
  },
  upgradeHint: (plan) => (plan === 'free' ? 'Upgrade to Pro for 10x the limit' : undefined),
});

export const POST = limit(async (request) => {
  const { message } = (await request.json().catch(() => ({}))) as { message?: string };
  return Response.json({ reply: `You said: ${message ?? '(nothing)'}`, remaining: rateLimitInfo(request)?.result?.remaining });
});

export const GET = createStatusEndpoint(limit, { endpoint: 'POST|/api/chat' });
