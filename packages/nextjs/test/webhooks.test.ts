// Webhooks from a wrapped route handler to a local receiver: LimitRate v3's webhookUrl (one
// unsigned POST per event) and signed batches that verify with verifyWebhook; close()
// delivers what is queued.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhook } from '@limitrate/core';
import { afterEach, describe, expect, it } from 'vitest';
import { withRateLimit } from '../src/index.js';
import { ctx, nextRequest, ok } from './helpers.js';

const SECRET = 'whsec_bGltaXRyYXRlIG5leHRqcyB0ZXN0IGtleSwgMzIgYnl0ZXMh';

interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
}

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

/** A receiver on 127.0.0.1 recording each POST. */
async function receiver(): Promise<{ url: string; deliveries: Delivery[] }> {
  const deliveries: Delivery[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      deliveries.push({ headers: req.headers, body });
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, deliveries };
}

describe('webhooks', () => {
  it('webhookUrl (v3): one unsigned POST per event, the event as the body, delivered by close()', async () => {
    const hook = await receiver();
    const limit = withRateLimit({ webhookUrl: hook.url, identifyUser: () => 'ann', policies: { free: { rate: { maxPerMinute: 1 } } } });
    const GET = limit(ok);
    expect([(await GET(nextRequest('/x'), ctx()))!.status, (await GET(nextRequest('/x'), ctx()))!.status]).toEqual([200, 429]);
    await limit.close();
    expect(hook.deliveries.map((d) => JSON.parse(d.body) as Record<string, unknown>)).toEqual([expect.objectContaining({ type: 'rate_exceeded', user: 'ann', endpoint: 'GET|/x' })]);
    expect(hook.deliveries[0]!.headers['webhook-signature']).toBeUndefined();
  });

  it('webhooks with a secret: signed batches that verify with verifyWebhook', async () => {
    const hook = await receiver();
    const limit = withRateLimit({ webhooks: [{ url: hook.url, secret: SECRET, flushIntervalMs: 20 }], identifyUser: () => 'bob', policies: { free: { rate: { maxPerMinute: 1 } } } });
    const GET = limit(ok);
    await GET(nextRequest('/x'), ctx());
    await GET(nextRequest('/x'), ctx());
    await limit.close();
    expect(hook.deliveries.length).toBeGreaterThan(0);
    for (const d of hook.deliveries) expect(await verifyWebhook(SECRET, d.headers, d.body)).toBe(true);
    const events = hook.deliveries.flatMap((d) => (JSON.parse(d.body) as { data: { events: Array<{ type: string; user: string }> } }).data.events);
    expect(events.map((e) => [e.type, e.user])).toEqual([['rate_exceeded', 'bob']]);
  });
});
