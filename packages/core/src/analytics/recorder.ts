// The analytics sink of a limiter (`analytics: true`): each check's result is queued where
// the limiter counts checks, in a fixed ring (a few fields copied into preallocated arrays,
// nothing else on the check's path), and folded into per-minute and per-hour buckets,
// recent blocks and store health in batches, on a timer or when the ring is full.
// Optionally writes deltas to a shared sink (Redis) for a fleet.
import type { Clock } from '../clock.js';
import { ConfigError, type ConfigIssue } from '../errors/index.js';
import type { EventBus } from '../events/bus.js';
import { formatNumber, formatUsd } from '../http/messages.js';
import type { UsageRecordedEvent } from '../events/types.js';
import { CallbackError } from '../errors/index.js';
import type { CountListener } from '../instrument/counts.js';
import type { CheckRecord, Instrumentation, InstrumentedLimiter, StoreOperationRecord } from '../instrument/types.js';
import type { RateLimitResult } from '../types.js';
import { parseDuration } from '../util/duration.js';
import { HOUR_MS, LiveBucket, MINUTE_MS, observeLatency } from './buckets.js';
import { buildReport } from './report.js';
import type { AnalyticsBatch, AnalyticsBucket, AnalyticsOptions, AnalyticsReport, AnalyticsSink, BlockRecord, InstanceInfo, ReportQuery } from './types.js';

const RING = 4096;
/** How often queued checks are folded in (ms). */
const DRAIN_MS = 1000;
/** Minutes kept in process: the hour view, and one more. */
const MINUTES_KEPT = 61;
/** Unsent minutes kept while the sink fails (older ones are dropped, with an event). */
const MAX_PENDING_MINUTES = 60;

/** Options with their defaults applied. */
interface Resolved {
  topUsers: number;
  recentBlocks: number;
  retentionMs: number;
  flushMs: number;
  sink: AnalyticsSink | undefined;
  instanceId: string;
}

function randomId(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  return c?.randomUUID?.().slice(0, 8) ?? Math.random().toString(36).slice(2, 10);
}

/** Validates `analytics` (true, false, or options); returns undefined when off. */
export function resolveAnalytics(value: unknown): Resolved | undefined {
  if (value === undefined || value === false) return undefined;
  const issues: ConfigIssue[] = [];
  const bad = (path: string, message: string, hint: string) => issues.push({ path: `analytics${path}`, code: 'ERR_LIMITRATE_INVALID_CONFIG', message, hint });
  const o: AnalyticsOptions = value === true ? {} : (value as AnalyticsOptions);
  if (value !== true && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    bad('', `must be true or an options object, got ${value === null ? 'null' : typeof value}`, 'Use analytics: true, or { topUsers, recentBlocks, retention, sink, flushInterval }');
    throw new ConfigError(issues);
  }
  const known = new Set(['topUsers', 'recentBlocks', 'retention', 'sink', 'flushInterval', 'instanceId']);
  for (const k of Object.keys(o)) if (!known.has(k)) issues.push({ path: `analytics.${k}`, code: 'ERR_LIMITRATE_UNKNOWN_OPTION', message: 'is not an analytics option', hint: `Use one of ${[...known].join(', ')}` });
  const whole = (k: 'topUsers' | 'recentBlocks', fallback: number, max: number): number => {
    const v = o[k];
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) bad(`.${k}`, `must be a whole number from 1 to ${formatNumber(max)}, got ${String(v)}`, `Leave it out for ${fallback}`);
    return typeof v === 'number' ? v : fallback;
  };
  const topUsers = whole('topUsers', 100, 10_000);
  const recentBlocks = whole('recentBlocks', 100, 10_000);
  const duration = (k: 'retention' | 'flushInterval', fallback: number, min: number, hint: string): number => {
    const v = o[k];
    if (v === undefined) return fallback;
    try {
      const ms = parseDuration(v, `analytics.${k}`);
      if (ms < min) bad(`.${k}`, `must be at least ${min >= HOUR_MS ? '1 hour' : `${min} ms`}, got ${String(v)}`, hint);
      return ms;
    } catch (e) {
      bad(`.${k}`, e instanceof Error ? e.message : String(e), hint);
      return fallback;
    }
  };
  const retentionMs = duration('retention', 48 * HOUR_MS, HOUR_MS, "Use for example '48h' or '7d'");
  const flushMs = duration('flushInterval', 5000, 100, "Use for example '5s'");
  const sink = o.sink;
  if (sink !== undefined && (typeof sink !== 'object' || sink === null || typeof sink.write !== 'function' || typeof sink.name !== 'string')) {
    bad('.sink', 'must be an analytics sink (an object with name and write(batch))', 'Use redisAnalytics() from @limitrate/redis');
  }
  if (o.instanceId !== undefined && (typeof o.instanceId !== 'string' || o.instanceId === '' || o.instanceId.length > 200)) {
    bad('.instanceId', 'must be a non-empty string of at most 200 characters', 'Leave it out for a generated one');
  }
  if (issues.length > 0) throw new ConfigError(issues);
  const pid = (globalThis as { process?: { pid?: number } }).process?.pid;
  return { topUsers, recentBlocks, retentionMs, flushMs, sink, instanceId: o.instanceId ?? `${pid ?? 'edge'}-${randomId()}` };
}

/** One line for people about a refused request. */
export function blockMessage(r: RateLimitResult): string {
  const b = r.blockedBy;
  if (b === undefined) {
    if (r.reason === 'store_error') return 'Store unavailable (onStoreError: block)';
    if (r.reason === 'callback_error') return 'A callback failed (failure policy: block)';
    if (r.reason === 'unknown_plan') return `Unknown plan "${r.plan.slice(0, 60)}"`;
    return 'Refused';
  }
  const used = Math.min(b.used, b.limit);
  if (b.kind === 'cost') return `Cost cap reached (${formatUsd(used)}/${formatUsd(b.limit)})`;
  if (b.kind === 'tokens') return `Token limit exceeded (${formatNumber(used)}/${formatNumber(b.limit)} tokens)`;
  return `Rate limit exceeded (${formatNumber(used)}/${formatNumber(b.limit)} used)`;
}

function blockOf(r: RateLimitResult, instance: string): BlockRecord {
  const b = r.blockedBy;
  return {
    at: r.timestamp,
    user: r.user,
    plan: r.plan,
    endpoint: r.endpoint,
    reason: r.reason ?? 'rate_limited',
    limit: b?.id ?? '',
    used: b?.used ?? 0,
    capacity: b?.limit ?? 0,
    unit: b?.unit ?? 'requests',
    retryAfterSeconds: r.retryAfter ?? null,
    resetInSeconds: b?.resetInSeconds ?? r.resetInSeconds,
    message: blockMessage(r),
    instance,
  };
}

/**
 * A limiter's analytics: `limiter.analytics` when the limiter has `analytics` on. Read it
 * with {@link AnalyticsRecorder.report}; the inspector endpoint of each adapter serves it.
 *
 * @example
 * ```ts
 * const limiter = new RateLimiter({ policies, analytics: true });
 * const report = limiter.analytics!.report({ range: 'hour' });
 * ```
 */
export class AnalyticsRecorder implements Instrumentation, CountListener {
  readonly name = 'analytics';
  /**
   * The memory store's latency comes from timed checks: 10 a second (600 a minute) give its
   * average and p99; more would only cost more (metrics packages may ask for more).
   */
  readonly timingsPerSecond = 10;
  readonly instance: InstanceInfo;
  // The queued checks, as a few fields each (keeping whole results would keep them alive
  // past the young generation, which costs the garbage collector more than the rest). What
  // each was charged is read at the check: record() updates results in place later, and
  // reports the difference as an event.
  private readonly ringUser: string[] = new Array<string>(RING).fill('');
  private readonly ringPlan: string[] = new Array<string>(RING).fill('');
  private readonly ringEndpoint: string[] = new Array<string>(RING).fill('');
  /** What each check did: a CheckCode (0 allowed, 1 blocked, 2 slowed, 3 logged, plus 4 when the failure policy decided). */
  private readonly ringCode = new Uint8Array(RING);
  private readonly ringAt = new Float64Array(RING);
  private readonly ringCost = new Float64Array(RING);
  private readonly ringTokens = new Float64Array(RING);
  /** Refused checks' results (for recent blocks), in the order queued. */
  private refused: RateLimitResult[] = [];
  private queued = 0;
  private readonly minutes = new Map<number, LiveBucket>();
  private readonly hours = new Map<number, LiveBucket>();
  private readonly blocks: BlockRecord[] = [];
  /** For the sink: deltas and blocks not written yet. */
  private readonly pending = new Map<number, LiveBucket>();
  private pendingBlocks: BlockRecord[] = [];
  /** A batch whose write failed: sent again, as it is, before the next. */
  private retry: AnalyticsBatch | undefined;
  private sequence = 0;
  private writing: Promise<void> | undefined;
  private drainTimer: ReturnType<typeof setInterval> | undefined;
  private flushTimer: ReturnType<typeof setInterval> | undefined;
  private events: EventBus | undefined;
  /** The memory store has no round trip: its latency is the checks' (timed ones). */
  private checkLatency = true;
  private closed = false;
  private disposeUsage: (() => void) | undefined;

  constructor(
    private readonly options: Resolved,
    private readonly clock: Clock,
  ) {
    const now = clock.now();
    const pid = (globalThis as { process?: { pid?: number } }).process?.pid;
    this.instance = { id: options.instanceId, startedAt: now, lastSeen: now, store: 'unknown', ...(pid !== undefined ? { pid } : {}) };
  }

  /** The shared sink, if any. */
  get sink(): AnalyticsSink | undefined {
    return this.options.sink;
  }

  /** Hands the limiter's store to the sink (the limiter calls it while it is built: a ConfigError fails the construction). */
  attachSink(store: unknown): void {
    this.options.sink?.attach?.({ store });
  }

  attach(limiter: InstrumentedLimiter): () => Promise<void> {
    this.events = limiter.events;
    this.instance.store = limiter.store.name;
    this.checkLatency = limiter.store.name === 'memory';
    const off = limiter.events.on('usage_recorded', (e) => this.usage(e));
    this.disposeUsage = () => off.dispose();
    this.drainTimer = setInterval(() => this.drain(), DRAIN_MS);
    unref(this.drainTimer);
    if (this.options.sink !== undefined) {
      this.flushTimer = setInterval(() => void this.flush(), this.options.flushMs);
      unref(this.flushTimer);
    }
    return () => this.close();
  }

  /**
   * Every check, queued to be folded in later. The limiter hands checks over where it
   * counts them (the recorder is its counts' listener), the cheapest place: no hook per check.
   */
  enqueue(r: RateLimitResult): void {
    if (this.queued === RING) this.drain();
    const i = this.queued++;
    this.ringUser[i] = r.user;
    this.ringPlan[i] = r.plan;
    this.ringEndpoint[i] = r.endpoint;
    this.ringCode[i] = (!r.allowed ? 1 : r.action === 'allow' ? 0 : r.dryRun || r.action === 'allow-and-log' ? 3 : 2) | (r.degraded ? 4 : 0);
    this.ringAt[i] = r.timestamp;
    this.ringCost[i] = r.cost;
    this.ringTokens[i] = r.tokens;
    if (!r.allowed) this.refused.push(r);
  }

  /** Timed checks: the memory store's latency. */
  onTimedCheck(record: CheckRecord): void {
    if (!this.checkLatency || record.durationSeconds === undefined) return;
    const at = record.result.timestamp;
    const ms = record.durationSeconds * 1000;
    for (const b of this.bucketsAt(at)) observeLatency(b.store, ms, record.timingWeight);
  }

  /** Remote stores' round trips and failures. */
  onStoreOperation(record: StoreOperationRecord): void {
    if (record.operation !== 'consume' && record.operation !== 'peek') return;
    const at = record.startTime;
    const apply = (b: LiveBucket) => {
      if (record.status === 'error') {
        b.store.errors++;
        b.store.operations++;
      } else observeLatency(b.store, record.durationSeconds * 1000);
    };
    for (const b of this.bucketsAt(at)) apply(b);
  }

  /** The minute and (with a sink) the unsent minute of a time (hours are made of minutes: see roll()). */
  private bucketsAt(at: number): LiveBucket[] {
    const list = [this.minute(at)];
    if (this.options.sink !== undefined) list.push(this.pendingMinute(at));
    return list;
  }

  private minute(at: number): LiveBucket {
    const start = Math.floor(at / MINUTE_MS) * MINUTE_MS;
    let b = this.minutes.get(start);
    if (b === undefined) {
      b = new LiveBucket(start, 'minute', this.options.topUsers);
      this.minutes.set(start, b);
    }
    return b;
  }

  private pendingMinute(at: number): LiveBucket {
    const start = Math.floor(at / MINUTE_MS) * MINUTE_MS;
    let b = this.pending.get(start);
    if (b === undefined) {
      b = new LiveBucket(start, 'minute', this.options.topUsers);
      this.pending.set(start, b);
      if (this.pending.size > MAX_PENDING_MINUTES) {
        const oldest = Math.min(...this.pending.keys());
        this.pending.delete(oldest);
        this.failed('sink', new Error(`the analytics sink "${this.options.sink?.name}" is behind by more than ${MAX_PENDING_MINUTES} minutes: the minute starting ${new Date(oldest).toISOString()} was dropped`));
      }
    }
    return b;
  }

  /** Folds the queued checks into the buckets, rolls finished minutes into hours, drops what is past retention. */
  drain(): void {
    const n = this.queued;
    this.queued = 0;
    const shared = this.options.sink !== undefined;
    const max = this.options.recentBlocks;
    let minute: LiveBucket | undefined;
    let pending: LiveBucket | undefined;
    let from = Number.POSITIVE_INFINITY;
    let until = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      const at = this.ringAt[i]!;
      if (at < from || at >= until) {
        // Another minute: look its buckets up (checks come in order, so rarely).
        from = Math.floor(at / MINUTE_MS) * MINUTE_MS;
        until = from + MINUTE_MS;
        minute = this.minute(at);
        pending = shared ? this.pendingMinute(at) : undefined;
      }
      const user = this.ringUser[i]!;
      const plan = this.ringPlan[i]!;
      const endpoint = this.ringEndpoint[i]!;
      const code = this.ringCode[i]!;
      const cost = this.ringCost[i]!;
      const tokens = this.ringTokens[i]!;
      minute!.count(user, plan, endpoint, code, cost, tokens);
      pending?.count(user, plan, endpoint, code, cost, tokens);
    }
    if (this.refused.length > 0) {
      for (const r of this.refused) {
        const block = blockOf(r, this.instance.id);
        this.blocks.push(block);
        if (shared) this.pendingBlocks.push(block);
      }
      this.refused = [];
    }
    if (this.blocks.length > max) this.blocks.splice(0, this.blocks.length - max);
    if (this.pendingBlocks.length > max) this.pendingBlocks.splice(0, this.pendingBlocks.length - max);
    this.roll(this.clock.now());
  }

  /**
   * Adds the minutes leaving the hour view to their hours (nothing arrives for a minute that
   * old: checks are folded in within a second), and forgets hours past the retention.
   */
  private roll(now: number): void {
    const oldestMinute = Math.floor(now / MINUTE_MS) * MINUTE_MS - (MINUTES_KEPT - 1) * MINUTE_MS;
    for (const [start, b] of this.minutes) {
      if (start >= oldestMinute) continue;
      this.hour(start).add(b.toBucket());
      this.minutes.delete(start);
    }
    const oldestHour = Math.floor((now - this.options.retentionMs) / HOUR_MS) * HOUR_MS;
    for (const start of this.hours.keys()) if (start < oldestHour) this.hours.delete(start);
  }

  private hour(at: number): LiveBucket {
    const start = Math.floor(at / HOUR_MS) * HOUR_MS;
    let b = this.hours.get(start);
    if (b === undefined) {
      b = new LiveBucket(start, 'hour', this.options.topUsers);
      this.hours.set(start, b);
    }
    return b;
  }

  /** Usage reconciled after a response (`record()`): its cost and tokens go to the minute of the reconciliation. */
  private usage(e: UsageRecordedEvent): void {
    if (this.closed) return;
    this.drain();
    for (const b of this.bucketsAt(e.timestamp)) b.usage(e.user, e.plan, e.endpoint, e.cost, e.tokens);
  }

  /** The buckets as they stand. */
  buckets(): { minutes: AnalyticsBucket[]; hours: AnalyticsBucket[] } {
    this.drain();
    const minutes = [...this.minutes.values()].map((b) => b.toBucket());
    // Hours: those rolled up so far, plus the minutes still kept as minutes.
    const hours = new Map<number, LiveBucket>();
    const hourOf = (start: number) => {
      let h = hours.get(start);
      if (h === undefined) hours.set(start, (h = new LiveBucket(start, 'hour', this.options.topUsers)));
      return h;
    };
    for (const [start, b] of this.hours) hourOf(start).add(b.toBucket());
    for (const m of minutes) hourOf(Math.floor(m.start / HOUR_MS) * HOUR_MS).add(m);
    return { minutes, hours: [...hours.values()].map((b) => b.toBucket()) };
  }

  /**
   * This process's report: totals, top endpoints, plans and users, recent blocks and store
   * health over a range (`now`, `hour`, `day`), narrowed by a filter.
   */
  report(query?: ReportQuery): AnalyticsReport {
    const { minutes, hours } = this.buckets();
    const now = this.clock.now();
    return buildReport({ now, kind: 'process', minutes, hours, blocks: this.blocks, instances: [{ ...this.instance, lastSeen: now }] }, query);
  }

  /** A sink failure, as a `callback_error` event (checks are never affected). */
  private failed(what: string, error: unknown): void {
    const err = new CallbackError(`analytics.${what}`, `failed: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
      hint: 'Checks go on unaffected; the batch is written again at the next flush, and newer counts wait (up to an hour of them)',
    });
    this.events?.emit({ type: 'callback_error', timestamp: this.clock.now(), user: '', plan: '', endpoint: '', callback: `analytics.${what}`, error: err, fallback: 'kept the batch for the next write' });
  }

  /** What changed since the last batch, as the next batch (the pending deltas start again from zero). */
  private nextBatch(): AnalyticsBatch {
    const minutes = [...this.pending.values()];
    const blocks = this.pendingBlocks;
    this.pending.clear();
    this.pendingBlocks = [];
    this.instance.lastSeen = this.clock.now();
    return {
      instance: { ...this.instance },
      sequence: ++this.sequence,
      flushIntervalMs: this.options.flushMs,
      minutes: minutes.filter((b) => !b.empty).map((b) => b.toBucket()),
      blocks,
      retentionMs: this.options.retentionMs,
      topUsers: this.options.topUsers,
      recentBlocks: this.options.recentBlocks,
    };
  }

  /**
   * Writes to the sink: a batch that failed before (as it was), then what changed since the
   * last batch. One write at a time; a failure keeps its batch for the next flush.
   */
  async flush(): Promise<void> {
    const sink = this.options.sink;
    if (sink === undefined) return;
    if (this.writing !== undefined) return this.writing;
    this.drain();
    this.writing = (async () => {
      let batch = this.retry;
      try {
        if (batch !== undefined) {
          await sink.write(batch);
          this.retry = undefined;
        }
        batch = this.nextBatch();
        await sink.write(batch);
      } catch (error) {
        this.retry = batch;
        this.failed(`${sink.name}.write`, error);
      } finally {
        this.writing = undefined;
      }
    })();
    return this.writing;
  }

  /** Stops the timers, writes what is left, closes the sink. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.drainTimer !== undefined) clearInterval(this.drainTimer);
    if (this.flushTimer !== undefined) clearInterval(this.flushTimer);
    this.disposeUsage?.();
    this.drain();
    const sink = this.options.sink;
    if (sink === undefined) return;
    if (this.writing !== undefined) await this.writing;
    await this.flush();
    try {
      await sink.close?.();
    } catch (error) {
      this.failed(`${sink.name}.close`, error);
    }
  }
}

function unref(t: unknown): void {
  (t as { unref?: () => void }).unref?.();
}
