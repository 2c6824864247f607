// Events and webhooks through the plugin: onEvent and limiter.events, signed batched
// webhooks and LimitRate v3's webhookUrl delivered to a real local receiver (a route's own
// limiter reporting through the plugin's), and app.close() flushing what is queued.
import type { IncomingHttpHeaders } from 'node:http';
import { systemClock, verifyWebhook, type LimitRateEvent } from '@limitrate/core';
import { describe, expect, it } from 'vitest';
import { echo, EventLog, useHarness } from './helpers.js';

const SECRET = 'whsec_bGltaXRyYXRlIGZhc3RpZnkgdGVzdCBrZXksIDMyIGJ5dGVz';

describe('events and webhooks', () => {
  const h = useHarness();

  /** A receiver app on 127.0.0.1 keeping each POST's headers and raw body, by path. */
  async function receiver() {
    const got: Array<{ path: string; headers: IncomingHttpHeaders; body: string }> = [];
    const app = h.app();
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    app.post('/*', async (req, reply) => {
      got.push({ path: req.url, headers: req.headers, body: req.body as string });
      return reply.code(204).send();
    });
    const c = await h.listen(app);
    return { got, base: c.base };
  }

  it('delivers to onEvent, limiter.events, signed webhooks and webhookUrl, route limiters included; app.close() flushes them', async () => {
    const hooks = await receiver();
    const log = new EventLog();
    const app = await h.limited({
      clock: systemClock, // signatures are checked against the real time
      onEvent: log.onEvent,
      webhooks: [{ url: `${hooks.base}/signed`, secret: SECRET, flushIntervalMs: 60_000 }],
      webhookUrl: `${hooks.base}/v3`,
      policies: { free: { rate: { maxPerDay: 1 } } },
    });
    const exceeded: LimitRateEvent[] = [];
    app.limitrate.limiter.events.on('rate_exceeded', (e) => void exceeded.push(e));
    app.get('/x', echo);
    app.get('/own', { config: { limitrate: { policies: { free: { rate: { maxPerDay: 1 } } } } } }, echo);
    const c = await h.listen(app);
    expect(await c.statuses('/x', 2)).toEqual([200, 429]);
    expect(await c.statuses('/own', 2)).toEqual([200, 429]);
    await app.close(); // flushes the batch that would have waited a minute

    expect(log.of('rate_exceeded').map((e) => e.endpoint)).toEqual(['GET|/x', 'GET|/own']);
    expect(exceeded.map((e) => e.endpoint)).toEqual(['GET|/x', 'GET|/own']);
    const v3 = hooks.got.filter((d) => d.path === '/v3').map((d) => JSON.parse(d.body) as LimitRateEvent);
    expect(v3.map((e) => `${e.type} ${e.endpoint}`)).toEqual(['rate_exceeded GET|/x', 'rate_exceeded GET|/own']); // no `allowed` events
    const signed = hooks.got.filter((d) => d.path === '/signed');
    expect(signed.length).toBeGreaterThanOrEqual(1);
    for (const d of signed) expect(await verifyWebhook(SECRET, d.headers, d.body)).toBe(true);
    const events = signed.flatMap((d) => (JSON.parse(d.body) as { data: { events: LimitRateEvent[] } }).data.events);
    expect(events.filter((e) => e.type === 'rate_exceeded').map((e) => e.endpoint)).toEqual(['GET|/x', 'GET|/own']);
  });
});
