// POST /api/roadmap: the example of the LimitRate roadmap as written, on the edge runtime with
// the Upstash store. The token (and, when UPSTASH_URL is unset, the URL) come from
// UPSTASH_REDIS_REST_TOKEN and UPSTASH_REDIS_REST_URL. Without trustProxy or identifyUser
// every caller shares one counter: see the README.
import { withRateLimit } from '@limitrate/nextjs';

export const runtime = 'edge';

export const POST = withRateLimit({
  store: { type: 'upstash', url: process.env.UPSTASH_URL },
  policies: {
    free: { rate: { maxPerMinute: 10 } },
  },
})(async (request) => {
  return Response.json({ ok: true, path: request.nextUrl.pathname });
});
