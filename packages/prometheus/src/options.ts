// The options of prometheusMetrics(), and their validation (coded ConfigErrors, all at once).
import { ConfigError, type ConfigIssue } from '@limitrate/core';
import type { Registry } from 'prom-client';

/** Labels a check's metrics can carry. `user` is opt-in and bounded (see `maxUsers`). */
export type MetricLabel = 'plan' | 'endpoint' | 'user';

/**
 * Options of {@link prometheusMetrics}.
 *
 * @example
 * ```ts
 * const options: PrometheusMetricsOptions = { prefix: 'limitrate_', labels: ['plan', 'endpoint'] };
 * ```
 */
export interface PrometheusMetricsOptions {
  /** Prefix of every metric name (default `limitrate_`). */
  prefix?: string;
  /**
   * Labels of the per-check metrics (default `['plan', 'endpoint']`). Adding `user` gives
   * per-user series, bounded by `maxUsers`: further users are counted under `user="other"`.
   */
  labels?: readonly MetricLabel[];
  /** The prom-client registry to register in (default prom-client's global `register`). */
  registry?: Registry;
  /** Most distinct `user` label values (default 100); the rest are `other`. */
  maxUsers?: number;
  /** Most distinct endpoint label values (default 1,000); the rest are `other`. */
  maxEndpoints?: number;
  /**
   * At most this many checks a second are timed for `check_duration_seconds` (default 100),
   * each timing counted for the checks it stands for; below that rate every check is timed.
   * `Infinity` times every check (two precise clock reads each: a noticeable cost).
   */
  timingsPerSecond?: number;
  /** Buckets of `check_duration_seconds` (default 25 µs to 100 ms). */
  checkBuckets?: readonly number[];
  /** Buckets of `store_latency_seconds` (default 100 µs to 2.5 s). */
  storeBuckets?: readonly number[];
}

export const DEFAULT_CHECK_BUCKETS = [0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1];
export const DEFAULT_STORE_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const KNOWN = ['prefix', 'labels', 'registry', 'maxUsers', 'maxEndpoints', 'timingsPerSecond', 'checkBuckets', 'storeBuckets'];
const LABELS: readonly string[] = ['plan', 'endpoint', 'user'];

const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : Array.isArray(v) ? 'an array' : v === null ? 'null' : typeof v === 'object' ? 'an object' : String(v));

function issue(path: string, message: string, hint: string): ConfigIssue {
  return { path: `prometheusMetrics.${path}`, code: 'ERR_LIMITRATE_INVALID_CONFIG', message, hint };
}

function bucketIssues(path: string, v: unknown): ConfigIssue[] {
  if (v === undefined) return [];
  const ok = Array.isArray(v) && v.length > 0 && v.every((b, i) => typeof b === 'number' && Number.isFinite(b) && b > 0 && (i === 0 || b > (v[i - 1] as number)));
  return ok ? [] : [issue(path, `must be a non-empty list of increasing positive numbers (seconds), got ${show(v)}`, 'For example [0.001, 0.01, 0.1]')];
}

/** The options, checked; throws one ConfigError listing every problem. */
export function resolveOptions(options: PrometheusMetricsOptions | undefined): Required<Omit<PrometheusMetricsOptions, 'registry'>> & { registry: Registry | undefined } {
  const o = (options ?? {}) as Record<string, unknown>;
  const issues: ConfigIssue[] = [];
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new ConfigError([issue('(options)', `must be an object, got ${show(o)}`, 'Pass { prefix, labels, registry }')]);
  for (const k of Object.keys(o)) if (!KNOWN.includes(k)) issues.push({ ...issue(k, `unknown option "${k}"`, `Known options: ${KNOWN.join(', ')}`), code: 'ERR_LIMITRATE_UNKNOWN_OPTION' });
  if (o.prefix !== undefined && (typeof o.prefix !== 'string' || !/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(o.prefix))) {
    issues.push(issue('prefix', `must be a valid Prometheus metric name prefix, got ${show(o.prefix)}`, 'Letters, digits, _ and :, not starting with a digit, e.g. "limitrate_"'));
  }
  if (o.labels !== undefined) {
    if (!Array.isArray(o.labels)) issues.push(issue('labels', `must be a list, got ${show(o.labels)}`, "For example ['plan', 'endpoint']"));
    else o.labels.forEach((l, i) => {
      if (!LABELS.includes(l as string)) issues.push(issue(`labels[${i}]`, `unknown label ${show(l)}`, `Labels are ${LABELS.join(', ')}`));
    });
  }
  for (const k of ['maxUsers', 'maxEndpoints']) {
    const v = o[k];
    if (v !== undefined && !(typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 1_000_000)) issues.push(issue(k, `must be a whole number from 1 to 1,000,000, got ${show(v)}`, 'A bound on distinct label values'));
  }
  const rate = o.timingsPerSecond;
  if (rate !== undefined && !(typeof rate === 'number' && rate > 0 && (Number.isFinite(rate) || rate === Infinity))) {
    issues.push(issue('timingsPerSecond', `must be a number > 0 (or Infinity), got ${show(rate)}`, 'At most this many timed checks a second (default 100); Infinity times every check'));
  }
  if (o.registry !== undefined && (typeof o.registry !== 'object' || o.registry === null || typeof (o.registry as { registerMetric?: unknown }).registerMetric !== 'function')) {
    issues.push(issue('registry', `must be a prom-client Registry, got ${show(o.registry)}`, "new Registry() from 'prom-client', or leave it out for the global register"));
  }
  issues.push(...bucketIssues('checkBuckets', o.checkBuckets), ...bucketIssues('storeBuckets', o.storeBuckets));
  if (issues.length > 0) throw new ConfigError(issues);
  return {
    prefix: (o.prefix as string | undefined) ?? 'limitrate_',
    labels: [...new Set<MetricLabel>((o.labels as MetricLabel[] | undefined) ?? ['plan', 'endpoint'])],
    registry: o.registry as Registry | undefined,
    maxUsers: (o.maxUsers as number | undefined) ?? 100,
    maxEndpoints: (o.maxEndpoints as number | undefined) ?? 1000,
    timingsPerSecond: (o.timingsPerSecond as number | undefined) ?? 100,
    checkBuckets: (o.checkBuckets as number[] | undefined) ?? DEFAULT_CHECK_BUCKETS,
    storeBuckets: (o.storeBuckets as number[] | undefined) ?? DEFAULT_STORE_BUCKETS,
  };
}
