// One webhook endpoint's delivery state (its bounded queue, counters, timers and waiters),
// and the sender's timer helper.
import type { ResolvedEndpoint } from './config.js';
import { EventRing } from './queue.js';

export type Timer = unknown;

/** A timer that does not keep the process alive unless asked to. */
export function later(ms: number, fn: () => void, keepAlive = false): Timer {
  const t = setTimeout(fn, Math.min(Math.max(0, ms), 2_147_483_647));
  if (!keepAlive) (t as { unref?(): void }).unref?.();
  return t;
}

export interface Waiter {
  target: number;
  resolve: () => void;
}

/** One endpoint's queue and delivery state. */
export class Endpoint {
  readonly ring: EventRing;
  /** How many of the oldest queued events must go out now (their flush interval is over). */
  due = 0;
  busy = false;
  inFlight = 0;
  disabled = false;
  /** Set when close() gave up: the current batch fails and everything queued is dropped. */
  abandoned = false;
  pumpScheduled = false;
  /** Events accepted, and events that have left (sent, failed or dropped): they leave in order. */
  accepted = 0;
  left = 0;
  sent = 0;
  failed = 0;
  dropped = 0;
  retries = 0;
  pendingDrops = 0;
  flushTimer: Timer | undefined;
  dropTimer: Timer | undefined;
  coolTimer: Timer | undefined;
  /** Aborts the request in flight. */
  interrupt: (() => void) | undefined;
  /** Ends a retry delay early. */
  wake: (() => void) | undefined;
  waiters: Waiter[] = [];
  keys: Promise<CryptoKey[]> | undefined;

  constructor(readonly cfg: ResolvedEndpoint) {
    this.ring = new EventRing(cfg.maxQueue);
  }
}

