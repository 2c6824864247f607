// The metrics @limitrate/datadog sends: names (before the prefix), types and tags, in one place.

/** A DogStatsD metric type as this package uses it. */
export type MetricType = 'count' | 'gauge' | 'distribution';

/** One metric the package sends: its name without the prefix, its type and the tags it carries. */
export interface MetricDefinition {
  readonly name: string;
  readonly type: MetricType;
  readonly tags: readonly string[];
  readonly description: string;
}

/**
 * Every metric `datadogMetrics()` can send, names without the prefix (default `limitrate.`).
 * `user` is added to `checks`, `cost` and `tokens` only with `tagUsers: true`.
 *
 * @example
 * ```js
 * for (const m of METRICS) console.log(`limitrate.${m.name} (${m.type})`);
 * ```
 */
export const METRICS = [
  { name: 'checks', type: 'count', tags: ['plan', 'endpoint', 'result'], description: 'Checks, by result (allowed, blocked, slowed, logged); why one was not allowed is in events (rate_exceeded, store_error, ...)' },
  { name: 'check.duration', type: 'distribution', tags: ['plan', 'endpoint'], description: 'Seconds a check took (at most timingsPerSecond checks a second are timed, sent with the sample rate timings / checks)' },
  { name: 'cost', type: 'count', tags: ['plan', 'endpoint'], description: 'Dollars charged by checks' },
  { name: 'tokens', type: 'count', tags: ['plan', 'endpoint'], description: 'Tokens charged by checks' },
  { name: 'usage', type: 'gauge', tags: ['plan', 'endpoint'], description: 'Highest usage of the tightest limit among the checks timed in the interval (every check with tagUsers)' },
  { name: 'limit', type: 'gauge', tags: ['plan', 'endpoint'], description: 'The tightest limit (capacity) of the latest of those checks' },
  { name: 'utilization', type: 'gauge', tags: ['plan', 'endpoint'], description: 'Highest usage / limit among those checks (1 = at the limit)' },
  { name: 'inflight.requests', type: 'gauge', tags: ['plan', 'endpoint'], description: 'Requests running under an in-flight (concurrency) limit, at the flush' },
  { name: 'queued.requests', type: 'gauge', tags: ['plan', 'endpoint'], description: 'Requests waiting for an in-flight slot, at the flush' },
  { name: 'store.operations', type: 'count', tags: ['store', 'operation', 'status'], description: 'Store operations (consume, peek, force, reset) of remote stores' },
  { name: 'store.duration', type: 'distribution', tags: ['store', 'operation', 'status'], description: 'Seconds a store operation took' },
  { name: 'store.circuit', type: 'gauge', tags: ['store'], description: "A ResilientStore's circuit: 0 closed, 0.5 half-open, 1 open" },
  { name: 'events', type: 'count', tags: ['event', 'plan', 'endpoint', 'limit', 'action', 'store', 'state', 'policy', 'callback'], description: 'Limiter events (rate_exceeded, cost_exceeded, token_limit_exceeded, slowdown_applied, ip_blocked, store_error, store_circuit, ...), tags depending on the event' },
] as const satisfies readonly MetricDefinition[];

/** A metric name, without the prefix. */
export type MetricName = (typeof METRICS)[number]['name'];
