// GET /api/users/:id: every user id shares one counter per client, because the limiter keys
// the request by its route template (GET|/api/users/:id), rebuilt from Next.js's params.
import { withRateLimit } from '@limitrate/nextjs';

export const GET = withRateLimit({
  trustProxy: true,
  policies: { free: { endpoints: { 'GET|/api/users/:id': { rate: { maxPerMinute: 3 } } } } },
})(async (_request, { params }: { params: Promise<{ id: string }> }) => {
  const { id } = await params;
  return Response.json({ id, name: `User ${id}` });
});
