// The analytics contract: what the sink aggregates (mergeable per-minute and per-hour
// buckets, recent blocks, store health), the report built from them that the inspector
// endpoint serves and the CLI shows, and the interface of a shared sink such as Redis.
import type { DecisionReason } from '../types.js';

/** Checks by outcome, with what they were charged. */
export interface OutcomeCounts {
  /** allowed + slowed + blocked + logged. */
  requests: number;
  /** Within every limit (or let through by the failure policy: see `degraded`). */
  allowed: number;
  /** Served after a delay (`actionOnExceed: 'slowdown'`). */
  slowed: number;
  /** Refused. */
  blocked: number;
  /** Over a limit but let through (`allow-and-log`, `dryRun`). */
  logged: number;
  /** Decided by the failure policy because the store or a callback failed. */
  degraded: number;
  /** Dollars charged. */
  cost: number;
  /** Tokens charged. */
  tokens: number;
}

/** One plan and endpoint's checks in a bucket (exact). */
export interface PairCounts extends OutcomeCounts {
  plan: string;
  /** Canonical `METHOD|/path`. */
  endpoint: string;
}

/** One user's checks on one plan and endpoint in a bucket (only the busiest users are kept). */
export interface UserCounts extends PairCounts {
  user: string;
}

/** Store health counters of a bucket (mergeable: sums and histogram counts). */
export interface StoreCounts {
  /** Store operations (remote stores) or timed checks (memory store) measured. */
  operations: number;
  /** Operations that failed (errors and timeouts). */
  errors: number;
  /** Sum of the measured latencies, ms. */
  latencySumMs: number;
  /**
   * Counts per latency bucket: `latency[i]` counts latencies ≤ LATENCY_BOUNDS_MS[i] (and
   * above the previous bound); the last entry counts those above every bound.
   * Length LATENCY_BOUNDS_MS.length + 1.
   */
  latency: number[];
}

/**
 * Everything counted in one minute or one hour. Buckets of the same start and resolution
 * merge by adding (users past the cap fold into `otherUsers`).
 */
export interface AnalyticsBucket {
  /** Start, ms since the epoch, a multiple of 60,000 (minute) or 3,600,000 (hour). */
  start: number;
  resolution: 'minute' | 'hour';
  pairs: PairCounts[];
  users: UserCounts[];
  /** Checks of users not in `users` (the bound folded them here). */
  otherUsers: OutcomeCounts;
  store: StoreCounts;
}

/** A refused request, for the recent blocks panel. */
export interface BlockRecord {
  /** When, ms since the epoch. */
  at: number;
  user: string;
  plan: string;
  endpoint: string;
  reason: DecisionReason;
  /** The limit that refused it: `rate:1m`, `tokens:1d`, `cost:1d`, ... ('' when none did, e.g. a store failure with `onStoreError: 'block'`). */
  limit: string;
  /** Its usage and capacity at the time (dollars for cost limits, tokens for token limits). */
  used: number;
  capacity: number;
  unit: 'requests' | 'tokens' | 'usd';
  /** Seconds until the same request fits; null when it never can (or unknown). */
  retryAfterSeconds: number | null;
  /** Seconds until the limit's window resets. */
  resetInSeconds: number;
  /** One line for people: `Rate limit exceeded (10/10 used)`, `Cost cap reached ($1.00/$1.00)`. */
  message: string;
  /** The instance that served it (fleet view). */
  instance?: string;
}

/** One app instance writing analytics (one per limiter with analytics on). */
export interface InstanceInfo {
  id: string;
  /** ms since the epoch. */
  startedAt: number;
  /** Last time it wrote (ms); the process source reports now. */
  lastSeen: number;
  /** Its store's name: `memory`, `redis`, `upstash`, ... */
  store: string;
  host?: string;
  pid?: number;
}

/** The three views: the last 5 minutes, the last hour (per minute), the last day (per hour). */
export type ReportRange = 'now' | 'hour' | 'day';

/** Narrows a report: each field a case-insensitive substring of user, plan or endpoint. */
export interface ReportFilter {
  user?: string;
  plan?: string;
  endpoint?: string;
}

/** What to report. */
export interface ReportQuery {
  /** Default `now`. */
  range?: ReportRange;
  filter?: ReportFilter;
  /** Rows in each table (default 10, at most 1,000). */
  top?: number;
  /** Recent blocks (default 20, at most the recorder's `recentBlocks`). */
  blocks?: number;
}

/** A row of a report's tables. */
export interface ReportRow extends OutcomeCounts {
  /** blocked / requests (0 when no requests). */
  blockRate: number;
}

export interface EndpointRow extends ReportRow {
  endpoint: string;
}

export interface PlanRow extends ReportRow {
  plan: string;
}

export interface UserRow extends ReportRow {
  user: string;
  /** The plan of most of its requests in the range. */
  plan: string;
}

/** One point of the report's time series. */
export interface SeriesPoint extends OutcomeCounts {
  start: number;
}

/** Store health over the report's range. */
export interface StoreHealth {
  /** `memory`, `redis`, `upstash`, ... (several joined with `, ` for a mixed fleet). */
  name: string;
  /**
   * `online`: no errors in the last minute. `degraded`: some. `offline`: every operation
   * in the last minute failed. `unknown`: nothing measured yet.
   */
  status: 'online' | 'degraded' | 'offline' | 'unknown';
  /** `store`: round trips to a remote store. `check`: whole checks (the memory store has no round trip). */
  latencyKind: 'store' | 'check';
  /** null when nothing was measured. */
  latencyAvgMs: number | null;
  /** From the histogram: the upper bound of the bucket holding the 99th percentile. */
  latencyP99Ms: number | null;
  operations: number;
  errors: number;
  /** errors / operations (0 when none). */
  errorRate: number;
  /** Seconds since the oldest live instance started. */
  uptimeSeconds: number;
}

/** What the inspector endpoint serves and the CLI shows. */
export interface AnalyticsReport {
  version: 1;
  /** ms since the epoch. */
  generatedAt: number;
  range: { name: ReportRange; from: number; to: number; resolution: 'minute' | 'hour' };
  filter: ReportFilter | null;
  source: { kind: 'process' | 'redis'; instances: InstanceInfo[] };
  store: StoreHealth;
  totals: ReportRow;
  /** Busiest first (by requests), `top` rows. */
  endpoints: EndpointRow[];
  plans: PlanRow[];
  users: UserRow[];
  /** Checks of users not listed in any bucket's `users` (folded by the bound). */
  otherUsers: OutcomeCounts;
  /** Newest first. */
  recentBlocks: BlockRecord[];
  /** One point per minute (`now`, `hour`) or per hour (`day`), oldest first, empty ones included. */
  series: SeriesPoint[];
}

/** What a shared sink receives every `flushInterval`: what changed since the last write. */
export interface AnalyticsBatch {
  instance: InstanceInfo;
  /**
   * Increases by one with each new batch of an instance. A batch whose write failed is sent
   * again as it was, same sequence, before anything newer: a sink that has applied that
   * sequence already (a write that timed out but went through) ignores it, so nothing is
   * counted twice. 0 for a batch that only says the instance is leaving.
   */
  sequence: number;
  /** How often the instance writes (ms): a sink may consider it gone after a few intervals without a write. */
  flushIntervalMs: number;
  /** Deltas, per minute (the sink adds them to its minute and hour totals). */
  minutes: AnalyticsBucket[];
  /** New blocks, oldest first. */
  blocks: BlockRecord[];
  /** How long the sink keeps what it is given, ms (48 h by default). */
  retentionMs: number;
  /** Users to keep per bucket (the recorder's `topUsers`). */
  topUsers: number;
  /** Recent blocks to keep. */
  recentBlocks: number;
}

/**
 * Where a limiter's analytics go besides its own memory, so that a dashboard sees a whole
 * fleet: `redisAnalytics()` from @limitrate/redis, or your own.
 */
export interface AnalyticsSink {
  readonly name: string;
  /**
   * Called once when the limiter is built; `store` is the limiter's store (a sink may reuse
   * its client). What it throws (a ConfigError for a store it cannot use) fails the
   * limiter's construction.
   */
  attach?(context: { store: unknown }): void;
  /**
   * Adds a batch; every flush interval, with or without news (so that the sink knows the
   * instance is alive). A failure is reported as a `callback_error` event and the same
   * batch is sent again at the next flush, before newer ones.
   */
  write(batch: AnalyticsBatch): Promise<void>;
  /** Called by `limiter.close()` after a last write. */
  close?(): Promise<void>;
}

/** `analytics: { ... }` in a limiter's configuration (`analytics: true` takes every default). */
export interface AnalyticsOptions {
  /** Users kept per minute and per hour, the busiest (default 100); the rest fold into `otherUsers`. */
  topUsers?: number;
  /** Recent blocks kept (default 100). */
  recentBlocks?: number;
  /** How long buckets are kept: `'48h'`, `'2d'`, or ms (default 48 hours; at least 1 hour). */
  retention?: string | number;
  /** A shared sink (Redis) every instance writes to. */
  sink?: AnalyticsSink;
  /** How often the sink is written (default `'5s'`; at least 100 ms). */
  flushInterval?: string | number;
  /** This instance's id in a fleet (default host, pid and a random suffix). */
  instanceId?: string;
}

/** What `buildReport` makes a report from (the process recorder and the Redis reader both call it). */
export interface ReportInput {
  /** ms since the epoch. */
  now: number;
  kind: 'process' | 'redis';
  /** Minute buckets (any order; those outside the range are ignored; same-start buckets are merged). */
  minutes: readonly AnalyticsBucket[];
  /** Hour buckets, for the `day` range. */
  hours: readonly AnalyticsBucket[];
  /** Recent blocks, any order. */
  blocks: readonly BlockRecord[];
  instances: readonly InstanceInfo[];
}
