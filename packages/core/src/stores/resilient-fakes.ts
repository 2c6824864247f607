// Test helpers for the ResilientStore tests: a remote store that fails on demand.
import { manualClock } from '../clock.js';
import { MemoryStore } from './memory.js';
import type { ConsumeOptions, ConsumeResult, LimitSpec, ResetSelector, Store } from './types.js';

/** How the fake remote store answers: normally, or by failing in one way. */
export type FaultMode = 'ok' | 'reject' | 'throw' | 'hang' | 'garbage' | 'held';

/**
 * A "remote" store backed by a MemoryStore that can be told to fail. `held` calls wait
 * until `release()` (then answer like `ok`, or fail with `release(false)`).
 */
export class FaultyStore implements Store {
  readonly name = 'remote';
  mode: FaultMode = 'ok';
  calls = 0;
  resets = 0;
  closed = 0;
  readonly backing: MemoryStore;
  private held: Array<(ok: boolean) => void> = [];

  constructor(clock = manualClock(0)) {
    this.backing = new MemoryStore({ clock, cleanupIntervalMs: 0 });
  }

  consume(limits: readonly LimitSpec[], options?: ConsumeOptions): ConsumeResult | Promise<ConsumeResult> {
    this.calls++;
    switch (this.mode) {
      case 'throw':
        throw new Error('ECONNREFUSED');
      case 'reject':
        return Promise.reject(new Error('connection lost'));
      case 'hang':
        return new Promise<ConsumeResult>(() => {});
      case 'garbage':
        return Promise.resolve({ allowed: true, committed: true, now: 0, limits: [] });
      case 'held':
        return new Promise<ConsumeResult>((resolve, reject) => {
          this.held.push((ok) => (ok ? resolve(this.backing.consume(limits, options)) : reject(new Error('still down'))));
        });
      default:
        return Promise.resolve(this.backing.consume(limits, options));
    }
  }

  /** Answers every held call. */
  release(ok = true): void {
    const held = this.held;
    this.held = [];
    for (const h of held) h(ok);
  }

  reset(selector: ResetSelector): Promise<number> {
    this.resets++;
    if (this.mode !== 'ok') return Promise.reject(new Error('connection lost'));
    return Promise.resolve(this.backing.reset(selector));
  }

  close(): void {
    this.closed++;
  }
}

export const spec = (key = 'u:api', limit = 3): LimitSpec => ({ key, algorithm: 'fixed-window', limit, windowMs: 60_000, cost: 1 });

/** Lets pending promise callbacks run. */
export const settle = () => new Promise<void>((r) => setTimeout(r, 0));
