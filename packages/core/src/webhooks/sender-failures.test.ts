// WebhookSender when receivers misbehave (real HTTP): 5xx then recovery, giving up, 429 and
// Retry-After, 4xx, 410, redirects, stalls, refused connections, ordering, independence, and
// hostile fetch implementations that must never cause an unhandled rejection.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventBus } from '../events/bus.js';
import type { WebhookDroppedEvent, WebhookFailedEvent } from '../events/types.js';
import { acceptedEvents, exceeded, harness, SECRET } from './__tests__/fixtures.js';
import { accept, pause, reset, stall, status, waitFor } from './__tests__/receiver.js';
import { WebhookSender } from './sender.js';
import { verifyWebhook } from './signature.js';

const h = harness();

describe('WebhookSender: retries', () => {
  it('retries 5xx with backoff until the receiver recovers, with the same webhook-id and a fresh valid signature each time', async () => {
    const receiver = await h.receiver();
    receiver.next(status(500), status(502), status(503));
    const { emit, sender, seen } = h.sender([{ url: receiver.url, secret: SECRET, flushIntervalMs: 0, retryDelayMs: 1 }]);
    emit(exceeded(0), exceeded(1));
    await waitFor(() => sender.stats().sent === 2, 'delivery');
    expect(receiver.requests.map((r) => r.reply)).toEqual([500, 502, 503, 204]);
    expect(new Set(receiver.requests.map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect(new Set(receiver.requests.map((r) => r.body)).size).toBe(1);
    for (const r of receiver.requests) expect(await verifyWebhook(SECRET, r.headers, r.body)).toBe(true);
    expect(sender.stats()).toEqual({ queued: 0, inFlight: 0, sent: 2, failed: 0, dropped: 0, retries: 3 });
    expect(seen).toEqual([]);
  });

  it('gives a batch up after maxRetries with one webhook_failed, then goes on with the next batch', async () => {
    const receiver = await h.receiver();
    receiver.next(status(500), status(500), status(500));
    const { emit, sender, seen } = h.sender([{ url: receiver.url, flushIntervalMs: 0, retryDelayMs: 1, maxRetries: 2, batchSize: 2 }]);
    emit(exceeded(0), exceeded(1), exceeded(2));
    await waitFor(() => sender.stats().sent === 1 && seen.length === 1, 'the failure and the next batch');
    expect(receiver.requests.map((r) => r.reply)).toEqual([500, 500, 500, 204]);
    const ids = receiver.requests.map((r) => r.headers['webhook-id']);
    expect(ids[0]).toBe(ids[2]);
    expect(ids[3]).not.toBe(ids[0]);
    expect(acceptedEvents(receiver).map((e) => e.value)).toEqual([2]);
    expect(seen[0]).toMatchObject({ type: 'webhook_failed', url: receiver.url, events: 2, attempts: 3, status: 500, error: 'HTTP 500' } satisfies Partial<WebhookFailedEvent>);
    expect(sender.stats()).toEqual({ queued: 0, inFlight: 0, sent: 1, failed: 2, dropped: 0, retries: 2 });
  });

  it('honours Retry-After on 429 (and 503): retried long before the backoff would allow', async () => {
    const receiver = await h.receiver();
    receiver.next(status(429, { 'retry-after': '0' }), status(503, { 'retry-after': new Date(Date.now() - 1000).toUTCString() }));
    // A backoff of at least 5 minutes: only Retry-After can bring the retries within the wait.
    const { emit, sender } = h.sender([{ url: receiver.url, flushIntervalMs: 0, retryDelayMs: 600_000, maxRetryDelayMs: 600_000 }]);
    emit(exceeded(0));
    await waitFor(() => sender.stats().sent === 1, 'delivery after 429 and 503');
    expect(receiver.requests.map((r) => r.reply)).toEqual([429, 503, 204]);
    expect(sender.stats().retries).toBe(2);
  });

  it('retries 429 without Retry-After on the normal backoff', async () => {
    const receiver = await h.receiver();
    receiver.next(status(429));
    const { emit, sender } = h.sender([{ url: receiver.url, flushIntervalMs: 0, retryDelayMs: 1 }]);
    emit(exceeded(0));
    await waitFor(() => sender.stats().sent === 1, 'delivery');
    expect(receiver.requests.map((r) => r.reply)).toEqual([429, 204]);
  });

  it('does not retry other 4xx: the batch fails at once and the next one is sent', async () => {
    const receiver = await h.receiver();
    receiver.next(status(400));
    const { emit, sender, seen } = h.sender([{ url: receiver.url, flushIntervalMs: 0, retryDelayMs: 1, batchSize: 1 }]);
    emit(exceeded(0), exceeded(1));
    await waitFor(() => sender.stats().sent === 1 && seen.length === 1, 'failure then delivery');
    expect(receiver.requests.map((r) => r.reply)).toEqual([400, 204]);
    expect(seen[0]).toMatchObject({ type: 'webhook_failed', events: 1, attempts: 1, status: 400 });
    expect(sender.stats()).toMatchObject({ sent: 1, failed: 1, retries: 0 });
  });

  it('does not follow redirects (Standard Webhooks): a 3xx fails the batch without retries', async () => {
    const receiver = await h.receiver();
    const target = await h.receiver();
    receiver.next(status(307, { location: target.url }));
    const { emit, sender, seen } = h.sender([{ url: receiver.url, flushIntervalMs: 0, retryDelayMs: 1 }]);
    emit(exceeded(0));
    await waitFor(() => seen.length === 1, 'the failure');
    expect(seen[0]).toMatchObject({ type: 'webhook_failed', status: 307, attempts: 1 });
    expect(target.requests).toEqual([]);
    expect(sender.stats()).toMatchObject({ failed: 1, retries: 0 });
  });

  it('disables an endpoint that answers 410 Gone: later events are dropped and counted, not sent', async () => {
    const receiver = await h.receiver();
    receiver.next(status(410));
    const { emit, sender, seen } = h.sender([{ url: receiver.url, flushIntervalMs: 0, retryDelayMs: 1, batchSize: 1 }]);
    emit(exceeded(0), exceeded(1));
    await waitFor(() => seen.some((e) => e.type === 'webhook_failed') && sender.stats().dropped === 1, 'the failure and the drop');
    emit(exceeded(2));
    await waitFor(() => sender.stats().dropped === 2, 'the later event dropped');
    await pause(50);
    expect(receiver.requests).toHaveLength(1);
    expect((seen.find((e) => e.type === 'webhook_failed') as WebhookFailedEvent).error).toContain('410');
    expect(sender.stats()).toEqual({ queued: 0, inFlight: 0, sent: 0, failed: 1, dropped: 2, retries: 0 });
  });

  it('times out a stalled request, aborts it, and retries the same message', async () => {
    const receiver = await h.receiver();
    receiver.next(stall, reset);
    const { emit, sender } = h.sender([{ url: receiver.url, secret: SECRET, flushIntervalMs: 0, retryDelayMs: 1, timeoutMs: 100 }]);
    emit(exceeded(0));
    await waitFor(() => sender.stats().sent === 1, 'delivery after a timeout and a reset');
    expect(receiver.requests.map((r) => r.reply)).toEqual(['stall', 'reset', 204]);
    expect(new Set(receiver.requests.map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect(sender.stats().retries).toBe(2);
  });

  it('keeps retrying while the receiver is down (connection refused) and delivers once it is back on the same port', async () => {
    const receiver = await h.receiver();
    await receiver.stop();
    const attempts: { id: string | undefined; error?: string }[] = [];
    const { emit, sender } = h.sender([{ url: receiver.url, flushIntervalMs: 0, retryDelayMs: 5, maxRetryDelayMs: 20, maxRetries: 100 }], {
      fetch: async (input, init) => {
        const entry: { id: string | undefined; error?: string } = { id: (init?.headers as Record<string, string>)['webhook-id'] };
        attempts.push(entry);
        try {
          return await fetch(input, init);
        } catch (error) {
          entry.error = String((error as Error & { cause?: { code?: string } }).cause?.code);
          throw error;
        }
      },
    });
    emit(exceeded(7));
    await waitFor(() => attempts.filter((a) => a.error !== undefined).length >= 3, 'three refused attempts');
    expect(attempts[0]!.error).toBe('ECONNREFUSED');
    await receiver.restart();
    await waitFor(() => sender.stats().sent === 1, 'delivery after restart');
    expect(acceptedEvents(receiver).map((e) => e.value)).toEqual([7]);
    expect(new Set(attempts.map((a) => a.id)).size).toBe(1);
    expect(sender.stats().retries).toBe(attempts.length - 1);
  });
});

describe('WebhookSender: ordering and independence', () => {
  it('delivers in order with at most one request in flight per endpoint, through failures', async () => {
    const receiver = await h.receiver();
    receiver.next(status(500), accept, status(503), status(500), accept, reset, accept, status(429, { 'retry-after': '0' }));
    const { emit, sender } = h.sender([{ url: receiver.url, batchSize: 5, flushIntervalMs: 1, retryDelayMs: 1 }]);
    for (let i = 0; i < 50; i++) {
      emit(exceeded(i));
      if (i % 7 === 0) await pause(1);
    }
    await waitFor(() => sender.stats().sent === 50, 'all 50 events');
    expect(acceptedEvents(receiver).map((e) => e.value)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(receiver.maxActive).toBe(1);
  });

  it('keeps endpoints independent: a stalled one does not delay the others', async () => {
    const stalled = await h.receiver();
    const healthy = await h.receiver();
    stalled.otherwise(stall);
    const { emit, sender } = h.sender([
      { url: stalled.url, flushIntervalMs: 0, timeoutMs: 600_000 },
      { url: healthy.url, flushIntervalMs: 0, batchSize: 3 },
    ]);
    for (let i = 0; i < 10; i++) emit(exceeded(i));
    await waitFor(() => sender.stats().sent === 10 && stalled.requests.length === 1, 'the healthy endpoint');
    expect(acceptedEvents(healthy)).toHaveLength(10);
    expect(sender.stats()).toMatchObject({ sent: 10, inFlight: 10, queued: 0 });
  });

  it("reports one endpoint's failures to another that lists webhook_failed, never to the failing endpoint itself", async () => {
    const failing = await h.receiver();
    const watcher = await h.receiver();
    failing.otherwise(status(400));
    const { emit, sender } = h.sender([
      { url: failing.url, events: ['rate_exceeded', 'webhook_failed'], flushIntervalMs: 0 },
      { url: watcher.url, events: ['webhook_failed'], flushIntervalMs: 0 },
    ]);
    emit(exceeded(0));
    await waitFor(() => sender.stats().sent === 1, 'the failure report');
    expect(acceptedEvents(watcher)[0]).toMatchObject({ type: 'webhook_failed', url: failing.url, status: 400, events: 1 });
    await pause(50);
    expect(failing.requests).toHaveLength(1);
    expect(sender.stats()).toMatchObject({ sent: 1, failed: 1 });
  });
});

describe('WebhookSender: no unhandled rejections, whatever fetch does', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  beforeAll(() => void process.on('unhandledRejection', onUnhandled));
  afterAll(() => void process.off('unhandledRejection', onUnhandled));

  it('survives fetches that throw, reject with non-errors, hang ignoring the signal, or return broken responses', async () => {
    const behaviours: (() => Promise<Response>)[] = [
      () => {
        throw new TypeError('synchronous throw');
      },
      () => Promise.reject('a string, not an Error'),
      () => Promise.reject(undefined),
      // Never settles and ignores the abort signal: the attempt timeout must still end it.
      () => new Promise<Response>(() => undefined),
      // Settles late, after its attempt timed out, with a rejection nobody else awaits.
      () => new Promise<Response>((_, reject) => setTimeout(() => reject(new Error('late')), 60)),
      async () => ({ status: 200 }) as unknown as Response,
      async () => ({ status: 200, headers: new Headers(), body: { cancel: () => Promise.reject(new Error('cancel failed')) } }) as unknown as Response,
      async () => new Response('ok', { status: 200 }),
    ];
    let call = 0;
    const bus = new EventBus();
    const failures: WebhookFailedEvent[] = [];
    bus.on('webhook_failed', (e) => void failures.push(e));
    const sender = new WebhookSender([{ url: 'https://example.com/hook', flushIntervalMs: 0, retryDelayMs: 1, timeoutMs: 30, maxRetries: 10 }], {
      fetch: () => behaviours[Math.min(call++, behaviours.length - 1)]!(),
    });
    sender.attach(bus);
    bus.emit(exceeded(0));
    await waitFor(() => sender.stats().sent === 1, 'delivery at last');
    // The headerless 200 counts as a failed attempt; the 200 whose body cannot be cancelled as a success.
    expect(call).toBe(7);
    expect(failures).toEqual([]);
    await pause(100);
    await sender.close();
    expect(unhandled).toEqual([]);
  });

  it('close() is bounded even when fetch hangs and ignores the abort signal', async () => {
    const bus = new EventBus();
    const seen: (WebhookFailedEvent | WebhookDroppedEvent)[] = [];
    bus.on('webhook_failed', (e) => void seen.push(e));
    bus.on('webhook_dropped', (e) => void seen.push(e));
    const sender = new WebhookSender([{ url: 'https://example.com/hook', flushIntervalMs: 0, timeoutMs: 600_000, batchSize: 1 }], {
      fetch: () => new Promise<Response>(() => undefined),
      closeTimeoutMs: 50,
    });
    sender.attach(bus);
    bus.emit(exceeded(0));
    bus.emit(exceeded(1));
    await sender.flush(); // returns after closeTimeoutMs without giving anything up
    expect(sender.stats()).toMatchObject({ inFlight: 1, queued: 1, failed: 0, dropped: 0 });
    await sender.close();
    await bus.flush();
    expect(sender.stats()).toEqual({ queued: 0, inFlight: 0, sent: 0, failed: 1, dropped: 1, retries: 0 });
    expect(seen.map((e) => e.type).sort()).toEqual(['webhook_dropped', 'webhook_failed']);
    expect(unhandled).toEqual([]);
  });
});
