// Test fixtures: analytics reports built by core's own buildReport from a compact
// description of traffic, so that they follow the contract exactly.
import { buildReport, emptyBucket, observeLatency, type AnalyticsBucket, type AnalyticsReport, type BlockRecord, type InstanceInfo, type ReportQuery } from '@limitrate/core';

/** A fixed local time, 2025-01-02 14:23:45: the fixtures' "now". */
export const NOW = new Date(2025, 0, 2, 14, 23, 45).getTime();
export const MINUTE = 60_000;
export const HOUR = 3_600_000;

/** Checks of one user on one plan and endpoint, some minutes ago. */
export interface Traffic {
  user: string;
  plan: string;
  endpoint: string;
  allowed?: number;
  slowed?: number;
  blocked?: number;
  cost?: number;
  tokens?: number;
  /** Minutes before NOW (default 0). */
  minutesAgo?: number;
}

/** What a fixture report contains. */
export interface FixtureOptions {
  traffic?: readonly Traffic[];
  blocks?: ReadonlyArray<Partial<BlockRecord>>;
  /** Store latencies measured in the current minute (ms). */
  latencies?: readonly number[];
  /** Store errors in the current minute. */
  errors?: number;
  store?: string;
  instances?: number;
  query?: ReportQuery;
  now?: number;
}

function add(bucket: AnalyticsBucket, t: Traffic): void {
  const allowed = t.allowed ?? 0;
  const slowed = t.slowed ?? 0;
  const blocked = t.blocked ?? 0;
  const counts = { requests: allowed + slowed + blocked, allowed, slowed, blocked, logged: 0, degraded: 0, cost: t.cost ?? 0, tokens: t.tokens ?? 0 };
  const pair = bucket.pairs.find((p) => p.plan === t.plan && p.endpoint === t.endpoint);
  if (pair === undefined) bucket.pairs.push({ plan: t.plan, endpoint: t.endpoint, ...counts });
  else for (const k of Object.keys(counts) as Array<keyof typeof counts>) pair[k] += counts[k];
  bucket.users.push({ user: t.user, plan: t.plan, endpoint: t.endpoint, ...counts });
}

/** One minute bucket holding the traffic (every entry counted in that minute). */
export function trafficBucket(traffic: readonly Traffic[], at: number, latencies: readonly number[] = []): AnalyticsBucket {
  const b = emptyBucket(at, 'minute');
  for (const t of traffic) add(b, t);
  for (const ms of latencies) observeLatency(b.store, ms);
  return b;
}

/** A block record with defaults for what is not given. */
export function block(over: Partial<BlockRecord> = {}, now = NOW): BlockRecord {
  return {
    at: now - 5_000,
    user: 'user_xyz',
    plan: 'free',
    endpoint: 'POST|/api/chat',
    reason: 'rate_limited',
    limit: 'rate:1m',
    used: 10,
    capacity: 10,
    unit: 'requests',
    retryAfterSeconds: 42,
    resetInSeconds: 42,
    message: 'Rate limit exceeded (10/10 used)',
    ...over,
  };
}

/**
 * A report of the traffic, as the inspector would serve it at `now` for `query`.
 */
export function makeReport(o: FixtureOptions = {}): AnalyticsReport {
  const now = o.now ?? NOW;
  const minutes = new Map<number, AnalyticsBucket>();
  const hours = new Map<number, AnalyticsBucket>();
  const bucket = (map: Map<number, AnalyticsBucket>, at: number, resolution: 'minute' | 'hour') => {
    const b = emptyBucket(at, resolution);
    const existing = map.get(b.start);
    if (existing !== undefined) return existing;
    map.set(b.start, b);
    return b;
  };
  for (const t of o.traffic ?? []) {
    const at = now - (t.minutesAgo ?? 0) * MINUTE;
    add(bucket(minutes, at, 'minute'), t);
    add(bucket(hours, at, 'hour'), t);
  }
  const current = bucket(minutes, now, 'minute');
  const currentHour = bucket(hours, now, 'hour');
  for (const ms of o.latencies ?? []) {
    observeLatency(current.store, ms);
    observeLatency(currentHour.store, ms);
  }
  current.store.errors += o.errors ?? 0;
  currentHour.store.errors += o.errors ?? 0;
  if ((o.errors ?? 0) > 0) {
    current.store.operations += o.errors ?? 0;
    currentHour.store.operations += o.errors ?? 0;
  }
  const instances: InstanceInfo[] = Array.from({ length: o.instances ?? 1 }, (_, i) => ({
    id: `host-${i}`,
    startedAt: now - (2 * 86_400 + 5 * 3_600) * 1000,
    lastSeen: now,
    store: o.store ?? 'memory',
  }));
  return buildReport(
    { now, kind: 'process', minutes: [...minutes.values()], hours: [...hours.values()], blocks: (o.blocks ?? []).map((b) => block(b, now)), instances },
    o.query ?? {},
  );
}

/** Traffic of a small app: two plans, three endpoints, four users. */
export const TRAFFIC: readonly Traffic[] = [
  { user: 'alice', plan: 'free', endpoint: 'POST|/api/chat', allowed: 90, blocked: 10, cost: 0.3 },
  { user: 'bob', plan: 'free', endpoint: 'GET|/api/items', allowed: 40, slowed: 5, cost: 0.05 },
  { user: 'carol', plan: 'pro', endpoint: 'POST|/api/chat', allowed: 200, cost: 0.1, minutesAgo: 2 },
  { user: 'dave', plan: 'pro', endpoint: 'GET|/api/search', allowed: 30, blocked: 1, minutesAgo: 30 },
];

/** A report of TRAFFIC with two recent blocks and some latencies. */
export function sampleReport(query: ReportQuery = {}, now = NOW): AnalyticsReport {
  return makeReport({
    traffic: TRAFFIC,
    blocks: [{ user: 'alice', at: now - 3_000 }, { user: 'alice', at: now - 8_000, retryAfterSeconds: null, message: 'Cost cap reached ($1.00/$1.00)', reason: 'cost_exceeded', limit: 'cost:1d', unit: 'usd' }],
    latencies: [0.02, 0.02, 0.04],
    query,
    now,
  });
}
