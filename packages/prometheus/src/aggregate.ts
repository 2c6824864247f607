// What the instrumentation keeps between scrapes: check counts per label set (bounded), the
// latest usage, cost and tokens, weighted histograms, store operations, the circuit state and
// event counts. With the default labels (plan, endpoint) the limiter counts checks itself
// (`counts: true`) and the series are built from its counts at scrape time; with the opt-in
// `user` label each check is counted here (`onCheck`). Samples are built at scrape time
// (metrics.ts).
import type { CheckCounts, CheckRecord, RateLimitResult, StoreOperationRecord } from '@limitrate/core';

export const OUTCOMES = ['allowed', 'blocked', 'slowed', 'logged'] as const;
const OUTCOME_INDEX: Record<string, number> = { allowed: 0, blocked: 1, slowed: 2, logged: 3 };
export const OTHER = 'other';

/** One label set's numbers. */
export class Series {
  readonly counts = [0, 0, 0, 0];
  /** Dollars charged. */
  cost = 0;
  tokens = 0;
  /** The latest check's result: its limits give the current usage and the limits. */
  last: RateLimitResult | undefined;
  constructor(readonly plan: string, readonly endpoint: string, readonly user: string) {}
}

/** A histogram whose observations carry a weight (a sampled timing stands for `weight` checks). */
export class WeightedHistogram {
  readonly counts: number[];
  sum = 0;
  count = 0;
  constructor(readonly buckets: readonly number[]) {
    this.counts = new Array<number>(buckets.length + 1).fill(0);
  }
  observe(value: number, weight: number): void {
    const b = this.buckets;
    let i = 0;
    while (i < b.length && value > b[i]!) i++;
    this.counts[i]! += weight;
    this.sum += value * weight;
    this.count += weight;
  }
}

/** Distinct values of a label, up to a cap; later ones are `other`. */
class Bounded {
  private readonly seen = new Set<string>();
  constructor(private readonly max: number) {}
  of(value: string): string {
    if (this.seen.has(value)) return value;
    if (this.seen.size >= this.max) return OTHER;
    this.seen.add(value);
    return value;
  }
  clear(): void {
    this.seen.clear();
  }
}

export interface AggregateOptions {
  plan: boolean;
  endpoint: boolean;
  user: boolean;
  maxUsers: number;
  maxEndpoints: number;
  checkBuckets: readonly number[];
  storeBuckets: readonly number[];
}

/** Counts of one plan and endpoint (a closed limiter's, or the values at a reset). */
interface Tally {
  plan: string;
  endpoint: string;
  counts: number[];
  cost: number;
  tokens: number;
  latest: RateLimitResult | undefined;
}

function tallyOf(c: CheckCounts): Tally {
  return { plan: c.plan, endpoint: c.endpoint, counts: [c.allowed, c.blocked, c.slowed, c.logged], cost: c.cost, tokens: c.tokens, latest: c.latest };
}

export class Aggregate {
  /** Whether checks are counted by the limiters (read at scrape), not here (the `user` label). */
  readonly pulls: boolean;
  /** The check counts of each attached limiter. */
  readonly countReaders = new Set<() => readonly CheckCounts[]>();
  /** Counts of limiters that closed, so counters never go back (by plan and endpoint). */
  private readonly retired = new Map<string, Tally>();
  /** Counts at the last reset(), subtracted (by plan and endpoint). */
  private readonly offsets = new Map<string, Tally>();
  /** plan -> endpoint -> user -> series ('' for a label that is off). */
  private readonly tree = new Map<string, Map<string, Map<string, Series>>>();
  readonly series: Series[] = [];
  readonly checkDuration: WeightedHistogram;
  readonly storeOps = new Map<string, { store: string; operation: string; status: string; count: number }>();
  readonly storeLatency = new Map<string, { store: string; operation: string; histogram: WeightedHistogram }>();
  readonly circuits = new Map<string, string>();
  readonly events = new Map<string, number>();
  /** The HTTP layers' in-flight gates, read at scrape time (one reader per attached limiter). */
  readonly gateReaders = new Set<() => Array<{ plan: string; endpoint: string; inFlight: number; queued: number }>>();
  private readonly byLabels = new Map<string, Series>();
  private readonly users: Bounded;
  private readonly endpoints: Bounded;
  /** Plans come from the configuration, but an unknown plan let through keeps its name: bounded too. */
  private readonly plans = new Bounded(100);

  constructor(private readonly o: AggregateOptions) {
    this.pulls = !o.user;
    this.checkDuration = new WeightedHistogram(o.checkBuckets);
    this.users = new Bounded(o.maxUsers);
    this.endpoints = new Bounded(o.maxEndpoints);
  }

  /** The series of the previous check, and the values it was looked up by (a hot endpoint is checked again and again). */
  private lastSeries: Series | undefined;
  private lastPlan = '';
  private lastEndpoint = '';
  private lastUser = '';

  private seriesOf(result: RateLimitResult): Series {
    const plan = this.o.plan ? result.plan : '';
    const endpoint = this.o.endpoint ? result.endpoint : '';
    const user = this.o.user ? result.user : '';
    if (this.lastSeries !== undefined && plan === this.lastPlan && endpoint === this.lastEndpoint && user === this.lastUser) return this.lastSeries;
    const s = this.lookup(plan, endpoint, user);
    this.lastSeries = s;
    this.lastPlan = plan;
    this.lastEndpoint = endpoint;
    this.lastUser = user;
    return s;
  }

  private lookup(plan: string, endpoint: string, user: string): Series {
    let byEndpoint = this.tree.get(plan);
    if (byEndpoint === undefined) this.tree.set(plan, (byEndpoint = new Map()));
    let byUser = byEndpoint.get(endpoint);
    if (byUser === undefined) byEndpoint.set(endpoint, (byUser = new Map()));
    let s = byUser.get(user);
    if (s !== undefined) return s;
    s = this.labelled(plan, endpoint, user);
    // Only values with series of their own are remembered: values counted as `other`
    // (past a cap) are looked up again each time, so a flood of them grows nothing.
    if (s.plan === plan && s.endpoint === endpoint && s.user === user) byUser.set(user, s);
    else {
      if (byUser.size === 0) byEndpoint.delete(endpoint);
      if (byEndpoint.size === 0) this.tree.delete(plan);
    }
    return s;
  }

  /** The series of a label set, its values bounded. */
  private labelled(plan: string, endpoint: string, user: string): Series {
    const p = this.o.plan ? this.plans.of(plan) : '';
    const e = this.o.endpoint ? this.endpoints.of(endpoint) : '';
    const u = this.o.user ? this.users.of(user) : '';
    const key = `${p}\u0000${e}\u0000${u}`;
    let s = this.byLabels.get(key);
    if (s === undefined) {
      s = new Series(p, e, u);
      this.byLabels.set(key, s);
      this.series.push(s);
    }
    return s;
  }

  /**
   * The series to export. Counted here (the `user` label): as kept. Counted by the
   * limiters: built now from their counts, plus those of closed limiters, less the counts at
   * the last reset, under bounded labels (the first values seen keep theirs).
   */
  currentSeries(): readonly Series[] {
    if (!this.pulls) return this.series;
    const out = new Map<Series, Series>();
    const add = (t: Tally, sign: 1 | -1): void => {
      const s = this.lookup(this.o.plan ? t.plan : '', this.o.endpoint ? t.endpoint : '', '');
      let acc = out.get(s);
      if (acc === undefined) out.set(s, (acc = new Series(s.plan, s.endpoint, '')));
      for (let i = 0; i < 4; i++) acc.counts[i]! += sign * t.counts[i]!;
      acc.cost += sign * t.cost;
      acc.tokens += sign * t.tokens;
      if (sign === 1 && t.latest !== undefined && (acc.last === undefined || t.latest.timestamp >= acc.last.timestamp)) acc.last = t.latest;
    };
    for (const read of this.countReaders) for (const c of read()) add(tallyOf(c), 1);
    for (const t of this.retired.values()) add(t, 1);
    for (const t of this.offsets.values()) add(t, -1);
    return [...out.values()];
  }

  /** A limiter closed: its counts stay in the counters. */
  retire(counts: readonly CheckCounts[]): void {
    for (const c of counts) accumulate(this.retired, tallyOf(c));
  }

  check(r: CheckRecord): void {
    const result = r.result;
    const s = this.seriesOf(result);
    s.counts[OUTCOME_INDEX[r.outcome]!]! += 1;
    if (result.cost !== 0) s.cost += result.cost;
    if (result.tokens !== 0) s.tokens += result.tokens;
    if (result.limits.length > 0) s.last = result;
    if (r.durationSeconds !== undefined && r.timingWeight > 0) this.checkDuration.observe(r.durationSeconds, r.timingWeight);
  }

  storeOperation(r: StoreOperationRecord): void {
    const key = `${r.store}\u0000${r.operation}\u0000${r.status}`;
    const op = this.storeOps.get(key);
    if (op === undefined) this.storeOps.set(key, { store: r.store, operation: r.operation, status: r.status, count: 1 });
    else op.count++;
    const lkey = `${r.store}\u0000${r.operation}`;
    let l = this.storeLatency.get(lkey);
    if (l === undefined) this.storeLatency.set(lkey, (l = { store: r.store, operation: r.operation, histogram: new WeightedHistogram(this.o.storeBuckets) }));
    l.histogram.observe(r.durationSeconds, 1);
  }

  event(type: string): void {
    this.events.set(type, (this.events.get(type) ?? 0) + 1);
  }

  reset(): void {
    // Counted by the limiters: counters start again from the counts as they are now.
    if (this.pulls) {
      const now = new Map<string, Tally>();
      for (const read of this.countReaders) for (const c of read()) accumulate(now, tallyOf(c));
      for (const t of this.retired.values()) accumulate(now, { ...t, counts: [...t.counts] });
      this.offsets.clear();
      for (const [k, t] of now) this.offsets.set(k, t);
    }
    this.tree.clear();
    this.lastSeries = undefined;
    this.byLabels.clear();
    this.series.length = 0;
    this.plans.clear();
    this.checkDuration.counts.fill(0);
    this.checkDuration.sum = 0;
    this.checkDuration.count = 0;
    this.storeOps.clear();
    this.storeLatency.clear();
    this.circuits.clear();
    this.events.clear();
    this.users.clear();
    this.endpoints.clear();
  }
}

/** Adds a tally into a map by plan and endpoint. */
function accumulate(into: Map<string, Tally>, t: Tally): void {
  const key = `${t.plan}\u0000${t.endpoint}`;
  const acc = into.get(key);
  if (acc === undefined) {
    into.set(key, { ...t, counts: [...t.counts] });
    return;
  }
  for (let i = 0; i < 4; i++) acc.counts[i]! += t.counts[i]!;
  acc.cost += t.cost;
  acc.tokens += t.tokens;
  if (t.latest !== undefined && (acc.latest === undefined || t.latest.timestamp >= acc.latest.timestamp)) acc.latest = t.latest;
}
