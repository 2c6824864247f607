// Events of the HTTP layer, to onEvent and to a LimitRate v3 `webhookUrl`: one POST per
// event, unsigned, with the event itself as the JSON body, and no `allowed` events.
import { HttpLimiter, manualClock } from '@limitrate/core';

// A stand-in for the network: print what would be POSTed instead of sending it.
const realFetch = globalThis.fetch;
globalThis.fetch = async (url: string | URL | Request, init?: RequestInit) => {
  console.log(`POST ${String(url)} ${String(init?.body)}`);
  return new Response(null, { status: 204 });
};

try {
  const limiter = new HttpLimiter({
    clock: manualClock(Date.UTC(2026, 0, 1)),
    webhookUrl: 'https://hooks.example.com/limitrate',
    onEvent: (e) => console.log(`onEvent: ${e.type}`),
    ipBlocklist: ['203.0.113.0/24'],
    policies: { free: { rate: { maxPerMinute: 1 } } },
  });
  for (const remoteAddress of ['198.51.100.7', '198.51.100.7', '203.0.113.9']) {
    await limiter.decide({ method: 'POST', path: '/api/chat', route: '/api/chat', remoteAddress, raw: {} });
  }
  await limiter.close(); // delivers the events and webhooks still queued: call it on shutdown
} finally {
  globalThis.fetch = realFetch;
}
