// Public entry point of @limitrate/cli: the command (runCli), the sources, the Dashboard
// component and the pure helpers it is built from.
export { runCli } from './run.js';
export { processIo, type CliIo, type CliOutput } from './io.js';
export { parseArgs, type CliOptions, type Command, type ParsedArgs } from './args.js';
export { usage } from './usage.js';
export { VERSION } from './version.js';
export { CliError, usageError, type CliErrorCode } from './errors.js';
export { runInspect } from './inspect.js';
export { runDashboard, type RunDashboardOptions } from './dashboard/run.js';
export { Dashboard, type DashboardProps } from './dashboard/Dashboard.js';
export type { ReportSource } from './sources/types.js';
export { createSource } from './sources/create.js';
export { createHttpSource, type HttpSourceOptions } from './sources/http.js';
export { createRedisSource, type RedisSourceOptions, type RedisReportReader } from './sources/redis.js';
export { parseAlert, evaluateAlerts, alertTransitions, firingIds, describeAlert, type AlertRule, type AlertStatus, type AlertTransition, type AlertMetric, type AlertOperator, type AlertUnit } from './alerts.js';
export { postWebhook, alertPayload, type AlertWebhookPayload, type WebhookResult, type PostWebhookOptions } from './webhook.js';
export { parseFilterTerms, parseFilterLine, describeFilter, NO_FILTER, type ViewFilter } from './filter.js';
export { parseInterval } from './interval.js';
export { viewOf, type ReportView } from './view.js';
export { buildCsv, csvField, CSV_COLUMNS } from './csv.js';
export { exportCsv, exportFileName } from './export-csv.js';
export type { AnalyticsReport, ReportQuery, ReportRange, ReportFilter } from './report-types.js';
