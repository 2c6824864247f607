// WebhookSender's bounds (real HTTP): a full queue drops its oldest events and says so once per
// burst, a flood against a stalled receiver never slows emit(), and close() sends what is
// queued within a bounded time, then reports what it gave up.
import { describe, expect, it } from 'vitest';
import { LimitRateError } from '../errors/index.js';
import type { WebhookDroppedEvent, WebhookFailedEvent } from '../events/types.js';
import { acceptedEvents, exceeded, harness } from './__tests__/fixtures.js';
import { pause, stall, waitFor } from './__tests__/receiver.js';

const h = harness();

describe('WebhookSender: bounded queues', () => {
  it('drops the oldest events of a full queue, counts them, and reports the burst with one webhook_dropped', async () => {
    const receiver = await h.receiver();
    receiver.next(stall);
    const { emit, sender, seen, bus } = h.sender([{ url: receiver.url, maxQueue: 10, batchSize: 5, flushIntervalMs: 0, timeoutMs: 600_000 }]);
    for (let i = 0; i < 5; i++) emit(exceeded(i));
    await waitFor(() => receiver.requests.length === 1, 'the first batch to stall');
    for (let i = 5; i < 105; i++) emit(exceeded(i));
    await waitFor(() => seen.length === 1, 'the drop report');
    expect(seen[0]).toMatchObject({ type: 'webhook_dropped', url: receiver.url, count: 90 } satisfies Partial<WebhookDroppedEvent>);
    expect(sender.stats()).toEqual({ queued: 10, inFlight: 5, sent: 0, failed: 0, dropped: 90, retries: 0 });

    receiver.release();
    await waitFor(() => sender.stats().sent === 15, 'the rest');
    // The first (in-flight) batch, then the newest ten: the oldest queued events were the ones dropped.
    expect(acceptedEvents(receiver).map((e) => e.value)).toEqual([0, 1, 2, 3, 4, ...Array.from({ length: 10 }, (_, i) => 95 + i)]);
    await bus.flush();
    expect(seen).toHaveLength(1);
  });

  it('never slows emit(): 10,000 synchronous events against a stalled receiver keep at most maxQueue waiting', async () => {
    const receiver = await h.receiver();
    receiver.otherwise(stall);
    const { emit, sender, seen, bus } = h.sender([{ url: receiver.url, maxQueue: 100, batchSize: 10, flushIntervalMs: 0, timeoutMs: 600_000 }]);
    for (let i = 0; i < 10_000; i++) emit(exceeded(i));
    // emit() only queued them in the bus: nothing has reached the sender, let alone the network.
    expect(sender.stats()).toEqual({ queued: 0, inFlight: 0, sent: 0, failed: 0, dropped: 0, retries: 0 });
    expect(receiver.requests).toHaveLength(0);

    await bus.flush();
    await waitFor(() => seen.length === 1, 'the drop report');
    const stats = sender.stats();
    expect(stats.queued + stats.inFlight).toBeLessThanOrEqual(100);
    expect(stats.queued + stats.inFlight + stats.dropped).toBe(10_000);
    expect(stats.dropped).toBeGreaterThanOrEqual(10_000 - 100);
    expect((seen[0] as WebhookDroppedEvent).count).toBe(stats.dropped);
    expect(bus.stats().dropped).toBe(0);
    await waitFor(() => receiver.requests.length === 1, 'the one stalled request');
    await pause(50);
    expect(receiver.requests).toHaveLength(1);
    expect(seen).toHaveLength(1);
  });

  it('reports a long overflow at most once per second, with counts adding up', async () => {
    const receiver = await h.receiver();
    receiver.otherwise(stall);
    const { emit, sender, seen } = h.sender([{ url: receiver.url, maxQueue: 1, batchSize: 1, flushIntervalMs: 0, timeoutMs: 600_000 }]);
    for (let tick = 0; tick < 20; tick++) {
      emit(exceeded(2 * tick), exceeded(2 * tick + 1));
      await pause(2);
    }
    const dropped = (): number => seen.reduce((n, e) => n + (e as WebhookDroppedEvent).count, 0);
    await waitFor(() => sender.stats().dropped > 0 && dropped() === sender.stats().dropped, 'reports covering every drop');
    // The first report goes out at once, the rest of a sustained burst is held and summed.
    expect(seen.length).toBeLessThanOrEqual(2);
  });
});

describe('WebhookSender: close()', () => {
  it('sends everything queued, then takes no more events', async () => {
    const receiver = await h.receiver();
    const { emit, sender, bus } = h.sender([{ url: receiver.url, batchSize: 100, flushIntervalMs: 600_000 }]);
    for (let i = 0; i < 7; i++) emit(exceeded(i));
    await sender.close();
    expect(acceptedEvents(receiver).map((e) => e.value)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(sender.stats()).toEqual({ queued: 0, inFlight: 0, sent: 7, failed: 0, dropped: 0, retries: 0 });

    emit(exceeded(7));
    await bus.flush();
    await sender.flush();
    expect(sender.stats().sent).toBe(7);
    expect(bus.has('rate_exceeded')).toBe(false);
    expect(() => sender.attach(bus)).toThrow(LimitRateError);
    expect(sender.close()).toBe(sender.close());
  });

  it('gives up after its time limit on a stalled receiver: the batch in flight fails, the rest is dropped', async () => {
    const receiver = await h.receiver();
    receiver.otherwise(stall);
    const { emit, sender, seen, bus } = h.sender([{ url: receiver.url, batchSize: 2, flushIntervalMs: 600_000, timeoutMs: 600_000 }], { closeTimeoutMs: 200 });
    for (let i = 0; i < 5; i++) emit(exceeded(i));
    await waitFor(() => receiver.requests.length === 1, 'the stalled request');
    await sender.close();
    await bus.flush();
    expect(sender.stats()).toEqual({ queued: 0, inFlight: 0, sent: 0, failed: 2, dropped: 3, retries: 0 });
    const failed = seen.find((e) => e.type === 'webhook_failed') as WebhookFailedEvent;
    const dropped = seen.find((e) => e.type === 'webhook_dropped') as WebhookDroppedEvent;
    expect(failed).toMatchObject({ url: receiver.url, events: 2, attempts: 1 });
    expect(failed.error).toContain('close()');
    expect(dropped).toMatchObject({ url: receiver.url, count: 3 });
  });

  it('gives up after its time limit on a receiver that is down, between retries', async () => {
    const receiver = await h.receiver();
    await receiver.stop();
    const { emit, sender, seen, bus } = h.sender([{ url: receiver.url, flushIntervalMs: 0, retryDelayMs: 20, maxRetryDelayMs: 20, maxRetries: 100 }], { closeTimeoutMs: 200 });
    emit(exceeded(0));
    await sender.close();
    await bus.flush();
    const stats = sender.stats();
    expect(stats).toMatchObject({ queued: 0, inFlight: 0, sent: 0, failed: 1, dropped: 0 });
    expect(stats.retries).toBeGreaterThan(0);
    expect(seen).toEqual([expect.objectContaining({ type: 'webhook_failed', events: 1, attempts: stats.retries + 1 })]);
  });
});
