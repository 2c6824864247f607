// The metrics as prom-client sees them: objects registered in a Registry whose get()
// builds the samples from the aggregate at scrape time (prom-client's own Counter and
// Histogram would hash a label set on every check, and cannot weigh a sampled timing).
import type { Registry } from 'prom-client';
import { OUTCOMES, type Aggregate, type Series, type WeightedHistogram } from './aggregate.js';
import type { MetricLabel } from './options.js';

type Labels = Record<string, string | number>;
interface Sample {
  value: number;
  labels: Labels;
  metricName?: string;
}
type MetricType = 'counter' | 'gauge' | 'histogram';

/** One metric in prom-client's shape (name, help, type, get, reset). */
class Collected {
  readonly aggregator = 'sum';
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: MetricType,
    private readonly collect: () => Sample[],
    private readonly onReset: () => void,
  ) {}
  get(): { name: string; help: string; type: MetricType; values: Sample[]; aggregator: string } {
    return { name: this.name, help: this.help, type: this.type, values: this.collect(), aggregator: this.aggregator };
  }
  reset(): void {
    this.onReset();
  }
}

function histogramSamples(name: string, h: WeightedHistogram, labels: Labels, out: Sample[]): void {
  let cumulative = 0;
  for (let i = 0; i < h.buckets.length; i++) {
    cumulative += h.counts[i]!;
    out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: h.buckets[i]! }, value: cumulative });
  }
  out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: h.count });
  out.push({ metricName: `${name}_sum`, labels, value: h.sum });
  out.push({ metricName: `${name}_count`, labels, value: h.count });
}

/** Every metric name the package exports, for a given prefix (the Grafana dashboard test uses it). */
export function metricNames(prefix: string): string[] {
  return ['inflight_requests', 'queued_requests', 'checks_total', 'check_duration_seconds', 'current_usage', 'limit', 'cost_total', 'cost_cap', 'tokens_total', 'store_operations_total', 'store_latency_seconds', 'store_circuit_state', 'events_total', 'webhook_failures_total'].map((n) => prefix + n);
}

/** Registers the metrics of an aggregate in a registry; returns their names. */
export function registerMetrics(registry: Registry, prefix: string, labels: readonly MetricLabel[], agg: Aggregate): string[] {
  const on = { plan: labels.includes('plan'), endpoint: labels.includes('endpoint'), user: labels.includes('user') };
  const base = (s: Series): Labels => {
    const l: Labels = {};
    if (on.plan) l.plan = s.plan;
    if (on.endpoint) l.endpoint = s.endpoint;
    if (on.user) l.user = s.user;
    return l;
  };
  const reset = () => agg.reset();
  /** Every gate of every attached limiter (a gate with nothing running or waiting is gone: 0). */
  const gateSamples = (field: 'inFlight' | 'queued'): Sample[] => {
    const out: Sample[] = [];
    for (const read of agg.gateReaders) for (const g of read()) out.push({ labels: { plan: g.plan, endpoint: g.endpoint }, value: g[field] });
    return out;
  };
  const metrics = [
    new Collected(`${prefix}checks_total`, 'Rate limit checks, by result (allowed, blocked, slowed, logged)', 'counter', () => {
      const out: Sample[] = [];
      for (const s of agg.currentSeries()) for (let i = 0; i < OUTCOMES.length; i++) if (s.counts[i]! > 0) out.push({ labels: { ...base(s), result: OUTCOMES[i]! }, value: s.counts[i]! });
      return out;
    }, reset),
    new Collected(`${prefix}check_duration_seconds`, 'How long a check takes (a sample of checks is timed: each timing counts for the checks it stands for)', 'histogram', () => {
      const out: Sample[] = [];
      histogramSamples(`${prefix}check_duration_seconds`, agg.checkDuration, {}, out);
      return out;
    }, reset),
    new Collected(`${prefix}current_usage`, 'Usage of each limit at the latest check (requests, tokens, or dollars for cost limits)', 'gauge', () => {
      const out: Sample[] = [];
      for (const s of agg.currentSeries()) for (const l of s.last?.limits ?? []) out.push({ labels: { ...base(s), limit: l.id }, value: l.used });
      return out;
    }, reset),
    new Collected(`${prefix}limit`, 'Capacity of each limit (requests, tokens, or dollars for cost limits)', 'gauge', () => {
      const out: Sample[] = [];
      for (const s of agg.currentSeries()) for (const l of s.last?.limits ?? []) out.push({ labels: { ...base(s), limit: l.id }, value: l.limit });
      return out;
    }, reset),
    new Collected(`${prefix}cost_total`, 'Dollars charged by checks (estimated or given cost)', 'counter', () => agg.currentSeries().filter((s) => s.cost !== 0).map((s) => ({ labels: base(s), value: s.cost })), reset),
    new Collected(`${prefix}cost_cap`, 'Cost caps (dollars) at the latest check', 'gauge', () => {
      const out: Sample[] = [];
      for (const s of agg.currentSeries()) for (const l of s.last?.limits ?? []) if (l.kind === 'cost') out.push({ labels: { ...base(s), limit: l.id }, value: l.limit });
      return out;
    }, reset),
    new Collected(`${prefix}tokens_total`, 'Tokens charged by checks', 'counter', () => agg.currentSeries().filter((s) => s.tokens !== 0).map((s) => ({ labels: base(s), value: s.tokens })), reset),
    new Collected(`${prefix}store_operations_total`, 'Store operations, by store, operation and status (the memory store is called in process and not counted)', 'counter', () => [...agg.storeOps.values()].map((o) => ({ labels: { store: o.store, operation: o.operation, status: o.status }, value: o.count })), reset),
    new Collected(`${prefix}store_latency_seconds`, 'How long store operations take', 'histogram', () => {
      const out: Sample[] = [];
      for (const l of agg.storeLatency.values()) histogramSamples(`${prefix}store_latency_seconds`, l.histogram, { store: l.store, operation: l.operation }, out);
      return out;
    }, reset),
    new Collected(`${prefix}store_circuit_state`, "A ResilientStore's circuit: 1 for its current state (closed, open, half-open), 0 for the others", 'gauge', () => {
      const out: Sample[] = [];
      for (const [store, state] of agg.circuits) for (const s of ['closed', 'open', 'half-open']) out.push({ labels: { store, state: s }, value: s === state ? 1 : 0 });
      return out;
    }, reset),
    new Collected(`${prefix}inflight_requests`, 'Requests running under an in-flight (concurrency) limit, by plan and endpoint', 'gauge', () => gateSamples('inFlight'), () => undefined),
    new Collected(`${prefix}queued_requests`, 'Requests waiting for an in-flight slot, by plan and endpoint', 'gauge', () => gateSamples('queued'), () => undefined),
    new Collected(`${prefix}events_total`, 'Limiter events by type (every type but allowed)', 'counter', () => [...agg.events].map(([type, n]) => ({ labels: { type }, value: n })), reset),
    new Collected(`${prefix}webhook_failures_total`, 'Webhook deliveries that failed after their retries', 'counter', () => [{ labels: {}, value: agg.events.get('webhook_failed') ?? 0 }], reset),
  ];
  for (const m of metrics) registry.registerMetric(m as never);
  return metrics.map((m) => m.name);
}
