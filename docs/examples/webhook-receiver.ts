// Webhooks: send limiter events to a receiver, signed the Standard Webhooks way, and verify them there.
import { RateLimiter, WebhookSender, manualClock, verifyWebhook } from '@limitrate/core';

// 'whsec_' + base64 of random key bytes (at least 24). Keep yours in a secret store, not in code.
const secret = 'whsec_bGltaXRyYXRlIGRvY3MgZXhhbXBsZSBrZXksIDMyIGJ5dGVz';

// The receiver, as a Web-standard handler: the same code serves in Hono, Next.js route
// handlers, Cloudflare Workers, Deno and Bun.
const handled = new Set<string>();
async function receive(request: Request): Promise<Response> {
  const body = await request.text(); // the raw body: verify it before parsing it
  if (!(await verifyWebhook(secret, request.headers, body))) return new Response('invalid signature', { status: 401 });
  const id = request.headers.get('webhook-id')!;
  if (handled.has(id)) return new Response(null, { status: 204 }); // a retry of a batch already handled
  handled.add(id);
  const batch = JSON.parse(body) as { type: string; data: { events: { type: string; user: string; value: number; threshold: number }[] } };
  for (const e of batch.data.events) console.log(`verified ${batch.type}: ${e.type} user=${e.user} value=${e.value} threshold=${e.threshold}`);
  return new Response(null, { status: 204 });
}

// In an app, `url` is where the receiver listens and the sender uses the global fetch. Here the
// sender's fetch hands each request straight to the handler above: no server needed.
const sender = new WebhookSender([{ url: 'https://hooks.example.com/limitrate', secret }], {
  fetch: async (url, init) => receive(new Request(url, init)),
});

const limiter = new RateLimiter({ clock: manualClock(Date.UTC(2026, 0, 1)), policies: { free: { rate: { maxPerMinute: 1 } } } });
sender.attach(limiter.events);

// Each user's first request passes ('allowed' events are not sent by default); the second exceeds the limit.
for (const userId of ['alice', 'alice', 'bob', 'bob']) await limiter.check({ userId, endpoint: 'POST|/api/chat' });

// Events go out in batches (20 events, or after 1 s); close() sends what is still queued.
await sender.close();
console.log('sender stats:', JSON.stringify(sender.stats()));

// A request that was not signed with the secret is refused.
const forged = new Request('https://hooks.example.com/limitrate', {
  method: 'POST',
  headers: { 'webhook-id': 'msg_forged', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': `v1,${btoa('x'.repeat(32))}` },
  body: '{"type":"limitrate.events","data":{"events":[]}}',
});
console.log(`forged request: HTTP ${(await receive(forged)).status}`);
await limiter.close();
