// POST /api/chat: a chat endpoint limited per client and plan (free: 5 a minute, pro: 50).
// GET /api/chat: the caller's quota, counting nothing. One limiter serves both.
import { createStatusEndpoint, rateLimitInfo } from '@limitrate/nextjs';
import { limit } from '../../../lib/chat-limit';

export const POST = limit(async (request) => {
  const { message } = (await request.json().catch(() => ({}))) as { message?: string };
  return Response.json({ reply: `You said: ${message ?? '(nothing)'}`, remaining: rateLimitInfo(request)?.result?.remaining });
});

export const GET = createStatusEndpoint(limit, { endpoint: 'POST|/api/chat' });
