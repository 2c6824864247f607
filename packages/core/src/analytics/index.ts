// Analytics: the recorder behind `analytics: true`, the report builder shared with the Redis
// reader, and the contract types.
export { AnalyticsRecorder, blockMessage } from './recorder.js';
export { buildReport, parseReportQuery, reportQueryString, REPORT_RANGES } from './report.js';
export { LATENCY_BOUNDS_MS, emptyBucket, emptyCounts, mergeBucket, addCounts, observeLatency } from './buckets.js';
export type * from './types.js';
