// A fixed-capacity FIFO ring of events: push and shift are O(1), and pushing into a full ring
// evicts the oldest event (the caller counts it as dropped).
import type { LimitRateEvent } from '../events/types.js';

export class EventRing {
  private slots: (LimitRateEvent | undefined)[] = [];
  private head = 0;
  private count = 0;

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.count;
  }

  /** Appends `event`; returns true when the oldest event had to be evicted to make room. */
  push(event: LimitRateEvent): boolean {
    if (this.count === this.capacity) {
      this.slots[this.head] = event;
      this.head = (this.head + 1) % this.capacity;
      return true;
    }
    this.slots[(this.head + this.count) % this.capacity] = event;
    this.count++;
    return false;
  }

  /** Removes and returns up to `n` of the oldest events, oldest first. */
  take(n: number): LimitRateEvent[] {
    const k = Math.min(n, this.count);
    const out = new Array<LimitRateEvent>(k);
    for (let i = 0; i < k; i++) {
      out[i] = this.slots[this.head]!;
      this.slots[this.head] = undefined;
      this.head = (this.head + 1) % this.capacity;
    }
    this.count -= k;
    if (this.count === 0) this.head = 0;
    return out;
  }

  /** Empties the ring; returns how many events it held. */
  clear(): number {
    const n = this.count;
    this.slots = [];
    this.head = 0;
    this.count = 0;
    return n;
  }
}
