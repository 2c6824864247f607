// Analytics buckets: counting a check into a minute, merging buckets (a fleet's, or minutes
// into hours), and the bound on users (the busiest kept, the rest folded into otherUsers).
import type { RateLimitResult } from '../types.js';
import type { AnalyticsBucket, OutcomeCounts, PairCounts, StoreCounts, UserCounts } from './types.js';

/**
 * Upper bounds (ms) of the latency histogram's buckets; one more bucket counts what is
 * above the last. Fine below a millisecond (the memory store), coarse above a second.
 */
export const LATENCY_BOUNDS_MS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 7.5, 10, 15, 25, 50, 75, 100, 150, 250, 500, 1000, 2500, 5000, 10_000,
];

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;

/** Dollars are summed in micro-dollars so that sums never drift. */
const MICROS = 1_000_000;

/** All zero. */
export function emptyCounts(): OutcomeCounts {
  return { requests: 0, allowed: 0, slowed: 0, blocked: 0, logged: 0, degraded: 0, cost: 0, tokens: 0 };
}

export function emptyStoreCounts(): StoreCounts {
  return { operations: 0, errors: 0, latencySumMs: 0, latency: new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0) };
}

/**
 * An empty bucket starting at `start` (rounded down to its resolution).
 *
 * @example
 * ```ts
 * const b = emptyBucket(Date.now(), 'minute');
 * ```
 */
export function emptyBucket(start: number, resolution: 'minute' | 'hour'): AnalyticsBucket {
  const size = resolution === 'minute' ? MINUTE_MS : HOUR_MS;
  return { start: Math.floor(start / size) * size, resolution, pairs: [], users: [], otherUsers: emptyCounts(), store: emptyStoreCounts() };
}

/** Adds dollars without drift (through micro-dollars). */
export function addDollars(a: number, b: number): number {
  return (Math.round(a * MICROS) + Math.round(b * MICROS)) / MICROS;
}

/** Adds `from`'s counts to `into`. */
export function addCounts(into: OutcomeCounts, from: OutcomeCounts): void {
  into.requests += from.requests;
  into.allowed += from.allowed;
  into.slowed += from.slowed;
  into.blocked += from.blocked;
  into.logged += from.logged;
  into.degraded += from.degraded;
  into.cost = addDollars(into.cost, from.cost);
  into.tokens += from.tokens;
}

/** Subtracts (for remainders); never below zero. */
export function subtractCounts(into: OutcomeCounts, from: OutcomeCounts): void {
  into.requests = Math.max(0, into.requests - from.requests);
  into.allowed = Math.max(0, into.allowed - from.allowed);
  into.slowed = Math.max(0, into.slowed - from.slowed);
  into.blocked = Math.max(0, into.blocked - from.blocked);
  into.logged = Math.max(0, into.logged - from.logged);
  into.degraded = Math.max(0, into.degraded - from.degraded);
  into.cost = Math.max(0, addDollars(into.cost, -from.cost));
  into.tokens = Math.max(0, into.tokens - from.tokens);
}

/** Counts one check's result, in the same terms as metrics (`outcomeOf`), with what it was charged at the check. */
export function countResult(into: OutcomeCounts, r: RateLimitResult, cost = r.cost, tokens = r.tokens): void {
  into.requests++;
  if (!r.allowed) into.blocked++;
  else if (r.action === 'allow') into.allowed++;
  else if (r.dryRun || r.action === 'allow-and-log') into.logged++;
  else into.slowed++;
  if (r.degraded) into.degraded++;
  if (cost !== 0 && Number.isFinite(cost)) into.cost = addDollars(into.cost, cost);
  if (tokens !== 0 && Number.isFinite(tokens)) into.tokens += tokens;
}

/** Adds `from`'s store counters to `into`. */
export function addStoreCounts(into: StoreCounts, from: StoreCounts): void {
  into.operations += from.operations;
  into.errors += from.errors;
  into.latencySumMs += from.latencySumMs;
  const n = Math.min(into.latency.length, from.latency.length);
  for (let i = 0; i < n; i++) into.latency[i]! += from.latency[i]!;
}

/** Records one latency (ms) in the histogram. */
export function observeLatency(into: StoreCounts, ms: number, weight = 1): void {
  if (!Number.isFinite(ms) || ms < 0) return;
  into.operations += weight;
  into.latencySumMs += ms * weight;
  let i = 0;
  while (i < LATENCY_BOUNDS_MS.length && ms > LATENCY_BOUNDS_MS[i]!) i++;
  into.latency[i]! += weight;
}

/** The key of a plan and endpoint pair (a tab cannot appear in a canonical endpoint's method). */
export function pairKey(plan: string, endpoint: string): string {
  return `${plan.length}:${plan}\t${endpoint}`;
}

/** The key of a user on a plan and endpoint (length-prefixed, so no id can collide with another). */
export function userKey(user: string, plan: string, endpoint: string): string {
  return `${user.length}:${user}\t${plan.length}:${plan}\t${endpoint}`;
}

/**
 * A bucket being filled: maps for fast merging, turned into an {@link AnalyticsBucket} when
 * read. Users past twice `topUsers` are trimmed to the busiest `topUsers`, the rest folded
 * into `otherUsers`: bounded memory whatever the traffic, exact totals.
 */
export class LiveBucket {
  readonly pairs = new Map<string, PairCounts>();
  readonly users = new Map<string, UserCounts>();
  readonly otherUsers = emptyCounts();
  readonly store = emptyStoreCounts();

  constructor(
    readonly start: number,
    readonly resolution: 'minute' | 'hour',
    private readonly topUsers: number,
  ) {}

  /** The pair's counts, created when new. */
  pair(plan: string, endpoint: string): PairCounts {
    const key = pairKey(plan, endpoint);
    let p = this.pairs.get(key);
    if (p === undefined) {
      p = { plan, endpoint, ...emptyCounts() };
      this.pairs.set(key, p);
    }
    return p;
  }

  /** The user's counts on a pair, created when new (which may trim the users). */
  user(user: string, plan: string, endpoint: string): UserCounts {
    const key = userKey(user, plan, endpoint);
    let u = this.users.get(key);
    if (u === undefined) {
      if (this.users.size >= this.topUsers * 2) this.trim();
      u = { user, plan, endpoint, ...emptyCounts() };
      this.users.set(key, u);
    }
    return u;
  }

  /** Counts a check (charged `cost` and `tokens` at the check: `record()` may change the result later). */
  count(r: RateLimitResult, cost: number, tokens: number): void {
    countResult(this.pair(r.plan, r.endpoint), r, cost, tokens);
    countResult(this.user(r.user, r.plan, r.endpoint), r, cost, tokens);
  }

  /** Cost and tokens reconciled after a response (not a request: the check counted it). */
  usage(user: string, plan: string, endpoint: string, cost: number, tokens: number): void {
    for (const c of [this.pair(plan, endpoint), this.user(user, plan, endpoint)]) {
      if (Number.isFinite(cost) && cost !== 0) c.cost = Math.max(0, addDollars(c.cost, cost));
      if (Number.isFinite(tokens) && tokens !== 0) c.tokens = Math.max(0, c.tokens + tokens);
    }
  }

  /** Adds a bucket (same start and resolution, or a minute into its hour). */
  add(b: AnalyticsBucket): void {
    for (const p of b.pairs) addCounts(this.pair(p.plan, p.endpoint), p);
    for (const u of b.users) addCounts(this.user(u.user, u.plan, u.endpoint), u);
    addCounts(this.otherUsers, b.otherUsers);
    addStoreCounts(this.store, b.store);
  }

  /** Keeps the busiest `topUsers` users, folding the rest into otherUsers. */
  trim(): void {
    if (this.users.size <= this.topUsers) return;
    const sorted = [...this.users.entries()].sort((a, b) => b[1].requests - a[1].requests || b[1].blocked - a[1].blocked);
    for (let i = this.topUsers; i < sorted.length; i++) {
      const [key, u] = sorted[i]!;
      addCounts(this.otherUsers, u);
      this.users.delete(key);
    }
  }

  /** Nothing counted. */
  get empty(): boolean {
    return this.pairs.size === 0 && this.store.operations === 0 && this.store.errors === 0;
  }

  /** A plain copy (users trimmed to `topUsers`). */
  toBucket(): AnalyticsBucket {
    this.trim();
    return {
      start: this.start,
      resolution: this.resolution,
      pairs: [...this.pairs.values()].map((p) => ({ ...p })),
      users: [...this.users.values()].map((u) => ({ ...u })),
      otherUsers: { ...this.otherUsers },
      store: { ...this.store, latency: [...this.store.latency] },
    };
  }
}

/**
 * Adds `from` to `into` (same start and resolution, or a minute into its hour), keeping at
 * most `topUsers` users, the busiest; the rest fold into `otherUsers`.
 *
 * @example
 * ```ts
 * const hour = emptyBucket(minute.start, 'hour');
 * mergeBucket(hour, minute, 100);
 * ```
 */
export function mergeBucket(into: AnalyticsBucket, from: AnalyticsBucket, topUsers: number): void {
  const live = new LiveBucket(into.start, into.resolution, Math.max(1, topUsers));
  live.add(into);
  live.add(from);
  const merged = live.toBucket();
  into.pairs = merged.pairs;
  into.users = merged.users;
  into.otherUsers = merged.otherUsers;
  into.store = merged.store;
}
