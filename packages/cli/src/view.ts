// What is on screen: a report with the filter's bare text applied to its tables (the
// source already applied the user, plan and endpoint fields).
import { matchesText, type ViewFilter } from './filter.js';
import type { AnalyticsReport, BlockRecord, EndpointRow, PlanRow, UserRow } from './report-types.js';

/** A report as shown: its tables narrowed by the filter's bare text. */
export interface ReportView {
  readonly report: AnalyticsReport;
  readonly filter: ViewFilter;
  readonly endpoints: readonly EndpointRow[];
  readonly plans: readonly PlanRow[];
  readonly users: readonly UserRow[];
  readonly blocks: readonly BlockRecord[];
}

/**
 * The view of a report under a filter.
 *
 * @example
 * ```ts
 * const view = viewOf(report, parseFilterLine('chat'));
 * view.endpoints; // only the endpoints whose name contains "chat"
 * ```
 */
export function viewOf(report: AnalyticsReport, filter: ViewFilter): ReportView {
  const { text } = filter;
  return {
    report,
    filter,
    endpoints: report.endpoints.filter((r) => matchesText(text, [r.endpoint])),
    plans: report.plans.filter((r) => matchesText(text, [r.plan])),
    users: report.users.filter((r) => matchesText(text, [r.user, r.plan])),
    blocks: report.recentBlocks.filter((b) => matchesText(text, [b.user, b.plan, b.endpoint])),
  };
}
