// @limitrate/datadog: Datadog metrics (DogStatsD via hot-shots, or agentless HTTP) for LimitRate limiters and adapters.
export { datadogMetrics, type DatadogMetrics } from './metrics.js';
export type { DatadogMetricsOptions } from './options.js';
export { METRICS, type MetricDefinition, type MetricName, type MetricType } from './names.js';
