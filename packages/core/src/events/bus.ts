// A typed event bus whose listeners can never block or break a check: events are queued
// (bounded) and delivered after the current task's synchronous work, every listener call
// is isolated, and errors (thrown or rejected) go to an error handler, never to the caller.
import { systemClock, type Clock } from '../clock.js';
import type { Disposable, EventOf, LimitRateEvent, LimitRateEventType } from './types.js';

export type Listener<E> = (event: E) => void | Promise<void>;

export interface EventBusOptions {
  /** Most events waiting for delivery; further events are dropped and counted (default 10,000). */
  maxQueue?: number;
  /** Receives listener errors (default: console.error, at most once per 10 seconds per bus). */
  onListenerError?: (error: unknown, event: LimitRateEvent) => void;
  /** Clock for rate-limiting the default error report. */
  clock?: Clock;
}

type AnyListener = Listener<LimitRateEvent>;

/**
 * Typed pub/sub for limiter events.
 *
 * @example
 * ```ts
 * const sub = limiter.events.on('rate_exceeded', (e) => console.log(e.user, e.window));
 * sub.dispose();
 * ```
 */
export class EventBus {
  private readonly listeners = new Map<string, AnyListener[]>();
  private wildcard: AnyListener[] = [];
  /** Listeners subscribed right now (lets has() answer without a lookup when there are none). */
  private total = 0;
  /**
   * Whether a type has listeners, as properties of a plain object: has('allowed'), inlined
   * into a check, is one property load (a Map lookup per check costs several times that).
   * Properties are set to false, never deleted, so the object keeps its fast shape.
   */
  private readonly listened: Record<string, boolean> = {};
  private queue: LimitRateEvent[] = [];
  private scheduled = false;
  private droppedCount = 0;
  private deliveredCount = 0;
  private errorCount = 0;
  private lastReport = -Infinity;
  private readonly maxQueue: number;
  private readonly clock: Clock;
  private onListenerError: (error: unknown, event: LimitRateEvent) => void;

  constructor(options: EventBusOptions = {}) {
    this.maxQueue = options.maxQueue ?? 10_000;
    this.clock = options.clock ?? systemClock;
    this.onListenerError = options.onListenerError ?? ((error, event) => this.defaultReport(error, event));
  }

  /** Subscribe to one event type, or to every event with `'*'`. */
  on<T extends LimitRateEventType>(type: T, listener: Listener<EventOf<T>>): Disposable;
  on(type: '*', listener: Listener<LimitRateEvent>): Disposable;
  on(type: string, listener: AnyListener): Disposable {
    this.total++;
    if (type === '*') {
      this.wildcard = [...this.wildcard, listener];
    } else {
      this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
      this.listened[type] = true;
    }
    let active = true;
    return {
      dispose: () => {
        if (!active) return;
        active = false;
        this.total--;
        if (type === '*') {
          this.wildcard = this.wildcard.filter((l) => l !== listener);
        } else {
          const rest = (this.listeners.get(type) ?? []).filter((l) => l !== listener);
          if (rest.length === 0) {
            this.listeners.delete(type);
            this.listened[type] = false;
          } else this.listeners.set(type, rest);
        }
      },
    };
  }

  /** Send listener errors to `handler` instead of the default console report. */
  handleListenerErrors(handler: (error: unknown, event: LimitRateEvent) => void): void {
    this.onListenerError = handler;
  }

  /** Whether anyone listens to `type` (lets callers skip building events nobody reads). */
  has(type: LimitRateEventType): boolean {
    return this.total > 0 && (this.wildcard.length > 0 || this.listened[type] === true);
  }

  /** Queue an event for delivery. Never throws, never waits. */
  emit(event: LimitRateEvent): void {
    if (!this.has(event.type)) return;
    if (this.queue.length >= this.maxQueue) {
      this.droppedCount++;
      return;
    }
    this.queue.push(event);
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => this.drain());
    }
  }

  /** Delivery counters. */
  stats(): { delivered: number; dropped: number; listenerErrors: number; queued: number } {
    return { delivered: this.deliveredCount, dropped: this.droppedCount, listenerErrors: this.errorCount, queued: this.queue.length };
  }

  /** Resolves once every queued event has been handed to its listeners. */
  async flush(): Promise<void> {
    while (this.queue.length > 0 || this.scheduled) {
      await new Promise<void>((resolve) => queueMicrotask(resolve));
    }
  }

  private drain(): void {
    const batch = this.queue;
    this.queue = [];
    this.scheduled = false;
    for (const event of batch) {
      const specific = this.listeners.get(event.type);
      if (specific !== undefined) for (const l of specific) this.call(l, event);
      for (const l of this.wildcard) this.call(l, event);
      this.deliveredCount++;
    }
  }

  private call(listener: AnyListener, event: LimitRateEvent): void {
    try {
      const r = listener(event);
      if (r !== undefined && typeof (r as Promise<void>).then === 'function') {
        (r as Promise<void>).then(undefined, (error: unknown) => this.fail(error, event));
      }
    } catch (error) {
      this.fail(error, event);
    }
  }

  private fail(error: unknown, event: LimitRateEvent): void {
    this.errorCount++;
    try {
      this.onListenerError(error, event);
    } catch {
      // An error handler that throws has nowhere left to report to.
    }
  }

  private defaultReport(error: unknown, event: LimitRateEvent): void {
    const now = this.clock.now();
    if (now - this.lastReport < 10_000) return;
    this.lastReport = now;
    console.error(`[limitrate] an event listener for "${event.type}" failed (further failures within 10 s are not logged):`, error);
  }
}
