// Where the CLI reads reports from: an app's inspector endpoint over HTTP, or the shared Redis analytics.
import type { AnalyticsReport, ReportQuery } from '../report-types.js';

/**
 * A source of analytics reports. `fetch` rejects with a CliError whose message says what
 * went wrong and what to check; the dashboard keeps calling it after a failure.
 *
 * @example
 * ```ts
 * const source: ReportSource = {
 *   describe: 'fixture',
 *   fetch: async () => report,
 *   close: async () => {},
 * };
 * ```
 */
export interface ReportSource {
  /** What it reads, for people (credentials removed): `http://127.0.0.1:3000/limitrate`. */
  readonly describe: string;
  fetch(query: ReportQuery): Promise<AnalyticsReport>;
  /** Releases connections; the source is not used after. */
  close(): Promise<void>;
}
