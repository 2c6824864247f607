// WebhookSender against a real HTTP receiver: request format and signatures, event selection,
// batching, flush intervals, flush(), the v3 legacy URL, configuration errors and timers.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EventBus } from '../events/bus.js';
import { ConfigError, StoreError } from '../errors/index.js';
import type { LimitRateEvent } from '../events/types.js';
import { acceptedEvents, exceeded, harness, SECRET, type BatchBody } from './__tests__/fixtures.js';
import { status, waitFor } from './__tests__/receiver.js';
import { WebhookSender } from './sender.js';
import { verifyWebhook } from './signature.js';

const h = harness();

afterEach(() => {
  vi.restoreAllMocks();
});

describe('WebhookSender: what is sent', () => {
  it('POSTs a Standard Webhooks batch that verifyWebhook accepts, and only with the right secret, body and time', async () => {
    const receiver = await h.receiver();
    const { emit } = h.sender([{ url: receiver.url, secret: SECRET, flushIntervalMs: 10, headers: { authorization: 'Bearer t0ken' } }]);
    const storeError: LimitRateEvent = { type: 'store_error', timestamp: 1, user: 'u', plan: 'free', endpoint: 'GET|/', store: 'redis', policy: 'allow', error: new StoreError('redis', 'timed out', { timeout: true }) };
    emit(exceeded(1), storeError, { type: 'usage_recorded', timestamp: 2, user: 'u', plan: 'free', endpoint: 'GET|/', tokens: -5, cost: 0.25, overLimit: false });
    await waitFor(() => receiver.requests.length === 1, 'one request');

    const req = receiver.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers.authorization).toBe('Bearer t0ken');
    expect(req.headers['webhook-id']).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(req.headers['webhook-timestamp']).toMatch(/^\d{10}$/);
    expect(req.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);

    const body = JSON.parse(req.body) as BatchBody;
    expect(body.type).toBe('limitrate.events');
    expect(new Date(body.timestamp).toISOString()).toBe(body.timestamp);
    expect(body.data.events.map((e) => e.type)).toEqual(['rate_exceeded', 'store_error', 'usage_recorded']);
    expect(body.data.events[0]).toEqual(JSON.parse(JSON.stringify(exceeded(1))));
    expect(body.data.events[1]!.error).toEqual({ name: 'StoreError', code: 'ERR_LIMITRATE_STORE_TIMEOUT', message: expect.stringContaining('timed out') });

    expect(await verifyWebhook(SECRET, req.headers, req.body)).toBe(true);
    expect(await verifyWebhook('whsec_' + Buffer.from('some other key of 24 b!!').toString('base64'), req.headers, req.body)).toBe(false);
    expect(await verifyWebhook(SECRET, req.headers, req.body.replace('"value":1', '"value":2'))).toBe(false);
    const sentAt = Number(req.headers['webhook-timestamp']) * 1000;
    expect(await verifyWebhook(SECRET, req.headers, req.body, { now: sentAt + 6 * 60_000 })).toBe(false);
  });

  it('signs with every secret during a rotation, and sends unsigned without a secret', async () => {
    const rotated = await h.receiver();
    const unsigned = await h.receiver();
    const old = 'a plain-text secret being rotated out';
    const { emit } = h.sender([
      { url: rotated.url, secret: [SECRET, old], flushIntervalMs: 0 },
      { url: unsigned.url, flushIntervalMs: 0 },
    ]);
    emit(exceeded(1));
    await waitFor(() => rotated.requests.length === 1 && unsigned.requests.length === 1, 'both requests');
    const r = rotated.requests[0]!;
    expect(String(r.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(await verifyWebhook(SECRET, r.headers, r.body)).toBe(true);
    expect(await verifyWebhook(old, r.headers, r.body)).toBe(true);
    const u = unsigned.requests[0]!;
    expect(u.headers['webhook-signature']).toBeUndefined();
    expect(u.headers['webhook-id']).toMatch(/^msg_/);
    expect(u.headers['webhook-timestamp']).toMatch(/^\d+$/);
  });

  it("sends every type but 'allowed' by default, adds 'allowed' for '*', and the sender's own events only when listed", async () => {
    const byDefault = await h.receiver();
    const star = await h.receiver();
    const listed = await h.receiver();
    const { emit, bus } = h.sender([
      { url: byDefault.url, flushIntervalMs: 0 },
      { url: star.url, events: '*', flushIntervalMs: 0 },
      { url: listed.url, events: ['allowed', 'webhook_dropped'], flushIntervalMs: 0 },
    ]);
    emit(
      { type: 'allowed', timestamp: 1, user: 'u', plan: 'free', endpoint: 'GET|/' },
      exceeded(2),
      { type: 'webhook_dropped', timestamp: 3, user: '', plan: '', endpoint: '', url: 'https://elsewhere.example/hook', count: 4 },
    );
    await bus.flush();
    const types = (r: typeof byDefault) => acceptedEvents(r).map((e) => e.type);
    await waitFor(() => types(byDefault).length === 1 && types(star).length === 2 && types(listed).length === 2, 'all deliveries');
    expect(types(byDefault)).toEqual(['rate_exceeded']);
    expect(types(star)).toEqual(['allowed', 'rate_exceeded']);
    expect(types(listed)).toEqual(['allowed', 'webhook_dropped']);
  });

  it("subscribes per event type, so a default sender does not make the limiter build 'allowed' events", () => {
    const bus = new EventBus();
    new WebhookSender([{ url: 'https://example.com/hook' }]).attach(bus);
    expect(bus.has('allowed')).toBe(false);
    expect(bus.has('rate_exceeded')).toBe(true);
    expect(bus.has('webhook_failed')).toBe(false);
  });
});

describe('WebhookSender: batching', () => {
  it('sends at most batchSize events per POST, in order', async () => {
    const receiver = await h.receiver();
    const { emit } = h.sender([{ url: receiver.url, batchSize: 20, flushIntervalMs: 20 }]);
    emit(...Array.from({ length: 45 }, (_, i) => exceeded(i)));
    await waitFor(() => acceptedEvents(receiver).length === 45, '45 events');
    const sizes = (receiver.accepted() as BatchBody[]).map((b) => b.data.events.length);
    expect(sizes).toEqual([20, 20, 5]);
    expect(acceptedEvents(receiver).map((e) => e.value)).toEqual(Array.from({ length: 45 }, (_, i) => i));
  });

  it('sends a partial batch after flushIntervalMs without being asked', async () => {
    const receiver = await h.receiver();
    const { emit, sender } = h.sender([{ url: receiver.url, batchSize: 100, flushIntervalMs: 20 }]);
    emit(exceeded(0), exceeded(1), exceeded(2));
    await waitFor(() => receiver.requests.length === 1, 'a partial batch');
    emit(exceeded(3), exceeded(4));
    await waitFor(() => receiver.requests.length === 2, 'a second partial batch');
    expect((receiver.accepted() as BatchBody[]).map((b) => b.data.events.map((e) => e.value))).toEqual([[0, 1, 2], [3, 4]]);
    await waitFor(() => sender.stats().sent === 5, 'the second acknowledgement');
    expect(sender.stats()).toEqual({ queued: 0, inFlight: 0, sent: 5, failed: 0, dropped: 0, retries: 0 });
  });

  it('flush() sends a partial batch at once and resolves when it is delivered', async () => {
    const receiver = await h.receiver();
    const { emit, sender } = h.sender([{ url: receiver.url, batchSize: 100, flushIntervalMs: 600_000 }]);
    emit(exceeded(0), exceeded(1), exceeded(2));
    // flush() also takes the events still waiting in the bus.
    await sender.flush();
    expect(acceptedEvents(receiver).map((e) => e.value)).toEqual([0, 1, 2]);
    expect(sender.stats().sent).toBe(3);
  });
});

describe('WebhookSender: LimitRate v3 webhookUrl (legacyUrl)', () => {
  it('POSTs each event alone, unsigned, the body being the event, retried like any endpoint', async () => {
    const receiver = await h.receiver();
    receiver.next(status(500));
    const { emit, sender } = h.sender([], { legacyUrl: receiver.url });
    emit(exceeded(0), { type: 'allowed', timestamp: 1, user: 'u', plan: 'free', endpoint: 'GET|/' }, exceeded(1), exceeded(2));
    await waitFor(() => sender.stats().sent === 3, 'three events');
    expect(receiver.accepted()).toEqual([0, 1, 2].map((i) => JSON.parse(JSON.stringify(exceeded(i)))));
    expect(receiver.requests).toHaveLength(4);
    for (const r of receiver.requests) {
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers['webhook-signature']).toBeUndefined();
      expect(r.headers['webhook-id']).toBeUndefined();
    }
    expect(sender.stats()).toMatchObject({ sent: 3, retries: 1, failed: 0 });
  });
});

describe('WebhookSender: configuration', () => {
  it('refuses a bad configuration at construction, listing every problem with its path', () => {
    let error: unknown;
    try {
      new WebhookSender(
        [
          { url: 'ftp://example.com', batchSize: 0, events: ['nope' as never], headers: { 'Content-Type': 'text/plain' }, secret: 'whsec_***' },
          { url: 'https://example.com/ok', maxQueue: 1.5, timeoutMs: -1, retries: 3 } as never,
        ],
        { legacyUrl: 'not a url' },
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const paths = (error as ConfigError).issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'webhooks[0].url',
        'webhooks[0].batchSize',
        'webhooks[0].events[0]',
        'webhooks[0].headers["Content-Type"]',
        'webhooks[0].secret',
        'webhooks[1].maxQueue',
        'webhooks[1].timeoutMs',
        'webhooks[1].retries',
        'legacyUrl',
      ]),
    );
    expect((error as ConfigError).message).not.toContain('***');
  });

  it('starts no timer at construction, on attach, or before an event arrives', () => {
    const timeouts = vi.spyOn(globalThis, 'setTimeout');
    const intervals = vi.spyOn(globalThis, 'setInterval');
    const sender = new WebhookSender([{ url: 'https://example.com/hook', secret: SECRET }], { legacyUrl: 'https://example.com/v3' });
    sender.attach(new EventBus());
    expect(timeouts).not.toHaveBeenCalled();
    expect(intervals).not.toHaveBeenCalled();
    expect(sender.stats()).toEqual({ queued: 0, inFlight: 0, sent: 0, failed: 0, dropped: 0, retries: 0 });
  });

  it('unrefs its timers (they never keep a process alive; close() is how to wait)', async () => {
    const created: { timer: { hasRef(): boolean }; fromSender: boolean }[] = [];
    const real = globalThis.setTimeout;
    vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) => {
      const timer = real(fn, ms) as unknown as { hasRef(): boolean };
      created.push({ timer, fromSender: /webhooks[/\\]sender\.ts/.test(new Error().stack ?? '') });
      return timer;
    }) as typeof setTimeout);
    let calls = 0;
    const bus = new EventBus();
    const sender = new WebhookSender([{ url: 'https://example.com/hook', batchSize: 100, flushIntervalMs: 5, retryDelayMs: 1, maxQueue: 2 }], {
      fetch: async () => new Response(null, { status: ++calls === 1 ? 503 : 204 }),
    });
    sender.attach(bus);
    for (let i = 0; i < 5; i++) bus.emit(exceeded(i));
    await waitFor(() => sender.stats().sent === 2, 'delivery after a retry');
    const ours = created.filter((c) => c.fromSender);
    // flush timer, attempt timeouts, the retry delay, the drop report
    expect(ours.length).toBeGreaterThanOrEqual(4);
    expect(ours.every((c) => !c.timer.hasRef())).toBe(true);
    vi.restoreAllMocks();
    await sender.close();
  });
});
