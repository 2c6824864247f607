// The in-process store: exact, synchronous (hence atomic) and compact. State lives in a
// slot table of typed arrays (see slot-table.ts), so a tracked key costs well under 100
// bytes and a check allocates only its result. A key cap with CLOCK eviction bounds
// memory; expired keys are swept incrementally and by an unref'd timer.
import { ALGORITHM_TAG, KERNEL_BY_TAG } from '../algorithms/registry.js';
import { slidingLogCommit, slidingLogDecide, slidingLogInspect } from '../algorithms/sliding-log.js';
import { createScratch, wholeRemaining, wholeUsed, type Kernel, type Scratch, type WindowParams } from '../algorithms/types.js';
import { systemClock, type Clock } from '../clock.js';
import { LimitRateError, RequestError } from '../errors/index.js';
import { EXPIRY, META, REFERENCED, SlotTable, STRIDE, TAG_MASK } from './slot-table.js';
import type { ConsumeMode, ConsumeOptions, ConsumeResult, LimitOutcome, LimitSpec, ResetSelector, Store } from './types.js';

export interface MemoryStoreOptions {
  /**
   * Most keys kept at once (default 1,000,000, about 90 MB at most). When full, the least
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

const SLOG = ALGORITHM_TAG['sliding-log'];
const NO_GROUPS: readonly string[] = [];

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
  private readonly table: SlotTable;
  private timer: unknown = undefined;
  private closed = false;

  // Per-call scratch, reused (a call is synchronous, so never shared between calls).
  private scratch: Scratch[] = [];
  private slots: number[] = [];
  private has: boolean[] = [];
  private costs: number[] = [];
  private groupsOf: readonly string[] = NO_GROUPS;
  private id = '';
  /** The one group of consumeOneFor, reused. */
  private readonly oneGroup: string[] = [''];
  /** consumeFor's answer, reused: valid until the next call. */
  private readonly reused: ConsumeResult = { allowed: false, committed: false, now: 0, limits: [] };

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
    this.table = new SlotTable(maxKeys);
  }

  consume(limits: readonly LimitSpec[], options?: ConsumeOptions): ConsumeResult | Promise<ConsumeResult> {
    if (this.closed) return Promise.reject(closedError());
    try {
      const n = limits.length;
      const table = this.table;
      this.groupsOf = NO_GROUPS;
      if (n === 1 && limits[0]!.algorithm !== 'sliding-log') {
        const spec = limits[0]!;
        this.slots[0] = table.findKey(spec.key) ?? -1;
        return this.one(spec, spec.cost, options, undefined);
      }
      for (let i = 0; i < n; i++) {
        const spec = limits[i]!;
        this.slots[i] = table.findKey(spec.key) ?? -1;
        this.costs[i] = spec.cost;
      }
      return this.run(limits, n, options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * The limiter's fast path: decide `specs` (their `key` and `cost` are ignored) for the keys
   * `id + groups[i]` with costs `costs[i]`, without building the key strings. Same
   * semantics as `consume`, but throws instead of rejecting, and the answer is one reused
   * object, valid until the next call.
   * @internal
   */
  consumeFor(id: string, groups: readonly string[], specs: readonly LimitSpec[], costs: readonly number[], options?: ConsumeOptions): ConsumeResult {
    if (this.closed) throw closedError();
    const n = specs.length;
    const table = this.table;
    this.groupsOf = groups;
    this.id = id;
    if (n === 1 && specs[0]!.algorithm !== 'sliding-log') {
      this.slots[0] = table.find(groups[0]!, id) ?? -1;
      return this.one(specs[0]!, costs[0]!, options, this.reused);
    }
    for (let i = 0; i < n; i++) {
      this.slots[i] = table.find(groups[i]!, id) ?? -1;
      this.costs[i] = costs[i]!;
    }
    return this.run(specs, n, options, this.reused);
  }

  /**
   * consumeFor for a single fixed-width limit with the default mode (the limiter's fast
   * path): same semantics, same reused answer, no arrays to pass.
   * @internal
   */
  consumeOneFor(id: string, group: string, spec: LimitSpec, cost: number): ConsumeResult {
    if (this.closed) throw closedError();
    if (spec.algorithm === 'sliding-log') {
      this.oneGroup[0] = group;
      return this.consumeFor(id, this.oneGroup, [spec], [cost]);
    }
    this.oneGroup[0] = group;
    this.groupsOf = this.oneGroup;
    this.id = id;
    this.slots[0] = this.table.find(group, id) ?? -1;
    return this.one(spec, cost, undefined, this.reused);
  }

  reset(selector: ResetSelector): number | Promise<number> {
    if (this.closed) return Promise.reject(closedError());
    const table = this.table;
    if ('all' in selector) {
      const count = table.size;
      table.clear();
      return count;
    }
    let count = 0;
    if ('keys' in selector) {
      for (const key of selector.keys) {
        const slot = table.findKey(key);
        if (slot !== undefined) {
          table.drop(slot);
          count++;
        }
      }
      return count;
    }
    const re = globToRegExp(selector.pattern);
    const matched: number[] = [];
    for (const [slot, key] of table.entries()) if (re.test(key)) matched.push(slot);
    for (const slot of matched) table.drop(slot);
    return matched.length;
  }

  /** Remove every expired key now. Returns how many were removed. */
  sweep(): number {
    return this.table.sweep(this.clock.now());
  }

  stats(): MemoryStoreStats {
    return { keys: this.table.size, maxKeys: this.maxKeys, evictions: this.table.evictions, expired: this.table.expired };
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.table.clear();
  }

  /** Decide, commit all or nothing, and describe: `slots` and `costs` are filled for `n` limits. */
  private run(specs: readonly LimitSpec[], n: number, options: ConsumeOptions | undefined, into?: ConsumeResult): ConsumeResult {
    const now = this.clock.now();
    const mode: ConsumeMode = options === undefined ? 'consume' : (options.mode ?? 'consume');
    const at = options === undefined || options.at === undefined ? now : options.at;
    const t = this.table;
    while (this.scratch.length < n) this.scratch.push(createScratch());

    // 1. Decide every limit against the current state.
    let hardAllowed = true;
    let allAllowed = true;
    for (let i = 0; i < n; i++) {
      const spec = specs[i]!;
      const tag = ALGORITHM_TAG[spec.algorithm];
      const slot = this.slots[i]!;
      const has = slot >= 0 && (t.state[slot * STRIDE + META]! & TAG_MASK) === tag;
      const sc = this.scratch[i]!;
      this.has[i] = has;
      if (tag === SLOG) slidingLogDecide(has ? t.logs.get(slot) : undefined, now, spec as WindowParams, this.costs[i]!, sc);
      else KERNEL_BY_TAG[tag]!.apply(t.state, has ? slot * STRIDE : 0, has, now, spec, this.costs[i]!, at, sc);
      if (!sc.allowed) {
        allAllowed = false;
        if (spec.soft !== true) hardAllowed = false;
      }
    }

    // 2. All or nothing.
    const commit = mode === 'force' || (mode === 'consume' && hardAllowed);
    if (commit) for (let i = 0; i < n; i++) if (this.slots[i]! < 0) this.slots[i] = this.allocate(specs[i]!, i, now, n);

    // 3. Write (when committing) and describe each limit.
    const out: LimitOutcome[] = into === undefined ? new Array(n) : into.limits;
    if (into !== undefined && out.length > n) out.length = n;
    for (let i = 0; i < n; i++) {
      const spec = specs[i]!;
      const tag = ALGORITHM_TAG[spec.algorithm];
      const sc = this.scratch[i]!;
      const allowed = sc.allowed;
      const retryAfterMs = sc.retryAfterMs;
      let limit: number;
      if (tag === SLOG) {
        this.settleLog(spec as LimitSpec & WindowParams, i, commit, now, at);
        limit = (spec as WindowParams).limit;
      } else {
        const kernel = KERNEL_BY_TAG[tag]!;
        this.settle(kernel, spec, tag, i, commit, mode, now, at, n);
        limit = kernel.capacity(spec);
      }
      const o = into === undefined ? undefined : out[i];
      if (o === undefined) {
        const remaining = wholeRemaining(limit, sc.used);
        out[i] = { allowed, limit, remaining, used: wholeUsed(limit, sc.used, remaining), resetMs: sc.resetMs, retryAfterMs };
      } else {
        o.allowed = allowed;
        o.limit = limit;
        o.remaining = wholeRemaining(limit, sc.used);
        o.used = wholeUsed(limit, sc.used, o.remaining);
        o.resetMs = sc.resetMs;
        o.retryAfterMs = retryAfterMs;
      }
    }
    if (commit && this.timer === undefined) this.startTimer();
    const allowedSet = mode === 'force' ? allAllowed : hardAllowed;
    if (into === undefined) return { allowed: allowedSet, committed: commit, now, limits: out };
    into.allowed = allowedSet;
    into.committed = commit;
    into.now = now;
    return into;
  }

  /** `run` for a single fixed-width limit whose slot is in `slots[0]`: the common case, without loops. */
  private one(spec: LimitSpec, cost: number, options: ConsumeOptions | undefined, into: ConsumeResult | undefined): ConsumeResult {
    const now = this.clock.now();
    const mode: ConsumeMode = options === undefined ? 'consume' : (options.mode ?? 'consume');
    const at = options === undefined || options.at === undefined ? now : options.at;
    const t = this.table;
    const tag = ALGORITHM_TAG[spec.algorithm];
    const kernel = KERNEL_BY_TAG[tag]!;
    let slot = this.slots[0]!;
    const has = slot >= 0 && (t.state[slot * STRIDE + META]! & TAG_MASK) === tag;
    const sc = this.scratch[0] ?? (this.scratch[0] = createScratch());
    kernel.apply(t.state, has ? slot * STRIDE : 0, has, now, spec, cost, at, sc);
    const allowed = sc.allowed;
    const retryAfterMs = sc.retryAfterMs;
    const commit = mode === 'force' || (mode === 'consume' && (allowed || spec.soft === true));
    let used: number;
    if (commit) {
      if (slot < 0) slot = this.slots[0] = this.allocate(spec, 0, now, 1);
      const base = slot * STRIDE;
      const next = sc.next;
      const state = t.state;
      state[base] = next[0]!;
      if (kernel.width > 1) state[base + 1] = next[1]!;
      if (kernel.width > 2) state[base + 2] = next[2]!;
      t.state[slot * STRIDE + META] = tag | REFERENCED;
      t.state[slot * STRIDE + EXPIRY] = sc.expiresAt;
      used = sc.usedNext;
      if (this.timer === undefined) this.startTimer();
    } else {
      this.has[0] = has;
      this.settle(kernel, spec, tag, 0, false, mode, now, at, 1);
      used = sc.used;
    }
    const limit = sc.limit;
    const remaining = wholeRemaining(limit, used);
    const whole = wholeUsed(limit, used, remaining);
    // The set's answer, as for several limits: a soft limit never vetoes (except in force mode, where `allowed` says whether every limit admitted).
    const allowedSet = mode === 'force' ? allowed : allowed || spec.soft === true;
    if (into === undefined) {
      return { allowed: allowedSet, committed: commit, now, limits: [{ allowed, limit, remaining, used: whole, resetMs: sc.resetMs, retryAfterMs }] };
    }
    const o = into.limits[0];
    if (o === undefined || into.limits.length !== 1) {
      into.limits = [{ allowed, limit, remaining, used: whole, resetMs: sc.resetMs, retryAfterMs }];
    } else {
      o.allowed = allowed;
      o.limit = limit;
      o.remaining = remaining;
      o.used = whole;
      o.resetMs = sc.resetMs;
      o.retryAfterMs = retryAfterMs;
    }
    into.allowed = allowedSet;
    into.committed = commit;
    into.now = now;
    return into;
  }

  /** A slot for limit `i` of the current call. */
  private allocate(spec: LimitSpec, i: number, now: number, n: number): number {
    const groups = this.groupsOf;
    if (groups === NO_GROUPS) {
      const group = this.table.groupOfKey(spec.key);
      return this.table.allocate(group, this.table.idOfKey(spec.key, group), now, this.slots, n);
    }
    return this.table.allocate(groups[i]!, this.id, now, this.slots, n);
  }

  /**
   * After `apply` filled scratch `i`: write the next state when committing, keep a refused
   * first contact of a time-dependent bucket, or describe the current state. Leaves the
   * usage and reset to report in the scratch.
   */
  private settle(kernel: Kernel<unknown>, spec: LimitSpec, tag: number, i: number, commit: boolean, mode: ConsumeMode, now: number, at: number, n: number): void {
    const sc = this.scratch[i]!;
    const t = this.table;
    let slot = this.slots[i]!;
    if (!commit && mode === 'consume' && !this.has[i] && kernel.freshDependsOnTime?.(spec)) {
      // A refused first contact still starts this bucket's clock (a zero cost changes nothing else).
      if (slot < 0) this.slots[i] = slot = this.allocate(spec, i, now, n);
      kernel.apply(t.state, 0, false, now, spec, 0, at, sc);
      commit = true;
    }
    if (commit) {
      const base = slot * STRIDE;
      const next = sc.next;
      for (let j = 0; j < kernel.width; j++) t.state[base + j] = next[j]!;
      t.state[slot * STRIDE + META] = tag | REFERENCED;
      t.state[slot * STRIDE + EXPIRY] = sc.expiresAt;
      sc.used = sc.usedNext;
    } else {
      const has = this.has[i]!;
      kernel.inspect(t.state, has ? slot * STRIDE : 0, has, now, spec, sc);
      if (slot >= 0) t.state[slot * STRIDE + META]! |= REFERENCED;
    }
  }

  private settleLog(spec: LimitSpec & WindowParams, i: number, commit: boolean, now: number, at: number): void {
    const t = this.table;
    const sc = this.scratch[i]!;
    const slot = this.slots[i]!;
    let log = this.has[i] ? t.logs.get(slot) : undefined;
    if (commit) {
      log = slidingLogCommit(log ?? [], now, spec, this.costs[i]!, at);
      t.logs.set(slot, log);
    }
    slidingLogInspect(log, now, spec, sc);
    if (commit) {
      t.state[slot * STRIDE + META] = SLOG | REFERENCED;
      t.state[slot * STRIDE + EXPIRY] = sc.expiresAt;
    } else if (slot >= 0) {
      t.state[slot * STRIDE + META]! |= REFERENCED;
    }
  }

  private startTimer(): void {
    if (this.cleanupIntervalMs === 0 || this.closed) return;
    try {
      const timer = setInterval(() => this.sweep(), this.cleanupIntervalMs);
      (timer as { unref?: () => void } | undefined)?.unref?.();
      this.timer = timer;
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
