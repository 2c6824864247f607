// readRedisAnalytics(): a fleet's report from what redisAnalytics() wrote, read in one
// script (one round trip, one snapshot, on the server's clock) and built by core's
// buildReport, like a single process's report.
import { buildReport, LATENCY_BOUNDS_MS, RequestError, type AnalyticsBucket, type AnalyticsReport, type BlockRecord, type InstanceInfo, type ReportQuery, type ReportRange } from '@limitrate/core';
import type { Cluster, Redis } from 'ioredis';
import { HOUR_MS, MINUTE_MS } from './batch.js';
import { bucketFromHashes, decodeBlock, decodeInstance } from './codec.js';
import { analyticsKeys, checkPrefix, DEFAULT_ANALYTICS_PREFIX, type AnalyticsKeys } from './keys.js';
import { runScript, timed } from './run.js';
import { ANALYTICS_READ_SCRIPT } from './scripts.js';

/** Options of {@link readRedisAnalytics}. */
export interface ReadRedisAnalyticsOptions {
  /** The prefix the sinks write under (default `limitrate:analytics`, as in `redisAnalytics()`). */
  prefix?: string;
  /** The report's time, ms since the epoch (default: the Redis server's clock, so every reader of a fleet agrees). */
  now?: number;
  /** Longest wait for the read, ms (default 5,000). */
  commandTimeoutMs?: number;
}

/** Buckets each range reads: its resolution and number of points (as core's report). */
const RANGES: Readonly<Record<ReportRange, { resolution: 'minute' | 'hour'; points: number }>> = {
  now: { resolution: 'minute', points: 5 },
  hour: { resolution: 'minute', points: 60 },
  day: { resolution: 'hour', points: 24 },
};

/** Buckets read beyond the range on each side when the server's time is not known yet (clock skew). */
const SKEW_MINUTES = 2;
const SKEW_HOURS = 1;

interface Wanted {
  start: number;
  resolution: 'minute' | 'hour';
}

/**
 * The buckets a report over `range` at `now` needs (with `skew` extra on each side): the
 * range's buckets, and for `day` also the last two minutes (store health's status).
 */
function wanted(range: ReportRange, now: number, skew: boolean): Wanted[] {
  const spec = RANGES[range];
  const list: Wanted[] = [];
  const span = (resolution: 'minute' | 'hour', points: number, extra: number) => {
    const size = resolution === 'minute' ? MINUTE_MS : HOUR_MS;
    const last = Math.floor(now / size) * size;
    for (let t = last - (points - 1 + extra) * size; t <= last + extra * size; t += size) list.push({ start: t, resolution });
  };
  span(spec.resolution, spec.points, skew ? (spec.resolution === 'minute' ? SKEW_MINUTES : SKEW_HOURS) : 0);
  if (spec.resolution === 'hour') span('minute', 2, skew ? SKEW_MINUTES : 0);
  return list;
}

const id = (w: Wanted) => `${w.resolution}:${w.start}`;

interface Snapshot {
  now: number;
  minutes: AnalyticsBucket[];
  hours: AnalyticsBucket[];
  blocks: BlockRecord[];
  instances: InstanceInfo[];
}

function strings(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.map((v) => (Buffer.isBuffer(v) ? v.toString() : typeof v === 'string' ? v : String(v)));
}

async function snapshot(client: Redis | Cluster, keys: AnalyticsKeys, list: readonly Wanted[], now: number | undefined, timeoutMs: number): Promise<Snapshot> {
  const callKeys: string[] = [];
  for (const w of list) {
    if (w.resolution === 'minute') callKeys.push(keys.minute(w.start), keys.minuteUsers(w.start));
    else callKeys.push(keys.hour(w.start), keys.hourUsers(w.start));
  }
  callKeys.push(keys.blocks, keys.instances, keys.live);
  const reply = await timed('read', timeoutMs, () => runScript(client, ANALYTICS_READ_SCRIPT, callKeys, [now === undefined ? '' : String(Math.floor(now))]));
  if (!Array.isArray(reply) || reply.length !== list.length * 2 + 3) throw new Error('unexpected reply from the analytics read script');
  const out: Snapshot = { now: Number(strings([reply[0]])[0]), minutes: [], hours: [], blocks: [], instances: [] };
  const histogram = LATENCY_BOUNDS_MS.length + 1;
  list.forEach((w, i) => {
    const bucket = bucketFromHashes(w.start, w.resolution, strings(reply[1 + 2 * i]), strings(reply[2 + 2 * i]), histogram);
    if (bucket !== undefined) (w.resolution === 'minute' ? out.minutes : out.hours).push(bucket);
  });
  for (const text of strings(reply[1 + 2 * list.length])) {
    const block = decodeBlock(text);
    if (block !== undefined) out.blocks.push(block);
  }
  for (const text of strings(reply[2 + 2 * list.length])) {
    const instance = decodeInstance(text);
    if (instance !== undefined) out.instances.push(instance);
  }
  out.instances.sort((a, b) => a.startedAt - b.startedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return out;
}

/**
 * A fleet's analytics report from Redis, as written by every limiter whose analytics sink
 * is `redisAnalytics()`: the same report as `limiter.analytics.report()`, over every
 * instance (`source.kind` is `redis`, `source.instances` the live instances). Reads the
 * buckets the range needs, the recent blocks and the live instances in one round trip.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { readRedisAnalytics } from '@limitrate/redis';
 *
 * const redis = new Redis(process.env.REDIS_URL);
 * const report = await readRedisAnalytics(redis, { range: 'hour', filter: { plan: 'free' } });
 * console.log(report.totals.requests, report.users[0]?.user, report.source.instances.length);
 * ```
 */
export async function readRedisAnalytics(client: Redis | Cluster, query: ReportQuery = {}, options: ReadRedisAnalyticsOptions = {}): Promise<AnalyticsReport> {
  if (typeof client !== 'object' || client === null || typeof (client as { call?: unknown }).call !== 'function') {
    throw new RequestError('readRedisAnalytics needs an ioredis client', "Pass e.g. new Redis(url) from 'ioredis'");
  }
  const keys = analyticsKeys(checkPrefix(options.prefix ?? DEFAULT_ANALYTICS_PREFIX, 'readRedisAnalytics.prefix'));
  const range = query.range ?? 'now';
  if (!Object.prototype.hasOwnProperty.call(RANGES, range)) throw new RequestError(`unknown report range ${JSON.stringify(range)}`, 'Use "now", "hour" or "day"');
  const given = options.now;
  if (given !== undefined && (typeof given !== 'number' || !Number.isFinite(given) || given < 0)) {
    throw new RequestError(`readRedisAnalytics now must be ms since the epoch, got ${String(given)}`, "Leave it out for the Redis server's time");
  }
  const timeoutMs = options.commandTimeoutMs ?? 5000;
  let data: Snapshot;
  if (given !== undefined) data = await snapshot(client, keys, wanted(range, given, false), given, timeoutMs);
  else {
    // One round trip: read around this machine's clock, which the script checks against the server's.
    const guess = wanted(range, Date.now(), true);
    data = await snapshot(client, keys, guess, undefined, timeoutMs);
    const read = new Set(guess.map(id));
    const exact = wanted(range, data.now, false);
    if (!exact.every((w) => read.has(id(w)))) data = await snapshot(client, keys, exact, data.now, timeoutMs);
  }
  return buildReport({ now: data.now, kind: 'redis', minutes: data.minutes, hours: data.hours, blocks: data.blocks, instances: data.instances }, query);
}
