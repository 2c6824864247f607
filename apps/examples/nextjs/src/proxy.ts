// The proxy (Next.js 16's name for middleware): one limiter in front of every route under
// /api/proxied, each counted under its route template.
import { rateLimitProxy } from '@limitrate/nextjs';

export const proxy = rateLimitProxy({
  trustProxy: true,
  routes: ['/api/proxied/items/[id]'],
  policies: { free: { defaults: { rate: { maxPerMinute: 4 } } } },
});

export const config = { matcher: '/api/proxied/:path*' };
