// The memory store's table: limit state in typed arrays indexed by slot number, a two-level
// index (group -> id -> slot) that lets the limiter address a key as (user, scope) without
// building the key string, a key cap with CLOCK (second chance) eviction, and expiry sweeps.
import { ALGORITHM_TAG } from '../algorithms/registry.js';
import { RequestError } from '../errors/index.js';

export const TAG_MASK = 0b0111;
/**
 * Numbers per slot in `state`: up to 3 of algorithm state, the expiry time (ms) and the
 * meta word (algorithm tag | REFERENCED; 0 = free). One slot's numbers share a cache line.
 */
export const STRIDE = 5;
export const EXPIRY = 3;
export const META = 4;
export const REFERENCED = 0b1000;
const SLOG = ALGORITHM_TAG['sliding-log'];
const INITIAL_SLOTS = 1024;
/** A limiter key: user part (no ':'), then `:scope:kind:algorithm:window` (scope has a '|'). */
const LIMITER_KEY = /^[^:]*(:[^:]*\|[^:]*:[rtc]:(?:fw|sw|sl|tb|lb|gc):(?:\d+|b))$/;
/** Expired slots examined per new key, so memory is reclaimed without a timer too. */
const SWEEP_PER_INSERT = 4;

/**
 * Keys live in groups: the limiter's keys are `id + group` (user part + `:scope:limit`
 * suffix) and are stored as such, without concatenating; any other key is the id of the
 * group `''`. A full key is `id + group` either way.
 */
export class SlotTable {
  /** STRIDE numbers per slot: state, expiry (at EXPIRY) and meta (at META). */
  state = new Float64Array(0);
  /** Sliding logs, by slot. */
  logs = new Map<number, number[]>();
  evictions = 0;
  expired = 0;
  size = 0;

  /** Keys of the group '' (any key not in the limiter's format), then the limiter's groups. */
  private plain = new Map<string, number>();
  private groups = new Map<string, Map<string, number>>();
  private idOf: (string | undefined)[] = [];
  private groupOf: (string | undefined)[] = [];
  private freeSlots: number[] = [];
  private capacity = 0;
  private high = 0;
  private evictHand = 0;
  private sweepHand = 0;

  constructor(readonly maxKeys: number) {}

  /**
   * The slot of a full key, if any. Most keys are plain: one lookup; only a key that is
   * not, and is in the limiter's format, is looked up as (group, id).
   */
  findKey(key: string): number | undefined {
    const slot = this.plain.get(key);
    if (slot !== undefined || this.groups.size === 0 || key.indexOf('|') < 0) return slot;
    const group = this.groupOfKey(key);
    return group === '' ? undefined : this.groups.get(group)?.get(this.idOfKey(key, group));
  }

  /** The slot of (group, id), if any. */
  find(group: string, id: string): number | undefined {
    return group === '' ? this.plain.get(id) : this.groups.get(group)?.get(id);
  }

  /**
   * The group a full key belongs to: a key in the limiter's format (`user:METHOD|path:
   * kind:algorithm:window`) is grouped by everything after the user part, as the limiter
   * addresses it without building the string; any other key is in the group `''`.
   */
  groupOfKey(key: string): string {
    if (key.indexOf('|') < 0) return '';
    const m = LIMITER_KEY.exec(key);
    return m === null ? '' : m[1]!;
  }

  /** The id part of a full key in `group`. */
  idOfKey(key: string, group: string): string {
    return group === '' ? key : key.slice(0, key.length - group.length);
  }

  /** The full key of a slot. */
  keyAt(slot: number): string {
    const group = this.groupOf[slot]!;
    return group === '' ? this.idOf[slot]! : this.idOf[slot]! + group;
  }

  /** Every (slot, full key). */
  *entries(): Generator<[number, string]> {
    for (const [id, slot] of this.plain) yield [slot, id];
    for (const [group, ids] of this.groups) for (const [id, slot] of ids) yield [slot, id + group];
  }

  /** A slot for a new key: a free one, a new one, an expired one, or the CLOCK's victim. */
  allocate(group: string, id: string, now: number, pinned: readonly number[], pinnedCount: number): number {
    this.sweepSome(now, pinned, pinnedCount);
    let slot = this.freeSlots.pop();
    if (slot === undefined) {
      if (this.high === this.capacity && this.capacity < this.maxKeys) this.grow();
      slot = this.high < this.capacity ? this.high++ : this.evict(now, pinned, pinnedCount);
    }
    let ids = group === '' ? this.plain : this.groups.get(group);
    if (ids === undefined) {
      ids = new Map();
      this.groups.set(group, ids);
    }
    ids.set(id, slot);
    this.idOf[slot] = id;
    this.groupOf[slot] = group;
    this.state[slot * STRIDE + META] = 0;
    this.logs.delete(slot);
    this.size++;
    return slot;
  }

  /** Forget a slot's key and state and put the slot on the free list. */
  drop(slot: number): void {
    this.release(slot);
    this.freeSlots.push(slot);
  }

  /** Remove every expired key. Returns how many were removed. */
  sweep(now: number): number {
    let removed = 0;
    for (let s = 0; s < this.high; s++) {
      if (this.state[s * STRIDE + META] !== 0 && this.state[s * STRIDE + EXPIRY]! <= now) {
        this.drop(s);
        this.expired++;
        removed++;
      }
    }
    return removed;
  }

  clear(): void {
    this.plain = new Map();
    this.groups = new Map();
    this.idOf = [];
    this.groupOf = [];
    this.state = new Float64Array(0);
    this.logs = new Map();
    this.freeSlots = [];
    this.capacity = 0;
    this.high = 0;
    this.evictHand = 0;
    this.sweepHand = 0;
    this.size = 0;
  }

  /** Second-chance eviction over the slot table; never picks a slot of the current call. */
  private evict(now: number, pinned: readonly number[], pinnedCount: number): number {
    // Two passes clear every second chance; past that, any slot not in this call will do.
    for (let tries = 0; tries <= 3 * this.high; tries++) {
      const s = this.evictHand;
      this.evictHand = s + 1 >= this.high ? 0 : s + 1;
      if (isPinned(s, pinned, pinnedCount)) continue;
      const m = this.state[s * STRIDE + META]!;
      if (m !== 0 && this.state[s * STRIDE + EXPIRY]! > now) {
        if (m & REFERENCED && tries < 2 * this.high) {
          this.state[s * STRIDE + META] = m & ~REFERENCED;
          continue;
        }
        this.evictions++;
      } else if (m !== 0) {
        this.expired++;
      }
      this.release(s);
      return s;
    }
    throw new RequestError(
      `One call needs more keys (${pinnedCount}) than MemoryStore maxKeys (${this.maxKeys}) allows`,
      'Raise maxKeys above the number of limits a single request uses',
    );
  }

  /** Incremental expiry: look at a few slots per new key. */
  private sweepSome(now: number, pinned: readonly number[], pinnedCount: number): void {
    const high = this.high;
    if (high === 0) return;
    for (let k = 0; k < SWEEP_PER_INSERT; k++) {
      const s = this.sweepHand;
      this.sweepHand = s + 1 >= high ? 0 : s + 1;
      if (this.state[s * STRIDE + META] !== 0 && this.state[s * STRIDE + EXPIRY]! <= now && !isPinned(s, pinned, pinnedCount)) {
        this.drop(s);
        this.expired++;
      }
    }
  }

  /** Forget a slot's key and state (the caller reuses or frees the slot). */
  private release(slot: number): void {
    const id = this.idOf[slot];
    if (id !== undefined) {
      const group = this.groupOf[slot]!;
      if (group === '') {
        this.plain.delete(id);
      } else {
        const ids = this.groups.get(group);
        ids?.delete(id);
        if (ids !== undefined && ids.size === 0) this.groups.delete(group);
      }
      this.size--;
    }
    this.idOf[slot] = undefined;
    this.groupOf[slot] = undefined;
    if ((this.state[slot * STRIDE + META]! & TAG_MASK) === SLOG) this.logs.delete(slot);
    this.state[slot * STRIDE + META] = 0;
  }

  private grow(): void {
    const next = Math.min(this.maxKeys, Math.max(INITIAL_SLOTS, this.capacity * 2));
    const state = new Float64Array(next * STRIDE);
    state.set(this.state);
    this.state = state;
    this.capacity = next;
  }
}

function isPinned(slot: number, pinned: readonly number[], n: number): boolean {
  for (let i = 0; i < n; i++) if (pinned[i] === slot) return true;
  return false;
}
