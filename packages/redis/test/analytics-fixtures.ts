// Test helper for the analytics tests: batches, buckets and blocks as core's recorder sends
// them, and the report core would build from the same buckets in one process.
import { buildReport, emptyBucket, LATENCY_BOUNDS_MS, mergeBucket, type AnalyticsBatch, type AnalyticsBucket, type AnalyticsReport, type BlockRecord, type InstanceInfo, type OutcomeCounts, type ReportQuery } from '@limitrate/core';

export const MINUTE = 60_000;
export const HOUR = 3_600_000;

/** Counts with `requests` of which `blocked` were refused, the rest allowed. */
export function counts(requests: number, blocked = 0, cost = 0, tokens = 0): OutcomeCounts {
  return { requests, allowed: requests - blocked, slowed: 0, blocked, logged: 0, degraded: 0, cost, tokens };
}

export interface BucketSpec {
  pairs?: Array<[plan: string, endpoint: string, counts: OutcomeCounts]>;
  users?: Array<[user: string, plan: string, endpoint: string, counts: OutcomeCounts]>;
  other?: OutcomeCounts;
  /** Latencies (ms) observed, and errors. */
  latencies?: number[];
  errors?: number;
}

/** A minute delta. */
export function minute(start: number, spec: BucketSpec): AnalyticsBucket {
  const b = emptyBucket(start, 'minute');
  b.pairs = (spec.pairs ?? []).map(([plan, endpoint, c]) => ({ plan, endpoint, ...c }));
  b.users = (spec.users ?? []).map(([user, plan, endpoint, c]) => ({ user, plan, endpoint, ...c }));
  if (spec.other) b.otherUsers = { ...spec.other };
  for (const ms of spec.latencies ?? []) {
    b.store.operations++;
    b.store.latencySumMs += ms;
    let i = 0;
    while (i < LATENCY_BOUNDS_MS.length && ms > LATENCY_BOUNDS_MS[i]!) i++;
    b.store.latency[i]!++;
  }
  b.store.errors += spec.errors ?? 0;
  b.store.operations += spec.errors ?? 0;
  return b;
}

export function instance(id: string, startedAt = Date.now() - 10_000, store = 'redis'): InstanceInfo {
  return { id, startedAt, lastSeen: Date.now(), store, pid: 4242 };
}

export function block(at: number, user: string, plan = 'free', endpoint = 'POST|/api/chat', instanceId?: string): BlockRecord {
  return {
    at,
    user,
    plan,
    endpoint,
    reason: 'rate_limited',
    limit: 'rate:1m',
    used: 10,
    capacity: 10,
    unit: 'requests',
    retryAfterSeconds: 12,
    resetInSeconds: 12,
    message: 'Rate limit exceeded (10/10 used)',
    ...(instanceId !== undefined ? { instance: instanceId } : {}),
  };
}

/** A batch; without a `sequence` it is 0 (the sink then applies it whatever came before). */
export function batch(inst: InstanceInfo, minutes: AnalyticsBucket[], blocks: BlockRecord[] = [], options: Partial<Pick<AnalyticsBatch, 'retentionMs' | 'topUsers' | 'recentBlocks' | 'sequence' | 'flushIntervalMs'>> = {}): AnalyticsBatch {
  return { instance: inst, sequence: 0, flushIntervalMs: 100, minutes, blocks, retentionMs: 48 * HOUR, topUsers: 100, recentBlocks: 100, ...options };
}

/** The hour buckets the minutes add up to (as core merges them). */
export function hoursOf(minutes: readonly AnalyticsBucket[], topUsers = 100): AnalyticsBucket[] {
  const hours = new Map<number, AnalyticsBucket>();
  for (const m of minutes) {
    const start = Math.floor(m.start / HOUR) * HOUR;
    let h = hours.get(start);
    if (h === undefined) hours.set(start, (h = emptyBucket(start, 'hour')));
    mergeBucket(h, m, topUsers);
  }
  return [...hours.values()];
}

/** The report core builds in one process from the same data. */
export function expectedReport(now: number, minutes: AnalyticsBucket[], blocks: BlockRecord[], instances: InstanceInfo[], query: ReportQuery): AnalyticsReport {
  return buildReport({ now, kind: 'redis', minutes, hours: hoursOf(minutes), blocks, instances }, query);
}

/** A report without what legitimately differs between the fleet and one process (instances' lastSeen). */
export function comparable(r: AnalyticsReport): Omit<AnalyticsReport, 'source'> {
  const { source: _source, ...rest } = r;
  return rest;
}
