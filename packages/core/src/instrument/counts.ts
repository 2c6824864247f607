// Check counts per plan and endpoint, for instrumentations that read them at export time
// (`counts: true`): a few additions per check instead of a hook call per check. Bounded: past
// MAX_PAIRS distinct pairs, further ones share one `other` entry.
import type { Resolution } from '../policy/engine.js';
import type { RateLimitResult } from '../types.js';
import type { CheckCounts } from './types.js';

export const MAX_PAIRS = 10_000;
export const OTHER = 'other';

class Entry implements CheckCounts {
  allowed = 0;
  blocked = 0;
  slowed = 0;
  logged = 0;
  micros = 0;
  tokens = 0;
  latest: RateLimitResult | undefined = undefined;
  constructor(
    readonly plan: string,
    readonly endpoint: string,
  ) {}
  get cost(): number {
    return this.micros / 1_000_000;
  }
}

function count(e: Entry, r: RateLimitResult): void {
  if (!r.allowed) e.blocked++;
  else if (r.action === 'allow') e.allowed++;
  else if (r.dryRun || r.action === 'allow-and-log') e.logged++;
  else e.slowed++;
  if (r.cost !== 0) e.micros += Math.round(r.cost * 1_000_000);
  if (r.tokens !== 0) e.tokens += r.tokens;
}

/** Takes every counted check as well (the analytics recorder's queue), at the same place and cost as a count. */
export interface CountListener {
  enqueue(r: RateLimitResult): void;
}

export class CountsTable {
  private readonly byKey = new Map<string, Entry>();
  /**
   * @param tally whether an instrumentation reads the counts (`counts: true`); without one
   *   (analytics alone) checks only go to the listener.
   * @param listener gets every counted check too (the analytics recorder).
   */
  constructor(
    readonly tally: boolean,
    readonly listener: CountListener | undefined,
  ) {}
  /** In the order first seen (what `checkCounts()` returns). */
  readonly entries: Entry[] = [];
  private other: Entry | undefined;

  /**
   * Counts a check of a resolved plan and endpoint. The resolution keeps its entry, so a
   * check costs no lookup (a resolution rebuilt after the engine's cache was cleared finds
   * the same entry again).
   */
  addTo(res: Resolution<unknown>, r: RateLimitResult): void {
    if (this.tally) {
      let e = res.counts as Entry | undefined;
      if (e === undefined) res.counts = e = this.entryOf(res.plan, res.endpoint.key);
      count(e, r);
    }
    this.listener?.enqueue(r);
  }

  /**
   * A timed check's result becomes its pair's `latest` (the usage gauges read it). Only
   * timed checks: keeping every result would cost each check a write the garbage collector
   * must track; timings come at least every 10 ms or so under load, and for every check
   * below that.
   */
  sampled(r: RateLimitResult): void {
    if (this.tally && r.limits.length > 0) this.entryOf(r.plan, r.endpoint).latest = r;
  }

  /** Counts a check by the plan and endpoint its result names (an unknown plan's, say). */
  add(r: RateLimitResult): void {
    if (this.tally) count(this.entryOf(r.plan, r.endpoint), r);
    this.listener?.enqueue(r);
  }

  entryOf(plan: string, endpoint: string): Entry {
    const key = `${plan}\u0000${endpoint}`;
    let e = this.byKey.get(key);
    if (e !== undefined) return e;
    if (this.byKey.size >= MAX_PAIRS) {
      if (this.other === undefined) this.entries.push((this.other = new Entry(OTHER, OTHER)));
      return this.other;
    }
    e = new Entry(plan, endpoint);
    this.byKey.set(key, e);
    this.entries.push(e);
    return e;
  }
}
