// Builds the report the inspector serves and the CLI shows from buckets, blocks and
// instances: the range's totals, top endpoints, plans and users, recent blocks, store health
// and a time series, narrowed by a filter. Pure: the process recorder and the Redis reader
// both call it.
import { RequestError } from '../errors/index.js';
import { addCounts, addStoreCounts, emptyCounts, emptyStoreCounts, HOUR_MS, LATENCY_BOUNDS_MS, MINUTE_MS, subtractCounts } from './buckets.js';
import type {
  AnalyticsBucket,
  AnalyticsReport,
  BlockRecord,
  EndpointRow,
  OutcomeCounts,
  PlanRow,
  ReportFilter,
  ReportInput,
  ReportQuery,
  ReportRange,
  ReportRow,
  SeriesPoint,
  StoreCounts,
  StoreHealth,
  UserRow,
} from './types.js';

/** The ranges, with their resolution and number of points. */
export const REPORT_RANGES: Readonly<Record<ReportRange, { resolution: 'minute' | 'hour'; points: number; label: string }>> = {
  now: { resolution: 'minute', points: 5, label: 'last 5 minutes' },
  hour: { resolution: 'minute', points: 60, label: 'last hour' },
  day: { resolution: 'hour', points: 24, label: 'last 24 hours' },
};

const MAX_TOP = 1000;
const DEFAULT_TOP = 10;
const DEFAULT_BLOCKS = 20;
const MAX_FILTER = 200;

/** A filter with its fields lower-cased, or undefined when it filters nothing. */
function normalizeFilter(f: ReportFilter | undefined): ReportFilter | undefined {
  if (f === undefined || f === null) return undefined;
  const out: ReportFilter = {};
  for (const k of ['user', 'plan', 'endpoint'] as const) {
    const v = f[k];
    if (typeof v === 'string' && v.trim() !== '') out[k] = v.trim().toLowerCase();
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

const has = (value: string, part: string | undefined): boolean => part === undefined || value.toLowerCase().includes(part);

function row<T extends object>(extra: T, c: OutcomeCounts): T & ReportRow {
  return { ...extra, ...c, blockRate: c.requests > 0 ? c.blocked / c.requests : 0 };
}

const busiest = (a: OutcomeCounts, b: OutcomeCounts) => b.requests - a.requests || b.blocked - a.blocked;

/** The counts of one bucket that pass the filter, with its rows. */
interface Sliced {
  totals: OutcomeCounts;
  endpoints: Map<string, OutcomeCounts>;
  plans: Map<string, OutcomeCounts>;
  /** user → plan → counts. */
  users: Map<string, Map<string, OutcomeCounts>>;
  otherUsers: OutcomeCounts;
}

function slice(buckets: readonly AnalyticsBucket[], f: ReportFilter | undefined): Sliced {
  const out: Sliced = { totals: emptyCounts(), endpoints: new Map(), plans: new Map(), users: new Map(), otherUsers: emptyCounts() };
  const add = (map: Map<string, OutcomeCounts>, key: string, c: OutcomeCounts) => {
    let e = map.get(key);
    if (e === undefined) map.set(key, (e = emptyCounts()));
    addCounts(e, c);
  };
  const listed = emptyCounts();
  for (const b of buckets) {
    for (const u of b.users) {
      if (!has(u.user, f?.user) || !has(u.plan, f?.plan) || !has(u.endpoint, f?.endpoint)) continue;
      let plans = out.users.get(u.user);
      if (plans === undefined) out.users.set(u.user, (plans = new Map()));
      add(plans, u.plan, u);
      addCounts(listed, u);
      if (f?.user !== undefined) {
        // Narrowed to users: the tables come from the users' own counts.
        addCounts(out.totals, u);
        add(out.endpoints, u.endpoint, u);
        add(out.plans, u.plan, u);
      }
    }
    if (f?.user !== undefined) continue;
    for (const p of b.pairs) {
      if (!has(p.plan, f?.plan) || !has(p.endpoint, f?.endpoint)) continue;
      addCounts(out.totals, p);
      add(out.endpoints, p.endpoint, p);
      add(out.plans, p.plan, p);
    }
  }
  if (f?.user === undefined) {
    // What the listed users do not account for: the folded users of the matching pairs.
    const rest = { ...out.totals };
    subtractCounts(rest, listed);
    out.otherUsers = rest;
  }
  return out;
}

/** Store health over the range, with the status of the latest minute. */
function health(input: ReportInput, range: readonly AnalyticsBucket[], to: number): StoreHealth {
  const sum = emptyStoreCounts();
  for (const b of range) addStoreCounts(sum, b.store);
  // Status: the latest minute with anything measured, if it is the current or the previous one.
  const recent = emptyStoreCounts();
  const current = Math.floor(to / MINUTE_MS) * MINUTE_MS;
  for (const b of input.minutes) if (b.start >= current - MINUTE_MS && b.start <= current) addStoreCounts(recent, b.store);
  const stores = [...new Set(input.instances.map((i) => i.store))].sort();
  const oldest = input.instances.reduce((m, i) => Math.min(m, i.startedAt), Number.POSITIVE_INFINITY);
  return {
    name: stores.length === 0 ? 'unknown' : stores.join(', '),
    status: status(recent),
    latencyKind: stores.length > 0 && stores.every((s) => s === 'memory') ? 'check' : 'store',
    latencyAvgMs: sum.operations > 0 ? sum.latencySumMs / sum.operations : null,
    latencyP99Ms: percentile(sum, 0.99),
    operations: sum.operations,
    errors: sum.errors,
    errorRate: sum.operations > 0 ? sum.errors / sum.operations : 0,
    uptimeSeconds: Number.isFinite(oldest) ? Math.max(0, Math.floor((input.now - oldest) / 1000)) : 0,
  };
}

function status(s: StoreCounts): StoreHealth['status'] {
  if (s.operations === 0 && s.errors === 0) return 'unknown';
  if (s.errors === 0) return 'online';
  return s.errors >= s.operations ? 'offline' : 'degraded';
}

/** The upper bound of the histogram bucket holding quantile `q` (null when empty). */
function percentile(s: StoreCounts, q: number): number | null {
  const total = s.latency.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = Math.ceil(total * q);
  let seen = 0;
  for (let i = 0; i < s.latency.length; i++) {
    seen += s.latency[i]!;
    if (seen >= rank) return LATENCY_BOUNDS_MS[Math.min(i, LATENCY_BOUNDS_MS.length - 1)]!;
  }
  return LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1]!;
}

function clampInt(v: number | undefined, fallback: number, max: number): number {
  if (v === undefined || !Number.isFinite(v)) return fallback;
  return Math.min(max, Math.max(0, Math.floor(v)));
}

/**
 * A report over a range (`now`: the last 5 minutes, `hour`: 60 minutes, `day`: 24 hours),
 * narrowed by a filter (case-insensitive substrings of user, plan and endpoint).
 *
 * @example
 * ```ts
 * const report = buildReport({ now: Date.now(), kind: 'process', minutes, hours, blocks, instances }, { range: 'hour', filter: { plan: 'free' } });
 * console.log(report.totals.blocked, report.endpoints[0]?.endpoint);
 * ```
 */
export function buildReport(input: ReportInput, query: ReportQuery = {}): AnalyticsReport {
  const name: ReportRange = query.range ?? 'now';
  const spec = REPORT_RANGES[name];
  if (spec === undefined) throw new RequestError(`unknown report range ${JSON.stringify(name)}`, 'Use "now", "hour" or "day"');
  const size = spec.resolution === 'minute' ? MINUTE_MS : HOUR_MS;
  const last = Math.floor(input.now / size) * size;
  const from = last - (spec.points - 1) * size;
  const filter = normalizeFilter(query.filter);
  const top = clampInt(query.top, DEFAULT_TOP, MAX_TOP);
  const blocksWanted = clampInt(query.blocks, DEFAULT_BLOCKS, MAX_TOP);

  const source = spec.resolution === 'minute' ? input.minutes : input.hours;
  const byStart = new Map<number, AnalyticsBucket[]>();
  for (const b of source) {
    if (b.start < from || b.start > last) continue;
    let list = byStart.get(b.start);
    if (list === undefined) byStart.set(b.start, (list = []));
    list.push(b);
  }
  const inRange = [...byStart.values()].flat();
  const all = slice(inRange, filter);

  const series: SeriesPoint[] = [];
  for (let t = from; t <= last; t += size) {
    const point = byStart.get(t);
    series.push({ start: t, ...(point === undefined ? emptyCounts() : slice(point, filter).totals) });
  }

  const endpoints: EndpointRow[] = [...all.endpoints].map(([endpoint, c]) => row({ endpoint }, c)).sort(busiest).slice(0, top);
  const plans: PlanRow[] = [...all.plans].map(([plan, c]) => row({ plan }, c)).sort(busiest).slice(0, top);
  const users: UserRow[] = [...all.users]
    .map(([user, byPlan]) => {
      const c = emptyCounts();
      let plan = '';
      let most = -1;
      for (const [p, pc] of byPlan) {
        addCounts(c, pc);
        if (pc.requests > most) [plan, most] = [p, pc.requests];
      }
      return row({ user, plan }, c);
    })
    .sort(busiest)
    .slice(0, top);

  const blocks: BlockRecord[] = input.blocks
    .filter((b) => b.at >= from && has(b.user, filter?.user) && has(b.plan, filter?.plan) && has(b.endpoint, filter?.endpoint))
    .slice()
    .sort((a, b) => b.at - a.at)
    .slice(0, blocksWanted);

  return {
    version: 1,
    generatedAt: input.now,
    range: { name, from, to: input.now, resolution: spec.resolution },
    filter: filter ?? null,
    source: { kind: input.kind, instances: [...input.instances] },
    store: health(input, inRange, input.now),
    totals: row({}, all.totals),
    endpoints,
    plans,
    users,
    otherUsers: all.otherUsers,
    recentBlocks: blocks,
    series,
  };
}

/**
 * Reads a report query from URL search parameters (`range`, `top`, `blocks`, `user`,
 * `plan`, `endpoint`), as the inspector endpoint receives it. Throws a RequestError
 * (`ERR_LIMITRATE_INVALID_REQUEST`) for a bad value.
 *
 * @example
 * ```ts
 * parseReportQuery(new URLSearchParams('range=hour&plan=free&top=5'));
 * ```
 */
export function parseReportQuery(params: { get(name: string): string | null }): ReportQuery {
  const q: ReportQuery = {};
  const range = params.get('range');
  if (range !== null && range !== '') {
    if (range !== 'now' && range !== 'hour' && range !== 'day') throw new RequestError(`range ${JSON.stringify(range.slice(0, 40))} is not a report range`, 'Use range=now, range=hour or range=day');
    q.range = range;
  }
  for (const k of ['top', 'blocks'] as const) {
    const v = params.get(k);
    if (v === null || v === '') continue;
    const n = Number(v);
    if (!/^\d+$/.test(v) || n > MAX_TOP) throw new RequestError(`${k}=${JSON.stringify(v.slice(0, 40))} is not a whole number from 0 to ${MAX_TOP}`, `Use for example ${k}=10`);
    q[k] = n;
  }
  const filter: ReportFilter = {};
  for (const k of ['user', 'plan', 'endpoint'] as const) {
    const v = params.get(k);
    if (v === null || v === '') continue;
    if (v.length > MAX_FILTER) throw new RequestError(`${k} filter is longer than ${MAX_FILTER} characters`, 'Filter on a shorter part of the name');
    filter[k] = v;
  }
  if (Object.keys(filter).length > 0) q.filter = filter;
  return q;
}

/**
 * The URL query string of a report query, without `?` (what the CLI sends the inspector).
 *
 * @example
 * ```ts
 * `${url}?${reportQueryString({ range: 'hour', filter: { plan: 'free' } })}`; // range=hour&plan=free
 * ```
 */
export function reportQueryString(query: ReportQuery): string {
  const parts: string[] = [];
  const add = (k: string, v: string | number | undefined) => {
    if (v !== undefined && v !== '') parts.push(`${k}=${encodeURIComponent(String(v))}`);
  };
  add('range', query.range);
  add('top', query.top);
  add('blocks', query.blocks);
  for (const k of ['user', 'plan', 'endpoint'] as const) add(k, query.filter?.[k]);
  return parts.join('&');
}
