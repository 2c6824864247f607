// Checks that an answer is an analytics report this CLI understands, with a message that says why not.
import { CliError } from '../errors.js';
import type { AnalyticsReport } from '../report-types.js';

/** The report version this CLI reads. */
export const REPORT_VERSION = 1;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The value as a report, or a CliError (`ERR_LIMITRATE_CLI_BAD_RESPONSE`) naming what is
 * missing or the version mismatch.
 *
 * @example
 * ```ts
 * const report = asReport(JSON.parse(body), 'http://127.0.0.1:3000/limitrate');
 * ```
 */
export function asReport(value: unknown, from: string): AnalyticsReport {
  if (!isObject(value)) throw bad(from, 'did not answer a JSON object');
  if (value['version'] !== REPORT_VERSION) {
    if (typeof value['version'] === 'number') {
      const newer = value['version'] > REPORT_VERSION;
      throw bad(
        from,
        `answered report version ${value['version']}, and this CLI reads version ${REPORT_VERSION}: ${newer ? 'upgrade @limitrate/cli' : 'upgrade the app\'s @limitrate packages'}`,
      );
    }
    throw bad(from, 'did not answer a LimitRate analytics report (no "version"): is that the inspector endpoint?');
  }
  for (const key of ['totals', 'store', 'range', 'source'] as const) {
    if (!isObject(value[key])) throw bad(from, `answered a report without "${key}"`);
  }
  for (const key of ['endpoints', 'plans', 'users', 'recentBlocks', 'series'] as const) {
    if (!Array.isArray(value[key])) throw bad(from, `answered a report without "${key}"`);
  }
  return value as unknown as AnalyticsReport;
}

function bad(from: string, what: string): CliError {
  return new CliError('ERR_LIMITRATE_CLI_BAD_RESPONSE', `${from} ${what}`);
}
