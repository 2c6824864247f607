// In-flight (concurrency) limits of endpoints: at most `max` requests of an endpoint run at
// once; others wait in a bounded priority queue (or are refused), and a slot is released
// exactly once when its request ends, however it ends.
import type { ConcurrencyRule } from '../policy/types.js';

/** Frees the slot. Calling it again does nothing. */
export type Release = () => void;

interface Waiter {
  priority: number;
  seq: number;
  grant: (release: Release) => void;
  refuse: () => void;
  timer: unknown;
}

interface Gate {
  inFlight: number;
  queue: Waiter[];
}

/**
 * Why a request did not get a slot: none free (`actionOnExceed: 'block'`), the queue was
 * full, it waited `queueTimeout` in vain, or it was cancelled (its client went away) while
 * it waited.
 */
export type Refused = { refused: 'full' | 'queue_full' | 'timeout' | 'cancelled'; max: number; inFlight: number };

/** An AbortSignal, or anything shaped like one. */
export interface CancelSignal {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

const DEFAULT_QUEUE_TIMEOUT = 30_000;
const DEFAULT_MAX_QUEUE = 1000;

/**
 * Slots per key (one key per plan and endpoint policy).
 *
 * @example
 * ```ts
 * const gates = new ConcurrencyGates();
 * const slot = gates.acquire('free|POST|/api/chat', { max: 2 }, 5);
 * // ... later, when the response is done:
 * if (typeof slot === 'function') slot();
 * ```
 */
export class ConcurrencyGates {
  private readonly gates = new Map<string, Gate>();
  private seq = 0;

  /**
   * A slot now (a Release), a refusal now (when full and not queueing, or the queue is
   * full), or a promise of either once the request waited in the queue. Lower `priority`
   * is served first; equal priorities in arrival order. When `signal` aborts while the
   * request waits, it leaves the queue at once (refused: 'cancelled'), so a client that
   * went away neither holds a place nor later takes a slot.
   */
  acquire(key: string, rule: ConcurrencyRule, priority: number, signal?: CancelSignal): Release | Refused | Promise<Release | Refused> {
    let gate = this.gates.get(key);
    if (gate === undefined) {
      gate = { inFlight: 0, queue: [] };
      this.gates.set(key, gate);
    }
    if (gate.inFlight < rule.max) {
      gate.inFlight++;
      return this.releaser(key, gate);
    }
    if ((rule.actionOnExceed ?? 'queue') === 'block') return { refused: 'full', max: rule.max, inFlight: gate.inFlight };
    if (signal?.aborted === true) return { refused: 'cancelled', max: rule.max, inFlight: gate.inFlight };
    if (gate.queue.length >= (rule.maxQueueSize ?? DEFAULT_MAX_QUEUE)) return { refused: 'queue_full', max: rule.max, inFlight: gate.inFlight };
    const g = gate;
    return new Promise<Release | Refused>((resolve) => {
      const leave = (why: 'timeout' | 'cancelled') => {
        const i = g.queue.indexOf(waiter);
        if (i >= 0) g.queue.splice(i, 1);
        clearTimeout(waiter.timer as ReturnType<typeof setTimeout>);
        signal?.removeEventListener('abort', onAbort);
        if (g.inFlight === 0 && g.queue.length === 0 && this.gates.get(key) === g) this.gates.delete(key);
        resolve({ refused: why, max: rule.max, inFlight: g.inFlight });
      };
      const onAbort = () => leave('cancelled');
      const waiter: Waiter = {
        priority,
        seq: this.seq++,
        grant: (release) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(release);
        },
        refuse: () => leave('timeout'),
        timer: undefined,
      };
      const timeout = rule.queueTimeout ?? DEFAULT_QUEUE_TIMEOUT;
      waiter.timer = setTimeout(() => waiter.refuse(), timeout);
      signal?.addEventListener('abort', onAbort);
      (waiter.timer as { unref?: () => void } | undefined)?.unref?.();
      // Keep the queue ordered by (priority, arrival).
      let at = g.queue.length;
      while (at > 0 && (g.queue[at - 1]!.priority > priority || (g.queue[at - 1]!.priority === priority && g.queue[at - 1]!.seq > waiter.seq))) at--;
      g.queue.splice(at, 0, waiter);
    });
  }

  /** Requests in flight and waiting, per key (for monitoring and tests). */
  snapshot(): Record<string, { inFlight: number; queued: number }> {
    const out: Record<string, { inFlight: number; queued: number }> = {};
    for (const [key, g] of this.gates) out[key] = { inFlight: g.inFlight, queued: g.queue.length };
    return out;
  }

  private releaser(key: string, gate: Gate): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = gate.queue.shift();
      if (next !== undefined) {
        // The slot passes straight to the next waiter: inFlight stays the same.
        clearTimeout(next.timer);
        next.grant(this.releaser(key, gate));
        return;
      }
      gate.inFlight--;
      if (gate.inFlight === 0 && gate.queue.length === 0) this.gates.delete(key);
    };
  }
}
