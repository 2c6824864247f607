// @limitrate/prometheus: `metrics: prometheusMetrics({ prefix, labels, registry })` for any
// LimitRate limiter or adapter, and `prometheusMetrics.handler()` for the /metrics route.
import { ConfigError, type CheckRecord, type Instrumentation, type InstrumentedLimiter, type LimitRateEvent } from '@limitrate/core';
import * as client from 'prom-client';
import { Aggregate } from './aggregate.js';
import { metricsHandler } from './handler.js';
import { metricNames, registerMetrics } from './metrics.js';
import { resolveOptions, type MetricLabel, type PrometheusMetricsOptions } from './options.js';

export { metricNames } from './metrics.js';
export type { MetricLabel, PrometheusMetricsOptions } from './options.js';

/** Event types counted in `events_total` (every type but `allowed`, which would cost every check an event). */
const COUNTED_EVENTS = ['rate_exceeded', 'cost_exceeded', 'token_limit_exceeded', 'slowdown_applied', 'ip_blocked', 'store_error', 'store_circuit', 'store_fallback', 'callback_error', 'usage_recorded', 'unknown_plan', 'webhook_failed', 'webhook_dropped'] as const;

/** What `prometheusMetrics()` returns: the instrumentation, plus its registry and handler. */
export interface PrometheusMetrics extends Instrumentation {
  /** The registry its metrics are registered in. */
  readonly registry: client.Registry;
  /** The names of its metrics. */
  readonly metricNames: readonly string[];
  /** A /metrics handler for this registry (see {@link prometheusMetrics.handler}). */
  handler(): ReturnType<typeof metricsHandler>;
}

/**
 * Prometheus metrics for a limiter: pass the result as `metrics`. The limiter counts checks
 * (a few additions each) and times a sample of them; the samples are built when Prometheus
 * scrapes.
 *
 * @example
 * ```ts
 * import { limitrate } from '@limitrate/express';
 * import { prometheusMetrics } from '@limitrate/prometheus';
 *
 * app.use(limitrate({ policies, metrics: prometheusMetrics({ prefix: 'limitrate_', labels: ['plan', 'endpoint'] }) }));
 * app.get('/metrics', prometheusMetrics.handler());
 * ```
 */
export function prometheusMetrics(options?: PrometheusMetricsOptions): PrometheusMetrics {
  const o = resolveOptions(options);
  const registry = o.registry ?? client.register;
  const labels: readonly MetricLabel[] = o.labels;
  const agg = new Aggregate({ plan: labels.includes('plan'), endpoint: labels.includes('endpoint'), user: labels.includes('user'), maxUsers: o.maxUsers, maxEndpoints: o.maxEndpoints, checkBuckets: o.checkBuckets, storeBuckets: o.storeBuckets });
  const taken = metricNames(o.prefix).filter((n) => registry.getSingleMetric(n) !== undefined);
  if (taken.length > 0) {
    throw new ConfigError([
      {
        path: 'prometheusMetrics.registry',
        code: 'ERR_LIMITRATE_INVALID_CONFIG',
        message: `already has metrics named ${taken.slice(0, 3).join(', ')}${taken.length > 3 ? ', ...' : ''}`,
        hint: 'Create prometheusMetrics() once and pass the same object to every limiter, or give each its own prefix or registry',
      },
    ]);
  }
  const names = registerMetrics(registry, o.prefix, labels, agg);
  const handler = metricsHandler(() => registry);
  return {
    name: 'prometheus',
    // Plan and endpoint labels: the limiter counts checks (a few additions each) and they are
    // read at scrape time. The user label needs each check: onCheck.
    counts: agg.pulls,
    timingsPerSecond: o.timingsPerSecond,
    registry,
    metricNames: names,
    handler: () => handler,
    attach(limiter: InstrumentedLimiter) {
      const subs = COUNTED_EVENTS.map((type) =>
        limiter.events.on(type, (e: LimitRateEvent) => {
          agg.event(e.type);
          if (e.type === 'store_circuit') agg.circuits.set(e.store, e.state);
        }),
      );
      // The HTTP layer sets inFlight after attaching: read it through the target at scrape time.
      const gates = () => limiter.inFlight?.() ?? [];
      agg.gateReaders.add(gates);
      const counts = limiter.checkCounts;
      if (counts !== undefined) agg.countReaders.add(counts);
      return () => {
        for (const s of subs) s.dispose();
        agg.gateReaders.delete(gates);
        if (counts !== undefined) {
          agg.countReaders.delete(counts);
          agg.retire(counts());
        }
      };
    },
    ...(agg.pulls
      ? { onTimedCheck: (r: CheckRecord) => agg.checkDuration.observe(r.durationSeconds!, r.timingWeight) }
      : { onCheck: (r: CheckRecord) => agg.check(r) }),
    onStoreOperation: (r) => agg.storeOperation(r),
  };
}

/**
 * A /metrics handler for a registry (default prom-client's global `register`). One function
 * for every framework: `app.get('/metrics', prometheusMetrics.handler())` in Express and
 * Fastify, `app.get('/metrics', prometheusMetrics.handler())` in Hono, and
 * `export const GET = prometheusMetrics.handler()` in a Next.js route.
 *
 * @example
 * ```ts
 * app.get('/metrics', prometheusMetrics.handler());
 * ```
 */
prometheusMetrics.handler = function handler(options: { registry?: client.Registry } = {}) {
  return metricsHandler(() => options.registry ?? client.register);
};
