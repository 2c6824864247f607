// Sends LimitRate events to webhook endpoints: queued in O(1) and sent later from timers and
// promises, batched, signed (Standard Webhooks), retried with backoff and jitter, one request
// in flight per endpoint, every queue bounded, every failure reported as an event, never thrown.
import { systemClock, type Clock } from '../clock.js';
import type { EventBus, Listener } from '../events/bus.js';
import { LimitRateError } from '../errors/index.js';
import type { Disposable, LimitRateEvent, LimitRateEventType, WebhookDroppedEvent, WebhookFailedEvent } from '../events/types.js';
import { isSenderEvent, resolveEndpoints } from './config.js';
import { Endpoint, later, type Waiter } from './endpoint.js';
import { describeError, discardBody, parseRetryAfter } from './http.js';
import { batchJson, eventJson } from './serialize.js';
import { importHmacKey, signatureBytes, toBase64 } from './signature.js';
import type { WebhookConfig, WebhookSenderOptions, WebhookStats } from './types.js';

/** At most one `webhook_dropped` per endpoint per this long (the first of a burst goes at once). */
const DROP_REPORT_INTERVAL_MS = 1000;

/** The result of one POST. */
type Attempt =
  | { ok: true }
  | { ok: false; retry: boolean; status?: number; error: string; retryAfterMs?: number; disable?: boolean };

/** How a batch ended. */
type Outcome = { ok: true } | { ok: false; attempts: number; status?: number; error: string; disable: boolean };

/**
 * Delivers limiter events to HTTP endpoints, signed with the Standard Webhooks scheme
 * (`webhook-id`, `webhook-timestamp`, `webhook-signature`), in batches of
 * `{"type":"limitrate.events","timestamp":"<ISO>","data":{"events":[...]}}`.
 *
 * Emitting never waits for the network: events are queued in O(1) per endpoint and sent from
 * timers. A slow or dead receiver only fills its own bounded queue (oldest dropped, reported
 * as `webhook_dropped`); a batch that cannot be delivered is reported as `webhook_failed`, both
 * on the attached buses. No timer starts before the first event, and timers do not keep the
 * process alive: call `close()` on shutdown to send what is queued.
 *
 * @example
 * ```ts
 * const sender = new WebhookSender([{ url: 'https://example.com/hooks/limitrate', secret: process.env.WEBHOOK_SECRET }]);
 * sender.attach(limiter.events);
 * // ... on shutdown:
 * await sender.close();
 * ```
 */
export class WebhookSender {
  private readonly endpoints: Endpoint[];
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly send: typeof fetch;
  /** Types some endpoint accepts: the bus subscriptions. */
  private readonly types: readonly LimitRateEventType[];
  /** Buses that receive the sender's own events. */
  private readonly targets = new Set<EventBus>();
  private readonly subscriptions = new Map<EventBus, Disposable[]>();
  /** Sender events already taken from some bus (one event may arrive from several). */
  private readonly seen = new WeakSet<object>();
  private closing = false;
  private closed: Promise<void> | undefined;

  constructor(configs: readonly WebhookConfig[], options: WebhookSenderOptions = {}) {
    this.endpoints = resolveEndpoints(configs, options).map((cfg) => new Endpoint(cfg));
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    const injected = options.fetch;
    this.send = injected ?? ((input, init) => fetch(input, init));
    const types = new Set<LimitRateEventType>();
    for (const ep of this.endpoints) for (const t of ep.cfg.accepts) types.add(t);
    this.types = [...types];
  }

  /**
   * Sends the events of `bus` (those some endpoint wants; subscribing per type, so `allowed`
   * is built only when an endpoint asks for it) and emits `webhook_failed` / `webhook_dropped`
   * on it. `dispose()` stops both.
   *
   * @example
   * ```ts
   * const subscription = sender.attach(limiter.events);
   * subscription.dispose();
   * ```
   */
  attach(bus: EventBus): Disposable {
    if (this.closing || this.closed !== undefined) {
      throw new LimitRateError('ERR_LIMITRATE_CLOSED', 'WebhookSender.attach() was called after close()', { hint: 'Create a new WebhookSender' });
    }
    if (!this.subscriptions.has(bus)) {
      const listener: Listener<LimitRateEvent> = (event) => this.accept(event);
      this.subscriptions.set(
        bus,
        this.types.map((type) => bus.on(type, listener)),
      );
      this.targets.add(bus);
    }
    let active = true;
    return {
      dispose: () => {
        if (!active) return;
        active = false;
        for (const s of this.subscriptions.get(bus) ?? []) s.dispose();
        this.subscriptions.delete(bus);
        this.targets.delete(bus);
      },
    };
  }

  /**
   * Sends everything queued now, without waiting for flush intervals, and resolves when it has
   * been delivered or given up, or after the close time limit (delivery then goes on in the
   * background). Events still in the attached buses' queues are taken first. Never rejects.
   *
   * @example
   * ```ts
   * await sender.flush();
   * console.log(sender.stats().sent);
   * ```
   */
  async flush(): Promise<void> {
    if (this.closed !== undefined) return this.closed;
    try {
      await Promise.all([...this.targets].map((bus) => bus.flush()));
      await Promise.all(this.endpoints.map((ep) => this.drain(ep, false)));
      for (const ep of this.endpoints) this.reportDrops(ep);
    } catch {
      // Nothing here throws; a flush must never reject either way.
    }
  }

  /**
   * Stops taking events, sends what is queued (retrying within the close time limit: by
   * default the larger of twice `timeoutMs` and 10 s), then gives up: the batch in flight is
   * reported as `webhook_failed`, the rest as one `webhook_dropped` per endpoint. Resolves when
   * done, never rejects; later calls return the same promise.
   *
   * @example
   * ```ts
   * process.on('SIGTERM', async () => { await sender.close(); process.exit(0); });
   * ```
   */
  close(): Promise<void> {
    this.closed ??= this.shutdown();
    return this.closed;
  }

  /**
   * Counters summed over the endpoints.
   *
   * @example
   * ```ts
   * const { queued, sent, failed, dropped } = sender.stats();
   * ```
   */
  stats(): WebhookStats {
    const s: WebhookStats = { queued: 0, inFlight: 0, sent: 0, failed: 0, dropped: 0, retries: 0 };
    for (const ep of this.endpoints) {
      s.queued += ep.ring.size;
      s.inFlight += ep.inFlight;
      s.sent += ep.sent;
      s.failed += ep.failed;
      s.dropped += ep.dropped;
      s.retries += ep.retries;
    }
    return s;
  }

  private async shutdown(): Promise<void> {
    try {
      // Events emitted before close() still get in.
      await Promise.all([...this.targets].map((bus) => bus.flush()));
      this.closing = true;
      for (const subs of this.subscriptions.values()) for (const s of subs) s.dispose();
      this.subscriptions.clear();
      await Promise.all(this.endpoints.map((ep) => this.drain(ep, true)));
      for (const ep of this.endpoints) {
        this.reportDrops(ep);
        this.stopTimers(ep);
      }
    } catch {
      // close() never rejects.
    } finally {
      this.targets.clear();
    }
  }

  /** A bus listener: hands the event to every endpoint that wants it. O(endpoints). */
  private accept(event: LimitRateEvent): void {
    if (this.closing) return;
    const type = event.type;
    const own = isSenderEvent(type);
    if (own) {
      if (this.seen.has(event)) return;
      this.seen.add(event);
    }
    for (const ep of this.endpoints) {
      if (!ep.cfg.accepts.has(type)) continue;
      // An endpoint never gets reports about itself: they would feed its own failures back to it.
      if (own && (event as WebhookFailedEvent | WebhookDroppedEvent).url === ep.cfg.url) continue;
      this.enqueue(ep, event);
    }
  }

  private enqueue(ep: Endpoint, event: LimitRateEvent): void {
    ep.accepted++;
    if (ep.disabled) {
      this.noteDrops(ep, 1);
      return;
    }
    if (ep.ring.push(event)) {
      if (ep.due > 0) ep.due--;
      this.noteDrops(ep, 1);
    }
    if (!ep.pumpScheduled) {
      ep.pumpScheduled = true;
      queueMicrotask(() => {
        ep.pumpScheduled = false;
        this.pump(ep);
      });
    }
  }

  /** Starts the next batch when the endpoint is free and a full batch (or a due one) is waiting. */
  private pump(ep: Endpoint): void {
    if (ep.abandoned) {
      const n = ep.ring.clear();
      if (n > 0) this.noteDrops(ep, n);
      return;
    }
    if (ep.disabled) return;
    const n = ep.ring.size;
    if (n === 0) return;
    if (ep.due < n && ep.flushTimer === undefined) {
      // Every event becomes due at most flushIntervalMs after it was queued.
      ep.flushTimer = later(ep.cfg.flushIntervalMs, () => {
        ep.flushTimer = undefined;
        ep.due = ep.ring.size;
        this.pump(ep);
      });
    }
    if (ep.busy || (n < ep.cfg.batchSize && ep.due === 0)) return;
    const events = ep.ring.take(ep.cfg.batchSize);
    ep.due = Math.max(0, ep.due - events.length);
    ep.busy = true;
    ep.inFlight = events.length;
    this.deliver(ep, events).catch(() => undefined);
  }

  /** Sends one batch to the end (delivered or given up), then starts the next. Never rejects. */
  private async deliver(ep: Endpoint, events: LimitRateEvent[]): Promise<void> {
    let outcome: Outcome;
    try {
      outcome = await this.attempts(ep, events);
    } catch (error) {
      outcome = { ok: false, attempts: 0, error: describeError(error), disable: false };
    }
    ep.busy = false;
    ep.inFlight = 0;
    if (outcome.ok) {
      ep.sent += events.length;
    } else {
      ep.failed += events.length;
      this.emit({
        type: 'webhook_failed',
        ...this.base(),
        url: ep.cfg.url,
        events: events.length,
        attempts: outcome.attempts,
        ...(outcome.status === undefined ? {} : { status: outcome.status }),
        error: outcome.error,
      });
    }
    this.advance(ep, events.length);
    if (!outcome.ok && outcome.disable) this.disable(ep);
    this.pump(ep);
  }

  /** The attempts at one batch: the same id and body each time, signed afresh with a new timestamp. */
  private async attempts(ep: Endpoint, events: LimitRateEvent[]): Promise<Outcome> {
    const legacy = ep.cfg.legacy;
    const body = legacy ? eventJson(events[0]!) : batchJson(events, new Date(this.clock.now()).toISOString());
    const id = `msg_${crypto.randomUUID().replaceAll('-', '')}`;
    let attempts = 0;
    let last: Attempt | undefined;
    for (;;) {
      if (ep.abandoned) {
        const status = last !== undefined && !last.ok ? last.status : undefined;
        const error = last !== undefined && !last.ok ? `${last.error}; given up at close()` : 'given up at close() before it could be sent';
        return { ok: false, attempts, ...(status === undefined ? {} : { status }), error, disable: false };
      }
      if (attempts > 0) ep.retries++;
      attempts++;
      last = await this.attempt(ep, legacy ? undefined : id, body);
      if (last.ok) return last;
      if (!last.retry || attempts > ep.cfg.maxRetries) {
        return { ok: false, attempts, ...(last.status === undefined ? {} : { status: last.status }), error: last.error, disable: last.disable === true };
      }
      await this.sleep(ep, last.retryAfterMs ?? this.backoff(ep, attempts));
    }
  }

  /**
   * One POST, bounded by timeoutMs (response body included) even when the fetch ignores its
   * abort signal. Never rejects.
   */
  private async attempt(ep: Endpoint, id: string | undefined, body: string): Promise<Attempt> {
    const controller = new AbortController();
    let reason: 'timeout' | 'close' | undefined;
    /** Set once this attempt stops waiting for the response. */
    let done = false;
    let interrupt!: () => void;
    const interrupted = new Promise<never>((_, reject) => {
      interrupt = () => {
        controller.abort();
        reject(new Error('interrupted'));
      };
    });
    interrupted.catch(() => undefined);
    const timer = later(ep.cfg.timeoutMs, () => {
      reason ??= 'timeout';
      interrupt();
    });
    ep.interrupt = () => {
      reason ??= 'close';
      interrupt();
    };
    try {
      const headers: Record<string, string> = { ...ep.cfg.headers, 'content-type': 'application/json' };
      if (id !== undefined) {
        const timestamp = Math.floor(this.clock.now() / 1000);
        headers['webhook-id'] = id;
        headers['webhook-timestamp'] = String(timestamp);
        if (ep.cfg.secrets.length > 0) headers['webhook-signature'] = await this.sign(ep, id, timestamp, body);
      }
      if (ep.abandoned) return { ok: false, retry: false, error: 'given up at close()' };
      const pending = this.send(ep.cfg.url, { method: 'POST', headers, body, signal: controller.signal, redirect: 'manual' });
      // A response that arrives after a timeout is released quietly; a late error is ignored.
      pending.then(
        (late) => (done ? discardBody(late) : undefined),
        () => undefined,
      );
      const response = await Promise.race([pending, interrupted]);
      const status = response.status;
      const retryAfter = response.headers.get('retry-after');
      await Promise.race([discardBody(response), interrupted]);
      return this.classify(status, retryAfter);
    } catch (error) {
      if (reason === 'timeout') return { ok: false, retry: true, error: `timed out after ${ep.cfg.timeoutMs} ms` };
      if (reason === 'close' || ep.abandoned) return { ok: false, retry: false, error: 'aborted at close()' };
      return { ok: false, retry: true, error: describeError(error) };
    } finally {
      done = true;
      clearTimeout(timer);
      ep.interrupt = undefined;
    }
  }

  private classify(status: number, retryAfter: string | null): Attempt {
    if (status >= 200 && status < 300) return { ok: true };
    if (status === 429 || status === 408 || status >= 500) {
      const retryAfterMs = parseRetryAfter(retryAfter, this.clock.now());
      return { ok: false, retry: true, status, error: `HTTP ${status}`, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
    }
    if (status === 410) return { ok: false, retry: false, status, disable: true, error: 'HTTP 410 Gone: the receiver asked for no more webhooks; this endpoint is disabled until restart' };
    if (status === 0 || (status >= 300 && status < 400)) {
      return { ok: false, retry: false, status, error: `HTTP ${status}: redirects are not followed; configure the final URL` };
    }
    return { ok: false, retry: false, status, error: `HTTP ${status}` };
  }

  private async sign(ep: Endpoint, id: string, timestamp: number, body: string): Promise<string> {
    ep.keys ??= Promise.all(ep.cfg.secrets.map((bytes) => importHmacKey(bytes)));
    const keys = await ep.keys;
    const parts: string[] = [];
    for (const key of keys) parts.push(`v1,${toBase64(await signatureBytes(key, id, timestamp, body))}`);
    return parts.join(' ');
  }

  /** Exponential backoff with equal jitter: half the delay fixed, half random. */
  private backoff(ep: Endpoint, failures: number): number {
    const ceiling = Math.min(ep.cfg.maxRetryDelayMs, ep.cfg.retryDelayMs * 2 ** Math.min(failures - 1, 30));
    let r = this.random();
    if (!(r >= 0 && r < 1)) r = 0.5;
    return ceiling / 2 + r * (ceiling / 2);
  }

  private sleep(ep: Endpoint, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        ep.wake = undefined;
        resolve();
      };
      const timer = later(ms, done);
      ep.wake = done;
    });
  }

  /**
   * Resolves when every event this endpoint holds now has left, or after closeTimeoutMs: then
   * close() (`giveUp`) abandons what is left and waits for that, flush() just returns.
   */
  private drain(ep: Endpoint, giveUp: boolean): Promise<void> {
    const target = ep.accepted;
    if (ep.left >= target) return Promise.resolve();
    ep.due = ep.ring.size;
    this.pump(ep);
    if (ep.left >= target) return Promise.resolve();
    return new Promise((resolve) => {
      // This timer keeps the process alive: whoever awaits close() gets its answer.
      const timer = later(
        ep.cfg.closeTimeoutMs,
        () => {
          if (giveUp) {
            this.abandon(ep);
          } else {
            ep.waiters = ep.waiters.filter((w) => w !== waiter);
            resolve();
          }
        },
        true,
      );
      const waiter: Waiter = {
        target,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      ep.waiters.push(waiter);
    });
  }

  private abandon(ep: Endpoint): void {
    ep.abandoned = true;
    ep.interrupt?.();
    ep.wake?.();
    this.pump(ep);
  }

  /** 410 Gone: drop what is queued and everything that comes later. */
  private disable(ep: Endpoint): void {
    ep.disabled = true;
    if (ep.flushTimer !== undefined) clearTimeout(ep.flushTimer);
    ep.flushTimer = undefined;
    const n = ep.ring.clear();
    if (n > 0) this.noteDrops(ep, n);
  }

  private noteDrops(ep: Endpoint, n: number): void {
    ep.dropped += n;
    ep.pendingDrops += n;
    this.advance(ep, n);
    if (ep.dropTimer === undefined && ep.coolTimer === undefined) {
      ep.dropTimer = later(0, () => {
        ep.dropTimer = undefined;
        this.reportDrops(ep);
      });
    }
  }

  /** Emits one webhook_dropped for the drops not yet reported, then holds further reports for a while. */
  private reportDrops(ep: Endpoint): void {
    if (ep.dropTimer !== undefined) clearTimeout(ep.dropTimer);
    ep.dropTimer = undefined;
    if (ep.pendingDrops === 0) return;
    const count = ep.pendingDrops;
    ep.pendingDrops = 0;
    this.emit({ type: 'webhook_dropped', ...this.base(), url: ep.cfg.url, count });
    if (ep.coolTimer !== undefined) clearTimeout(ep.coolTimer);
    ep.coolTimer = later(DROP_REPORT_INTERVAL_MS, () => {
      ep.coolTimer = undefined;
      this.reportDrops(ep);
    });
  }

  /** `n` more events have left the endpoint: wake flush()/close() callers waiting for them. */
  private advance(ep: Endpoint, n: number): void {
    ep.left += n;
    if (ep.waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const w of ep.waiters) {
      if (ep.left >= w.target) w.resolve();
      else still.push(w);
    }
    ep.waiters = still;
  }

  private stopTimers(ep: Endpoint): void {
    for (const t of [ep.flushTimer, ep.dropTimer, ep.coolTimer]) if (t !== undefined) clearTimeout(t);
    ep.flushTimer = ep.dropTimer = ep.coolTimer = undefined;
  }

  private base(): { timestamp: number; user: string; plan: string; endpoint: string } {
    return { timestamp: this.clock.now(), user: '', plan: '', endpoint: '' };
  }

  private emit(event: WebhookFailedEvent | WebhookDroppedEvent): void {
    for (const bus of this.targets) bus.emit(event);
  }
}
