// In-memory aggregation between flushes. By default (no user tags) the limiter counts checks
// itself (`counts: true`, a few additions per check) and each flush sends what its counts
// grew by since the previous flush; durations and gauges come from the limiter's timed
// checks (`onTimedCheck`, at most `timingsPerSecond`). With `tagUsers` each check is counted
// here (`onCheck`). Tags are built once per series; points are produced at flush time.
import type { CheckCounts, CheckRecord, LimitRateEvent, RateLimitResult, StoreOperationRecord } from '@limitrate/core';
import type { MetricType } from './names.js';
import { tag } from './tags.js';

/** One metric value ready to send. Distributions carry their values and the sample rate they stand for. */
export interface MetricPoint {
  /** Full name, prefix included. */
  readonly name: string;
  readonly type: MetricType;
  /** Counts and gauges. */
  readonly value: number;
  /** Distributions: the sampled values. */
  readonly values?: readonly number[];
  /** Distributions: each value stands for 1/rate observations (0 < rate <= 1). */
  readonly rate?: number;
  readonly tags: readonly string[];
}

const OUTCOMES = ['allowed', 'blocked', 'slowed', 'logged'] as const;

function outcomeIndex(outcome: CheckRecord['outcome']): number {
  switch (outcome) {
    case 'allowed':
      return 0;
    case 'blocked':
      return 1;
    case 'slowed':
      return 2;
    case 'logged':
      return 3;
    default:
      return 0;
  }
}

/** Requests running and waiting under an in-flight limit, as `InstrumentedLimiter.inFlight` gives them. */
export interface GateCount {
  readonly plan: string;
  readonly endpoint: string;
  readonly inFlight: number;
  readonly queued: number;
}

/** What was last sent of one live `CheckCounts` entry. */
interface Sent {
  allowed: number;
  blocked: number;
  slowed: number;
  logged: number;
  cost: number;
  tokens: number;
}

/** Sampled values for one distribution: a bounded reservoir, and the weight they stand for. */
class Samples {
  values: number[] = [];
  seen = 0;
  weight = 0;
  constructor(private readonly cap: number) {}
  add(value: number, weight: number): void {
    this.weight += weight;
    this.seen++;
    if (this.values.length < this.cap) this.values.push(value);
    else {
      const j = Math.floor(Math.random() * this.seen);
      if (j < this.cap) this.values[j] = value;
    }
  }
  /** The values and their sample rate (values kept / observations they stand for), then empty. */
  drain(): { values: number[]; rate: number } | undefined {
    if (this.values.length === 0) return undefined;
    const out = { values: this.values, rate: Math.min(1, this.values.length / this.weight) };
    this.values = [];
    this.seen = 0;
    this.weight = 0;
    return out;
  }
}

/** Everything kept for one plan / endpoint (/ user). */
class CheckSeries {
  readonly counts = new Float64Array(OUTCOMES.length);
  cost = 0;
  tokens = 0;
  usageMax = -1;
  limit = 0;
  /** When the check that gave `limit` was decided (the most recent one's limit is sent). */
  limitAt = -Infinity;
  utilizationMax = -1;
  active = false;
  readonly durations: Samples;
  constructor(
    /** plan, endpoint (and user) tags. */
    readonly tags: readonly string[],
    /** plan and endpoint tags only (distributions and gauges are not per user). */
    readonly baseTags: readonly string[],
    samples: number,
  ) {
    this.durations = new Samples(samples);
  }
}

class StoreSeries {
  count = 0;
  readonly durations: Samples;
  constructor(readonly tags: readonly string[], samples: number) {
    this.durations = new Samples(samples);
  }
}

/** Which events are counted (not `allowed` and `usage_recorded`, which come with every request). */
export const COUNTED_EVENTS = [
  'rate_exceeded',
  'cost_exceeded',
  'token_limit_exceeded',
  'slowdown_applied',
  'ip_blocked',
  'store_error',
  'store_circuit',
  'store_fallback',
  'callback_error',
  'unknown_plan',
  'webhook_failed',
  'webhook_dropped',
] as const satisfies readonly LimitRateEvent['type'][];

const CIRCUIT_VALUE = { closed: 0, 'half-open': 0.5, open: 1 } as const;

export interface AggregatorOptions {
  prefix: string;
  tagUsers: boolean;
  maxUsers: number;
  maxSeries: number;
  /** Values kept per distribution and flush (default 256). */
  maxSamples?: number;
}

type Names = Record<'checks' | 'duration' | 'cost' | 'tokens' | 'usage' | 'limit' | 'utilization' | 'inflight' | 'queued' | 'storeOps' | 'storeDuration' | 'circuit' | 'events', string>;

/**
 * Aggregates checks, store operations and events between flushes, and turns them into
 * metric points on `drain()`. Without `tagUsers` it reads the check counts of the limiters
 * in `countReaders` at each drain and sends what they grew by (`pulls`); with it, `check()`
 * counts each check.
 *
 * @example
 * ```js
 * const agg = new Aggregator({ prefix: 'limitrate.', tagUsers: false, maxUsers: 100, maxSeries: 1000 });
 * agg.countReaders.add(limiter.checkCounts); // in attach()
 * const points = agg.drain();
 * ```
 */
export class Aggregator {
  /** Whether checks are counted by the limiters (read at each drain), not here (`tagUsers`). */
  readonly pulls: boolean;
  /** The check counts of each attached limiter (pull mode). */
  readonly countReaders = new Set<() => readonly CheckCounts[]>();
  /** The in-flight gates of each attached limiter, read at each drain. */
  readonly gateReaders = new Set<() => readonly GateCount[]>();
  /** What was sent of each live counts entry: the next drain sends the difference. */
  private readonly sent = new Map<CheckCounts, Sent>();
  /** Gates sent by the last drain (key -> tags): one gone since is sent once more, at 0. */
  private gatesSent = new Map<string, readonly string[]>();
  private readonly checks = new Map<string, Map<string, Map<string, CheckSeries>>>();
  private readonly stores = new Map<string, Map<string, StoreSeries[]>>();
  private readonly events = new Map<string, { tags: readonly string[]; count: number }>();
  private readonly circuits = new Map<string, number>();
  private readonly users = new Set<string>();
  private series = 0;
  private readonly n: Names;
  private readonly samples: number;
  /** The series of the previous lookup and what it was looked up by (a hot endpoint comes again and again). */
  private lastSeries: CheckSeries | undefined;
  private lastPlan = '';
  private lastEndpoint = '';
  private lastUser = '';

  constructor(private readonly options: AggregatorOptions) {
    const p = options.prefix;
    this.pulls = !options.tagUsers;
    this.samples = options.maxSamples ?? 256;
    this.n = {
      checks: `${p}checks`,
      duration: `${p}check.duration`,
      cost: `${p}cost`,
      tokens: `${p}tokens`,
      usage: `${p}usage`,
      limit: `${p}limit`,
      utilization: `${p}utilization`,
      inflight: `${p}inflight.requests`,
      queued: `${p}queued.requests`,
      storeOps: `${p}store.operations`,
      storeDuration: `${p}store.duration`,
      circuit: `${p}store.circuit`,
      events: `${p}events`,
    };
  }

  /** One check (`tagUsers`: every check; hot path, lookups and increments only). */
  check(record: CheckRecord): void {
    const r = record.result;
    const s = this.seriesOf(r.plan, r.endpoint, this.options.tagUsers ? r.user : '');
    s.active = true;
    s.counts[outcomeIndex(record.outcome)]! += 1;
    if (r.cost > 0) s.cost += r.cost;
    if (r.tokens > 0) s.tokens += r.tokens;
    this.usage(s, r);
    if (record.durationSeconds !== undefined && record.timingWeight > 0) s.durations.add(record.durationSeconds, record.timingWeight);
  }

  /** One timed check (pull mode): its duration, weighted by the checks it stands for, and its usage for the gauges. */
  timed(record: CheckRecord): void {
    if (record.durationSeconds === undefined || record.timingWeight <= 0) return;
    const r = record.result;
    const s = this.seriesOf(r.plan, r.endpoint, '');
    s.active = true;
    s.durations.add(record.durationSeconds, record.timingWeight);
    this.usage(s, r);
  }

  /** A limiter detached: what its counts grew by since the last drain goes to the next one. */
  retire(counts: readonly CheckCounts[]): void {
    for (const c of counts) {
      this.pull(c);
      this.sent.delete(c);
    }
  }

  /** The usage gauges of a check: the highest usage and utilization of the interval, the latest limit. */
  private usage(s: CheckSeries, r: RateLimitResult): void {
    const limit = r.limit;
    if (!(limit > 0) || !Number.isFinite(limit)) return;
    if (r.timestamp >= s.limitAt) {
      s.limit = limit;
      s.limitAt = r.timestamp;
    }
    if (r.current > s.usageMax) s.usageMax = r.current;
    const u = r.current / limit;
    if (u > s.utilizationMax) s.utilizationMax = u;
  }

  /** Adds what a live counts entry grew by since it was last read to its series. */
  private pull(c: CheckCounts): void {
    let last = this.sent.get(c);
    if (last === undefined) this.sent.set(c, (last = { allowed: 0, blocked: 0, slowed: 0, logged: 0, cost: 0, tokens: 0 }));
    const allowed = c.allowed - last.allowed;
    const blocked = c.blocked - last.blocked;
    const slowed = c.slowed - last.slowed;
    const logged = c.logged - last.logged;
    const cost = c.cost - last.cost;
    const tokens = c.tokens - last.tokens;
    if (allowed === 0 && blocked === 0 && slowed === 0 && logged === 0 && cost === 0 && tokens === 0) return;
    last.allowed = c.allowed;
    last.blocked = c.blocked;
    last.slowed = c.slowed;
    last.logged = c.logged;
    last.cost = c.cost;
    last.tokens = c.tokens;
    const s = this.seriesOf(c.plan, c.endpoint, '');
    s.active = true;
    s.counts[0]! += allowed;
    s.counts[1]! += blocked;
    s.counts[2]! += slowed;
    s.counts[3]! += logged;
    s.cost += cost;
    s.tokens += tokens;
  }

  /** One store operation. */
  storeOperation(op: StoreOperationRecord): void {
    let byOp = this.stores.get(op.store);
    if (byOp === undefined) {
      if (this.stores.size >= 50) return;
      byOp = new Map();
      this.stores.set(op.store, byOp);
    }
    let pair = byOp.get(op.operation);
    if (pair === undefined) {
      const base = [tag('store', op.store), tag('operation', op.operation)];
      pair = [new StoreSeries([...base, 'status:success'], this.samples), new StoreSeries([...base, 'status:error'], this.samples)];
      byOp.set(op.operation, pair);
    }
    const s = pair[op.status === 'error' ? 1 : 0]!;
    s.count++;
    s.durations.add(op.durationSeconds, 1);
  }

  /** One limiter event (of COUNTED_EVENTS). */
  event(e: LimitRateEvent): void {
    const tags = [tag('event', e.type)];
    switch (e.type) {
      case 'rate_exceeded':
      case 'cost_exceeded':
      case 'token_limit_exceeded':
        tags.push(tag('plan', e.plan), tag('endpoint', e.endpoint), tag('limit', e.limit), tag('action', e.action));
        break;
      case 'slowdown_applied':
      case 'ip_blocked':
        tags.push(tag('plan', e.plan), tag('endpoint', e.endpoint));
        break;
      case 'store_error':
        tags.push(tag('store', e.store), tag('policy', e.policy));
        break;
      case 'store_circuit':
        tags.push(tag('store', e.store), tag('state', e.state));
        if (this.circuits.has(e.store) || this.circuits.size < 50) this.circuits.set(e.store, CIRCUIT_VALUE[e.state]);
        break;
      case 'store_fallback':
        tags.push(tag('store', e.store));
        break;
      case 'callback_error':
        tags.push(tag('callback', e.callback));
        break;
      default:
        break;
    }
    const key = tags.join(',');
    let entry = this.events.get(key);
    if (entry === undefined) {
      if (this.events.size >= this.options.maxSeries) {
        const fallback = tag('event', e.type);
        entry = this.events.get(fallback) ?? { tags: [fallback], count: 0 };
        this.events.set(fallback, entry);
      } else {
        entry = { tags, count: 0 };
        this.events.set(key, entry);
      }
    }
    entry.count++;
  }

  private seriesOf(plan: string, endpoint: string, user: string): CheckSeries {
    if (this.lastSeries !== undefined && plan === this.lastPlan && endpoint === this.lastEndpoint && user === this.lastUser) return this.lastSeries;
    const s = this.lookup(plan, endpoint, user);
    this.lastSeries = s;
    this.lastPlan = plan;
    this.lastEndpoint = endpoint;
    this.lastUser = user;
    return s;
  }

  private lookup(plan: string, endpoint: string, user: string): CheckSeries {
    let byEndpoint = this.checks.get(plan);
    if (byEndpoint === undefined) {
      byEndpoint = new Map();
      this.checks.set(plan, byEndpoint);
    }
    let byUser = byEndpoint.get(endpoint);
    if (byUser === undefined) {
      if (this.series >= this.options.maxSeries && endpoint !== '\0other') return this.lookup(plan, '\0other', this.options.tagUsers ? 'other' : '');
      byUser = new Map();
      byEndpoint.set(endpoint, byUser);
    }
    let s = byUser.get(user);
    if (s === undefined) {
      let u = user;
      if (this.options.tagUsers && !this.users.has(user)) {
        if (this.users.size >= this.options.maxUsers) u = 'other';
        else this.users.add(user);
        if (u !== user) {
          s = byUser.get(u);
          if (s !== undefined) return s;
        }
      }
      const base = [tag('plan', plan), endpoint === '\0other' ? 'endpoint:other' : tag('endpoint', endpoint)];
      s = new CheckSeries(this.options.tagUsers ? [...base, tag('user', u)] : base, base, this.samples);
      byUser.set(u, s);
      this.series++;
    }
    return s;
  }

  /**
   * Everything since the last drain, as points; counters start again from zero. Idle series
   * are forgotten. In pull mode the attached limiters' counts are read now.
   */
  drain(): MetricPoint[] {
    if (this.pulls) for (const read of this.countReaders) for (const c of read()) this.pull(c);
    // Series may be deleted below: the next lookup starts afresh.
    this.lastSeries = undefined;
    const out: MetricPoint[] = [];
    const n = this.n;
    for (const [plan, byEndpoint] of this.checks) {
      for (const [endpoint, byUser] of byEndpoint) {
        for (const [user, s] of byUser) {
          if (!s.active) {
            byUser.delete(user);
            this.series--;
            continue;
          }
          s.active = false;
          for (let o = 0; o < OUTCOMES.length; o++) {
            const count = s.counts[o]!;
            if (count === 0) continue;
            s.counts[o] = 0;
            out.push({ name: n.checks, type: 'count', value: count, tags: [...s.tags, `result:${OUTCOMES[o]}`] });
          }
          // Dollars are counted in micro-dollars by the limiter: no float residue.
          const cost = Math.round(s.cost * 1_000_000) / 1_000_000;
          if (cost > 0) out.push({ name: n.cost, type: 'count', value: cost, tags: s.tags });
          if (s.tokens > 0) out.push({ name: n.tokens, type: 'count', value: s.tokens, tags: s.tags });
          s.cost = 0;
          s.tokens = 0;
          if (s.usageMax >= 0) {
            out.push({ name: n.usage, type: 'gauge', value: s.usageMax, tags: s.baseTags });
            out.push({ name: n.limit, type: 'gauge', value: s.limit, tags: s.baseTags });
            out.push({ name: n.utilization, type: 'gauge', value: s.utilizationMax, tags: s.baseTags });
          }
          s.usageMax = -1;
          s.utilizationMax = -1;
          s.limitAt = -Infinity;
          const d = s.durations.drain();
          if (d) out.push({ name: n.duration, type: 'distribution', value: 0, values: d.values, rate: d.rate, tags: s.baseTags });
        }
        if (byUser.size === 0) byEndpoint.delete(endpoint);
      }
      if (byEndpoint.size === 0) this.checks.delete(plan);
    }
    this.drainGates(out);
    for (const byOp of this.stores.values()) {
      for (const pair of byOp.values()) {
        for (const s of pair) {
          if (s.count > 0) out.push({ name: n.storeOps, type: 'count', value: s.count, tags: s.tags });
          s.count = 0;
          const d = s.durations.drain();
          if (d) out.push({ name: n.storeDuration, type: 'distribution', value: 0, values: d.values, rate: d.rate, tags: s.tags });
        }
      }
    }
    for (const [store, value] of this.circuits) out.push({ name: n.circuit, type: 'gauge', value, tags: [tag('store', store)] });
    for (const e of this.events.values()) out.push({ name: n.events, type: 'count', value: e.count, tags: e.tags });
    this.events.clear();
    return out;
  }

  /** In-flight and queued requests of every attached limiter's gates, summed by plan and endpoint; a gate gone since the last drain is sent once at 0. */
  private drainGates(out: MetricPoint[]): void {
    if (this.gateReaders.size === 0 && this.gatesSent.size === 0) return;
    const now = new Map<string, { tags: readonly string[]; inFlight: number; queued: number }>();
    for (const read of this.gateReaders) {
      for (const g of read()) {
        let key = `${g.plan}\u0000${g.endpoint}`;
        let acc = now.get(key);
        if (acc === undefined && now.size >= this.options.maxSeries) {
          key = `${g.plan}\u0000\u0000other`;
          acc = now.get(key);
          if (acc === undefined) now.set(key, (acc = { tags: [tag('plan', g.plan), 'endpoint:other'], inFlight: 0, queued: 0 }));
        }
        if (acc === undefined) now.set(key, (acc = { tags: [tag('plan', g.plan), tag('endpoint', g.endpoint)], inFlight: 0, queued: 0 }));
        acc.inFlight += g.inFlight;
        acc.queued += g.queued;
      }
    }
    const n = this.n;
    for (const g of now.values()) {
      out.push({ name: n.inflight, type: 'gauge', value: g.inFlight, tags: g.tags });
      out.push({ name: n.queued, type: 'gauge', value: g.queued, tags: g.tags });
    }
    for (const [key, tags] of this.gatesSent) {
      if (now.has(key)) continue;
      out.push({ name: n.inflight, type: 'gauge', value: 0, tags });
      out.push({ name: n.queued, type: 'gauge', value: 0, tags });
    }
    this.gatesSent = new Map([...now].map(([key, g]) => [key, g.tags]));
  }
}
