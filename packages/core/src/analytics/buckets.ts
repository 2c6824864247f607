// Analytics buckets: counting a check into a minute, merging buckets (a fleet's, or minutes
// into hours), and the bound on users (the busiest kept, the rest folded into otherUsers).
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

/**
 * What a check did, as a small number: 0 allowed, 1 blocked, 2 slowed, 3 logged (the
 * outcomes of metrics, `outcomeOf`), plus 4 when the failure policy decided.
 */
export type CheckCode = number;

/** Counts one check: its code (see {@link CheckCode}) and what it was charged. */
export function countCheck(into: OutcomeCounts, code: CheckCode, cost: number, tokens: number): void {
  into.requests++;
  // A branch per outcome: a computed property name would make every increment a generic keyed store.
  const outcome = code & 3;
  if (outcome === 0) into.allowed++;
  else if (outcome === 1) into.blocked++;
  else if (outcome === 2) into.slowed++;
  else into.logged++;
  if (code >= 4) into.degraded++;
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

/**
 * A plan and endpoint's counts (with `users`, its busiest users'), or a user's on one
 * (`user` set, no `users`). One class for both: the counting code then sees one shape.
 */
class Entry implements UserCounts {
  requests = 0;
  allowed = 0;
  slowed = 0;
  blocked = 0;
  logged = 0;
  degraded = 0;
  cost = 0;
  tokens = 0;
  constructor(
    readonly plan: string,
    readonly endpoint: string,
    readonly user: string,
    readonly users: Map<string, Entry> | undefined,
  ) {}
}

type PairEntry = Entry & { readonly users: Map<string, Entry> };

const countsOf = (c: OutcomeCounts): OutcomeCounts => ({ requests: c.requests, allowed: c.allowed, slowed: c.slowed, blocked: c.blocked, logged: c.logged, degraded: c.degraded, cost: c.cost, tokens: c.tokens });

/**
 * A bucket being filled: maps by plan, then endpoint, then user (lookups by the strings
 * themselves, whose hashes the engine keeps, with no key built per check), turned into an
 * {@link AnalyticsBucket} when read. Users past twice `topUsers` are trimmed to the busiest
 * `topUsers`, the rest folded into `otherUsers`: bounded memory whatever the traffic, exact
 * totals.
 */
export class LiveBucket {
  private readonly plans = new Map<string, Map<string, PairEntry>>();
  private userCount = 0;
  readonly otherUsers = emptyCounts();
  readonly store = emptyStoreCounts();
  // The last user counted, and where: traffic repeats itself, and this skips the lookups.
  private lastUser: string | undefined;
  private lastPlan: string | undefined;
  private lastEndpoint: string | undefined;
  private lastPair: PairEntry | undefined;
  private lastCounts: Entry | undefined;

  constructor(
    readonly start: number,
    readonly resolution: 'minute' | 'hour',
    private readonly topUsers: number,
  ) {}

  /** The pair's counts, created when new. */
  pair(plan: string, endpoint: string): PairEntry {
    let byEndpoint = this.plans.get(plan);
    if (byEndpoint === undefined) this.plans.set(plan, (byEndpoint = new Map()));
    let p = byEndpoint.get(endpoint);
    if (p === undefined) byEndpoint.set(endpoint, (p = new Entry(plan, endpoint, '', new Map()) as PairEntry));
    return p;
  }

  /** The user's counts on a pair, created when new (which may trim the users first). */
  user(user: string, plan: string, endpoint: string): Entry {
    if (user === this.lastUser && plan === this.lastPlan && endpoint === this.lastEndpoint && this.lastCounts !== undefined) return this.lastCounts;
    let pair = this.pair(plan, endpoint);
    let u = pair.users.get(user);
    if (u === undefined) {
      if (this.userCount >= this.topUsers * 2) {
        this.trim();
        pair = this.pair(plan, endpoint);
      }
      u = new Entry(plan, endpoint, user, undefined);
      pair.users.set(user, u);
      this.userCount++;
    }
    this.lastUser = user;
    this.lastPlan = plan;
    this.lastEndpoint = endpoint;
    this.lastPair = pair;
    this.lastCounts = u;
    return u;
  }

  /** Counts a check (charged `cost` and `tokens` at the check: `record()` may change its result later). */
  count(user: string, plan: string, endpoint: string, code: CheckCode, cost: number, tokens: number): void {
    const u = this.user(user, plan, endpoint);
    countCheck(this.lastPair!, code, cost, tokens);
    countCheck(u, code, cost, tokens);
  }

  /** Cost and tokens reconciled after a response (not a request: the check counted it). */
  usage(user: string, plan: string, endpoint: string, cost: number, tokens: number): void {
    const u = this.user(user, plan, endpoint);
    for (const c of [this.lastPair!, u]) {
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
    if (this.userCount <= this.topUsers) return;
    const all: Array<[PairEntry, Entry]> = [];
    for (const byEndpoint of this.plans.values()) for (const p of byEndpoint.values()) for (const u of p.users.values()) all.push([p, u]);
    all.sort((a, b) => b[1].requests - a[1].requests || b[1].blocked - a[1].blocked);
    for (let i = this.topUsers; i < all.length; i++) {
      const [p, u] = all[i]!;
      addCounts(this.otherUsers, u);
      p.users.delete(u.user);
    }
    this.userCount = Math.min(this.userCount, this.topUsers);
    this.lastUser = this.lastPlan = this.lastEndpoint = undefined;
    this.lastPair = this.lastCounts = undefined;
  }

  /** Nothing counted. */
  get empty(): boolean {
    return this.plans.size === 0 && this.store.operations === 0 && this.store.errors === 0;
  }

  /** A plain copy (users trimmed to `topUsers`). */
  toBucket(): AnalyticsBucket {
    this.trim();
    const pairs: PairCounts[] = [];
    const users: UserCounts[] = [];
    for (const byEndpoint of this.plans.values()) {
      for (const p of byEndpoint.values()) {
        pairs.push({ plan: p.plan, endpoint: p.endpoint, ...countsOf(p) });
        for (const u of p.users.values()) users.push({ user: u.user, plan: u.plan, endpoint: u.endpoint, ...countsOf(u) });
      }
    }
    return { start: this.start, resolution: this.resolution, pairs, users, otherUsers: countsOf(this.otherUsers), store: { ...this.store, latency: [...this.store.latency] } };
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
