// The chat routes' limiter, in a module of its own: the chat route handler limits with it,
// and the inspector route (src/app/limitrate/route.ts) reports what it counted. Both import
// this one module, so they share one limiter and its analytics in each server process.
import { withRateLimit } from '@limitrate/nextjs';

export const limit = withRateLimit({
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
  // Per-minute counts by endpoint, plan and user, and the latest blocks: what the inspector
  // serves to `npx limitrate dashboard`.
  analytics: true,
});
