// The in-process store: exact, synchronous (hence atomic) and compact. State lives in typed
// arrays indexed by a slot number (a Map maps key -> slot), so a tracked key costs well
// under 100 bytes and a check allocates only its result. A key cap with CLOCK (second
// chance) eviction bounds memory; expired keys are swept incrementally and by an unref'd
// timer.
import { ALGORITHM_TAG, KERNEL_BY_TAG } from '../algorithms/registry.js';
import { slidingLogCommit, slidingLogDecide, slidingLogInspect } from '../algorithms/sliding-log.js';
import { createScratch, wholeRemaining, wholeUsed, type Kernel, type Scratch, type WindowParams } from '../algorithms/types.js';
import { systemClock, type Clock } from '../clock.js';
import { LimitRateError, RequestError } from '../errors/index.js';
import type { ConsumeOptions, ConsumeResult, LimitOutcome, LimitSpec, ResetSelector, Store } from './types.js';

export interface MemoryStoreOptions {
  /**
   * Most keys kept at once (default 1,000,000, about 70 MB at most). When full, the least
   * recently used keys are evicted first (expired keys always go first); an evicted key
   * starts again from zero, so size this above your number of active clients.
   */
  maxKeys?: number;
  /** How often expired keys are swept, in ms (default 60,000; 0 turns the timer off). */
  cleanupIntervalMs?: number;
  /** Time source (default: the system clock). Inject a manual clock in tests. */
  clock?: Clock;
}

/** Counters describing the store, for monitoring. */
export interface MemoryStoreStats {
  keys: number;
  maxKeys: number;
  /** Live keys evicted because the store was full. */
  evictions: number;
  /** Keys removed because they expired. */
  expired: number;
}

const TAG_MASK = 0b0111;
const REFERENCED = 0b1000;
const SLOG = ALGORITHM_TAG['sliding-log'];
const INITIAL_SLOTS = 1024;
/** Expired slots examined per new key, so memory is reclaimed without a timer too. */
const SWEEP_PER_INSERT = 4;

/**
 * The default store: production-grade for a single process.
 *
 * @example
 * ```ts
 * const store = new MemoryStore({ maxKeys: 100_000 });
 * const limiter = new RateLimiter({ store, policies: { free: { rate: { maxPerMinute: 10 } } } });
 * ```
 */
export class MemoryStore implements Store {
  readonly name = 'memory';
  readonly maxKeys: number;
  private readonly clock: Clock;
  private readonly cleanupIntervalMs: number;

  private index = new Map<string, number>();
  private keyOf: (string | undefined)[] = [];
  private state = new Float64Array(0);
  private expiry = new Float64Array(0);
  private meta = new Uint8Array(0);
  private logs = new Map<number, number[]>();
  private freeSlots: number[] = [];
  private capacity = 0;
  private high = 0;
  private evictHand = 0;
  private sweepHand = 0;
  private evictions = 0;
  private expiredCount = 0;
  private timer: unknown = undefined;
  private closed = false;

  // Per-call scratch, reused (consume is synchronous, so never shared between calls).
  private scratch: Scratch[] = [];
  private slots: number[] = [];
  private has: boolean[] = [];

  constructor(options: MemoryStoreOptions = {}) {
    const { maxKeys = 1_000_000, cleanupIntervalMs = 60_000, clock = systemClock } = options;
    if (!Number.isInteger(maxKeys) || maxKeys < 16) {
      throw new RequestError(`MemoryStore maxKeys must be an integer of at least 16, got ${String(maxKeys)}`, 'Use the number of clients you expect, e.g. 100000');
    }
    if (!(cleanupIntervalMs >= 0) || !Number.isFinite(cleanupIntervalMs)) {
      throw new RequestError(`MemoryStore cleanupIntervalMs must be a finite number >= 0, got ${String(cleanupIntervalMs)}`, 'Use 0 to turn the timer off');
    }
    this.maxKeys = maxKeys;
    this.cleanupIntervalMs = cleanupIntervalMs;
    this.clock = clock;
  }

  consume(limits: readonly LimitSpec[], options?: ConsumeOptions): ConsumeResult | Promise<ConsumeResult> {
    if (this.closed) return Promise.reject(closedError());
    try {
      return this.consumeNow(limits, options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private consumeNow(limits: readonly LimitSpec[], options?: ConsumeOptions): ConsumeResult {
    const now = this.clock.now();
    const mode = options === undefined ? 'consume' : (options.mode ?? 'consume');
    const at = options === undefined || options.at === undefined ? now : options.at;
    const n = limits.length;
    if (n === 1 && limits[0]!.algorithm !== 'sliding-log') return this.consumeOne(limits[0]!, now, mode, at);
    while (this.scratch.length < n) this.scratch.push(createScratch());

    // 1. Decide every limit against the current state.
    let hardAllowed = true;
    let allAllowed = true;
    for (let i = 0; i < n; i++) {
      const spec = limits[i]!;
      const tag = ALGORITHM_TAG[spec.algorithm];
      const slot = this.index.get(spec.key);
      const has = slot !== undefined && (this.meta[slot]! & TAG_MASK) === tag;
      const sc = this.scratch[i]!;
      this.slots[i] = slot ?? -1;
      this.has[i] = has;
      if (tag === SLOG) {
        slidingLogDecide(has ? this.logs.get(slot) : undefined, now, spec as WindowParams, spec.cost, sc);
      } else {
        KERNEL_BY_TAG[tag]!.apply(this.state, has ? slot * 3 : 0, has, now, spec, spec.cost, at, sc);
      }
      if (!sc.allowed) {
        allAllowed = false;
        if (spec.soft !== true) hardAllowed = false;
      }
    }

    // 2. All or nothing.
    const commit = mode === 'force' || (mode === 'consume' && hardAllowed);
    if (commit) {
      for (let i = 0; i < n; i++) {
        if (this.slots[i]! < 0) this.slots[i] = this.allocate(limits[i]!.key, now, n);
      }
    }

    // 3. Write (when committing) and describe each limit.
    const out: LimitOutcome[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const spec = limits[i]!;
      const tag = ALGORITHM_TAG[spec.algorithm];
      const sc = this.scratch[i]!;
      const retryAfterMs = sc.retryAfterMs;
      const allowed = sc.allowed;
      let limit: number;
      if (tag === SLOG) {
        const slot = this.slots[i]!;
        let log = this.has[i] ? this.logs.get(slot) : undefined;
        if (commit) {
          log = slidingLogCommit(log ?? [], now, spec as WindowParams, spec.cost, at);
          this.logs.set(slot, log);
        }
        slidingLogInspect(log, now, spec as WindowParams, sc);
        if (commit) this.touch(slot, tag, sc.expiresAt);
        else if (slot >= 0) this.meta[slot]! |= REFERENCED;
        limit = (spec as WindowParams).limit;
      } else {
        const kernel = KERNEL_BY_TAG[tag]!;
        this.settle(kernel, spec, tag, i, commit, mode, now, at, n);
        limit = kernel.capacity(spec);
      }
      out[i] = { allowed, limit, remaining: wholeRemaining(limit, sc.used), used: wholeUsed(limit, sc.used), resetMs: sc.resetMs, retryAfterMs };
    }
    if (commit && this.timer === undefined) this.startTimer();
    return { allowed: mode === 'force' ? allAllowed : hardAllowed, committed: commit, now, limits: out };
  }

  /** The common case, one fixed-width limit, without the bookkeeping of a set. */
  private consumeOne(spec: LimitSpec, now: number, mode: string, at: number): ConsumeResult {
    const tag = ALGORITHM_TAG[spec.algorithm];
    const kernel = KERNEL_BY_TAG[tag]!;
    const slot = this.index.get(spec.key);
    const has = slot !== undefined && (this.meta[slot]! & TAG_MASK) === tag;
    const sc = this.scratch[0] ?? (this.scratch[0] = createScratch());
    this.slots[0] = slot ?? -1;
    this.has[0] = has;
    kernel.apply(this.state, has ? slot * 3 : 0, has, now, spec, spec.cost, at, sc);
    const allowed = sc.allowed;
    const retryAfterMs = sc.retryAfterMs;
    const commit = mode === 'force' || (mode === 'consume' && (allowed || spec.soft === true));
    if (commit && slot === undefined) this.slots[0] = this.allocate(spec.key, now, 1);
    this.settle(kernel, spec, tag, 0, commit, mode, now, at, 1);
    const limit = kernel.capacity(spec);
    if (commit && this.timer === undefined) this.startTimer();
    return {
      allowed,
      committed: commit,
      now,
      limits: [{ allowed, limit, remaining: wholeRemaining(limit, sc.used), used: wholeUsed(limit, sc.used), resetMs: sc.resetMs, retryAfterMs }],
    };
  }

  /**
   * After `apply` filled scratch `i`: write the next state when committing, keep a refused
   * first contact of a time-dependent bucket, or describe the current state. Leaves the
   * usage and reset to report in the scratch.
   */
  private settle(kernel: Kernel<unknown>, spec: LimitSpec, tag: number, i: number, commit: boolean, mode: string, now: number, at: number, pinned: number): void {
    const sc = this.scratch[i]!;
    let slot = this.slots[i]!;
    if (!commit && mode === 'consume' && !this.has[i] && kernel.freshDependsOnTime?.(spec)) {
      // A refused first contact still starts this bucket's clock (a zero cost changes nothing else).
      if (slot < 0) this.slots[i] = slot = this.allocate(spec.key, now, pinned);
      kernel.apply(this.state, 0, false, now, spec, 0, at, sc);
      commit = true;
    }
    if (commit) {
      const base = slot * 3;
      const next = sc.next;
      for (let j = 0; j < kernel.width; j++) this.state[base + j] = next[j]!;
      this.meta[slot] = tag | REFERENCED;
      this.expiry[slot] = sc.expiresAt;
      sc.used = sc.usedNext;
    } else {
      const has = this.has[i]!;
      kernel.inspect(this.state, has ? slot * 3 : 0, has, now, spec, sc);
      if (slot >= 0) this.meta[slot]! |= REFERENCED;
    }
  }

  reset(selector: ResetSelector): number | Promise<number> {
    if (this.closed) return Promise.reject(closedError());
    if ('all' in selector) {
      const count = this.index.size;
      this.clearAll();
      return count;
    }
    if ('keys' in selector) {
      let count = 0;
      for (const key of selector.keys) {
        const slot = this.index.get(key);
        if (slot !== undefined) {
          this.drop(slot);
          count++;
        }
      }
      return count;
    }
    const re = globToRegExp(selector.pattern);
    let count = 0;
    for (const [key, slot] of this.index) {
      if (re.test(key)) {
        this.drop(slot);
        count++;
      }
    }
    return count;
  }

  /** Remove every expired key now. Returns how many were removed. */
  sweep(): number {
    const now = this.clock.now();
    let removed = 0;
    for (let s = 0; s < this.high; s++) {
      if (this.meta[s] !== 0 && this.expiry[s]! <= now) {
        this.drop(s);
        this.expiredCount++;
        removed++;
      }
    }
    return removed;
  }

  stats(): MemoryStoreStats {
    return { keys: this.index.size, maxKeys: this.maxKeys, evictions: this.evictions, expired: this.expiredCount };
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.clearAll();
  }

  private touch(slot: number, tag: number, expiresAt: number): void {
    this.meta[slot] = tag | REFERENCED;
    this.expiry[slot] = expiresAt;
  }

  /** A slot for a new key: a free one, a new one, an expired one, or the CLOCK's victim. */
  private allocate(key: string, now: number, pinned: number): number {
    this.sweepSome(now, pinned);
    let slot = this.freeSlots.pop();
    if (slot === undefined) {
      if (this.high === this.capacity && this.capacity < this.maxKeys) this.grow();
      slot = this.high < this.capacity ? this.high++ : this.evict(now, pinned);
    }
    this.index.set(key, slot);
    this.keyOf[slot] = key;
    this.meta[slot] = 0;
    this.logs.delete(slot);
    return slot;
  }

  /** Second-chance eviction over the slot table; never picks a slot of the current call. */
  private evict(now: number, pinned: number): number {
    // Two passes clear every second chance; past that, any slot not in this call will do.
    for (let tries = 0; tries <= 3 * this.high; tries++) {
      const s = this.evictHand;
      this.evictHand = s + 1 >= this.high ? 0 : s + 1;
      if (this.isPinned(s, pinned)) continue;
      const m = this.meta[s]!;
      if (m !== 0 && this.expiry[s]! > now) {
        if (m & REFERENCED && tries < 2 * this.high) {
          this.meta[s] = m & ~REFERENCED;
          continue;
        }
        this.evictions++;
      } else if (m !== 0) {
        this.expiredCount++;
      }
      this.release(s);
      return s;
    }
    throw new RequestError(
      `One call needs more keys (${pinned}) than MemoryStore maxKeys (${this.maxKeys}) allows`,
      'Raise maxKeys above the number of limits a single request uses',
    );
  }

  private isPinned(slot: number, n: number): boolean {
    for (let i = 0; i < n; i++) if (this.slots[i] === slot) return true;
    return false;
  }

  /** Incremental expiry: look at a few slots per new key. */
  private sweepSome(now: number, pinned: number): void {
    const high = this.high;
    if (high === 0) return;
    for (let k = 0; k < SWEEP_PER_INSERT; k++) {
      const s = this.sweepHand;
      this.sweepHand = s + 1 >= high ? 0 : s + 1;
      if (this.meta[s] !== 0 && this.expiry[s]! <= now && !this.isPinned(s, pinned)) {
        this.drop(s);
        this.expiredCount++;
      }
    }
  }

  /** Forget a slot's key and state and put the slot on the free list. */
  private drop(slot: number): void {
    this.release(slot);
    this.freeSlots.push(slot);
  }

  /** Forget a slot's key and state (the caller reuses or frees the slot). */
  private release(slot: number): void {
    const key = this.keyOf[slot];
    if (key !== undefined) this.index.delete(key);
    this.keyOf[slot] = undefined;
    if ((this.meta[slot]! & TAG_MASK) === SLOG) this.logs.delete(slot);
    this.meta[slot] = 0;
  }

  private grow(): void {
    const next = Math.min(this.maxKeys, Math.max(INITIAL_SLOTS, this.capacity * 2));
    const state = new Float64Array(next * 3);
    state.set(this.state);
    const expiry = new Float64Array(next);
    expiry.set(this.expiry);
    const meta = new Uint8Array(next);
    meta.set(this.meta);
    this.state = state;
    this.expiry = expiry;
    this.meta = meta;
    this.capacity = next;
  }

  private clearAll(): void {
    this.index = new Map();
    this.keyOf = [];
    this.state = new Float64Array(0);
    this.expiry = new Float64Array(0);
    this.meta = new Uint8Array(0);
    this.logs = new Map();
    this.freeSlots = [];
    this.capacity = 0;
    this.high = 0;
    this.evictHand = 0;
    this.sweepHand = 0;
  }

  private startTimer(): void {
    if (this.cleanupIntervalMs === 0 || this.closed) return;
    try {
      const t = setInterval(() => this.sweep(), this.cleanupIntervalMs);
      (t as { unref?: () => void } | undefined)?.unref?.();
      this.timer = t;
    } catch {
      // Some runtimes refuse timers outside a request; incremental sweeping still runs.
      this.timer = null;
    }
  }
}

function closedError(): LimitRateError {
  return new LimitRateError('ERR_LIMITRATE_CLOSED', 'This store has been closed', { hint: 'Create a new store, or stop using it after close()' });
}

/** `*` matches any run of characters; everything else is literal. */
export function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .split('*')
    .map((part) => part.replace(/[\\^$.|?+()[\]{}]/g, '\\$&'))
    .join('[\\s\\S]*');
  return new RegExp(`^${body}$`);
}
