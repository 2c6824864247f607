// GET /api/edge: a route handler on the edge runtime, sending the IETF draft's RateLimit and
// RateLimit-Policy headers.
import { withRateLimit } from '@limitrate/nextjs';

export const runtime = 'edge';

export const GET = withRateLimit({
  trustProxy: true,
  headers: 'draft',
  policies: { free: { rate: { maxPerMinute: 3 } } },
})(async () => Response.json({ runtime: 'edge' }));
