// Webhooks from the middleware to a real local node:http receiver: LimitRate v3's webhookUrl
// (one unsigned POST per event) and signed, batched `webhooks` verified with verifyWebhook.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhook, type LimitRateEvent } from '@limitrate/core';
import { afterEach, describe, expect, it } from 'vitest';
import { as, byHeader, echo, EventLog, EXPRESS_VERSIONS, from, midMinuteClock, useHarness } from './helpers.js';

interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
}

interface Batch {
  type: string;
  timestamp: string;
  data: { events: Array<LimitRateEvent & Record<string, unknown>> };
}

const SECRET = 'whsec_bGltaXRyYXRlIGV4cHJlc3MgdGVzdCBrZXksIDMyIGJ5dGVz';
const OTHER = 'whsec_c29tZWJvZHkgZWxzZSdzIGtleSwgMzIgYnl0ZXMgbG9uZyE=';

/** A webhook receiver on 127.0.0.1 that records what it gets and answers with `status`. */
class Receiver {
  readonly deliveries: Delivery[] = [];
  private waiters: Array<() => void> = [];
  private server: Server | undefined;
  url = '';

  constructor(private readonly status = 204) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.deliveries.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        for (const w of this.waiters.splice(0)) w();
        res.statusCode = this.status;
        res.end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
    return this;
  }

  async waitFor(count: number, timeoutMs = 5000): Promise<Delivery[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.deliveries.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`waited ${timeoutMs} ms for ${count} deliveries, got ${this.deliveries.length}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.deliveries;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.server === undefined) return resolve();
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }
}

describe.each(EXPRESS_VERSIONS)('%s: webhooks', (_name, express) => {
  // Signatures are checked against the real time, so the limiter runs on it too, shifted by
  // under a minute so that tests start mid-minute (no window boundary between two requests).
  const h = useHarness(express, { clock: midMinuteClock() });
  const receivers: Receiver[] = [];
  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((r) => r.close()));
  });
  const receiver = async (status?: number) => {
    const r = await new Receiver(status).start();
    receivers.push(r);
    return r;
  };

  it('webhookUrl (v3): one unsigned POST per event whose body is the event', async () => {
    const hook = await receiver();
    const lr = h.limitrate({ webhookUrl: hook.url, identifyUser: byHeader, policies: { free: { rate: { maxPerMinute: 1 } } } });
    const app = h.app();
    app.use(lr);
    app.get('/x', echo);
    const c = await h.listen(app);
    expect(await c.statuses('/x', 2, { headers: as('alice') })).toEqual([200, 429]);
    const [d] = await hook.waitFor(1);
    expect(d!.headers['content-type']).toMatch(/^application\/json/);
    expect(d!.headers['webhook-signature']).toBeUndefined();
    const event = JSON.parse(d!.body) as Record<string, unknown>;
    expect(event).toMatchObject({ type: 'rate_exceeded', user: 'alice', plan: 'free', endpoint: 'GET|/x', value: 2, threshold: 1, action: 'block' });
    await lr.close();
    // `allowed` events are not sent by default: the first request sent nothing.
    expect(hook.deliveries.map((x) => (JSON.parse(x.body) as { type: string }).type)).toEqual(['rate_exceeded']);
  });

  it('webhooks with a secret: batches verify with verifyWebhook; a wrong secret or a changed body does not', async () => {
    const hook = await receiver();
    const lr = h.limitrate({
      webhooks: [{ url: hook.url, secret: SECRET, flushIntervalMs: 20 }],
      trustedProxyCount: 1,
      ipBlocklist: ['198.51.100.0/24'],
      identifyUser: byHeader,
      policies: { free: { rate: { maxPerMinute: 1 } } },
    });
    const app = h.app();
    app.use(lr);
    app.get('/x', echo);
    const c = await h.listen(app);
    await c.statuses('/x', 2, { headers: from('203.0.113.1', as('bob')) });
    expect((await c.get('/x', from('198.51.100.7', as('bob')))).status).toBe(403);
    await lr.close();
    const deliveries = await hook.waitFor(1);
    const events: string[] = [];
    for (const d of deliveries) {
      expect(d.headers['webhook-id']).toMatch(/^msg_[0-9a-f]{32}$/);
      expect(d.headers['webhook-signature']).toMatch(/^v1,/);
      expect(await verifyWebhook(SECRET, d.headers, d.body)).toBe(true);
      expect(await verifyWebhook(OTHER, d.headers, d.body)).toBe(false);
      expect(await verifyWebhook(SECRET, d.headers, d.body.replace('bob', 'eve'))).toBe(false);
      const batch = JSON.parse(d.body) as Batch;
      expect(batch.type).toBe('limitrate.events');
      for (const e of batch.data.events) events.push(e.type);
    }
    expect(events).toEqual(['rate_exceeded', 'ip_blocked']);
    const batch = JSON.parse(deliveries[0]!.body) as Batch;
    expect(batch.data.events[0]).toMatchObject({ type: 'rate_exceeded', user: 'bob', endpoint: 'GET|/x' });
  });

  it('sends only the event types an endpoint asks for; "*" includes allowed', async () => {
    const only = await receiver();
    const all = await receiver();
    const lr = h.limitrate({
      webhooks: [
        { url: only.url, secret: SECRET, events: ['rate_exceeded'], flushIntervalMs: 20 },
        { url: all.url, events: '*', flushIntervalMs: 20 },
      ],
      policies: { free: { rate: { maxPerMinute: 1 } } },
    });
    const app = h.app();
    app.use(lr);
    app.get('/x', echo);
    const c = await h.listen(app);
    await c.statuses('/x', 2);
    await lr.close();
    const typesOf = (r: Receiver) => r.deliveries.flatMap((d) => (JSON.parse(d.body) as Batch).data.events.map((e) => e.type));
    expect(typesOf(only)).toEqual(['rate_exceeded']);
    expect(typesOf(all)).toEqual(['allowed', 'rate_exceeded']);
    // Unsigned without a secret.
    expect(all.deliveries[0]!.headers['webhook-signature']).toBeUndefined();
  });

  it('close() delivers what is still queued', async () => {
    const hook = await receiver();
    const lr = h.limitrate({ webhooks: [{ url: hook.url, secret: SECRET, flushIntervalMs: 60_000 }], policies: { free: { rate: { maxPerMinute: 1 } } } });
    const app = h.app();
    app.use(lr);
    app.get('/x', echo);
    const c = await h.listen(app);
    await c.statuses('/x', 4);
    expect(hook.deliveries).toHaveLength(0);
    await lr.close();
    expect(hook.deliveries).toHaveLength(1);
    expect((JSON.parse(hook.deliveries[0]!.body) as Batch).data.events).toHaveLength(3);
    expect(await verifyWebhook(SECRET, hook.deliveries[0]!.headers, hook.deliveries[0]!.body)).toBe(true);
  });

  it('a failing receiver never affects requests, and is reported as webhook_failed', async () => {
    const broken = await receiver(500);
    const log = new EventLog();
    const lr = h.limitrate({ onEvent: log.onEvent, webhooks: [{ url: broken.url, maxRetries: 0, flushIntervalMs: 20 }], policies: { free: { rate: { maxPerMinute: 1 } } } });
    const app = h.app();
    app.use(lr);
    app.get('/x', echo);
    const c = await h.listen(app);
    expect(await c.statuses('/x', 3)).toEqual([200, 429, 429]);
    const [failed] = await log.waitFor('webhook_failed');
    expect(failed).toMatchObject({ url: broken.url, status: 500, attempts: 1 });
    expect(await c.statuses('/x', 2)).toEqual([429, 429]);
  });

  it('a receiver that is not listening never affects requests', async () => {
    const gone = await receiver();
    const url = gone.url;
    await gone.close();
    const log = new EventLog();
    // (Not webhookUrl: its retries cannot be configured, and close() would keep trying for 10 s.)
    const lr = h.limitrate({ onEvent: log.onEvent, webhooks: [{ url, maxRetries: 0, flushIntervalMs: 20, timeoutMs: 500 }], policies: { free: { rate: { maxPerMinute: 1 } } } });
    const app = h.app();
    app.use(lr);
    app.get('/x', echo);
    const c = await h.listen(app);
    expect(await c.statuses('/x', 3)).toEqual([200, 429, 429]);
    await log.waitFor('webhook_failed');
  });
});
