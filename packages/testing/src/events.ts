// EventLog: records a limiter's events and waits for them without sleeping, for tests of
// anything that emits LimitRate events (adapters, stores with circuits, webhooks).
import type { EventOf, LimitRateEvent } from '@limitrate/core';

/**
 * Records every event it is given and resolves waits as soon as the awaited events arrive.
 *
 * @example
 * ```ts
 * const log = new EventLog();
 * const limiter = new RateLimiter({ onEvent: log.onEvent, policies });
 * await limiter.check({ userId: 'u', endpoint: 'GET|/a' });
 * const [allowed] = await log.waitFor('allowed'); // rejects after 5 s without one
 * ```
 */
export class EventLog {
  /** Every event so far, in order. */
  readonly all: LimitRateEvent[] = [];
  private waiters: Array<() => void> = [];

  /** Pass as `onEvent` (or to `limiter.events.on('*', ...)`). */
  readonly onEvent = (e: LimitRateEvent): void => {
    this.all.push(e);
    for (const w of this.waiters.splice(0)) w();
  };

  /** The events of one type so far. */
  of<T extends LimitRateEvent['type']>(type: T): Array<EventOf<T>> {
    return this.all.filter((e) => e.type === type) as Array<EventOf<T>>;
  }

  /** Resolves once `count` (at least 1) events of `type` were seen; rejects after `timeoutMs` saying what was seen. */
  async waitFor<T extends LimitRateEvent['type']>(type: T, count = 1, timeoutMs = 5000): Promise<[EventOf<T>, ...Array<EventOf<T>>]> {
    const deadline = Date.now() + timeoutMs;
    while (this.of(type).length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`waited ${timeoutMs} ms for ${count} "${type}" event(s), saw ${this.of(type).length}: ${this.all.map((e) => e.type).join(', ') || 'none'}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.of(type) as [EventOf<T>, ...Array<EventOf<T>>];
  }

  /** Forgets the events so far. */
  clear(): void {
    this.all.length = 0;
  }
}
