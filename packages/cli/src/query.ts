// The report query of what the user asked for: range, the filter's source fields, table sizes.
import type { ViewFilter } from './filter.js';
import type { ReportQuery, ReportRange } from './report-types.js';

/**
 * The query to send a source.
 *
 * @example
 * ```ts
 * queryOf('hour', parseFilterLine('plan:free chat'), 10, 20);
 * // { range: 'hour', top: 10, blocks: 20, filter: { plan: 'free' } } (the bare text is applied by the CLI)
 * ```
 */
export function queryOf(range: ReportRange, filter: ViewFilter, top: number, blocks: number): ReportQuery {
  const query: ReportQuery = { range, top, blocks };
  if (Object.keys(filter.query).length > 0) query.filter = { ...filter.query };
  return query;
}

/**
 * The next range for the `h` key: now → hour → day → now.
 *
 * @example
 * ```ts
 * nextRange('day'); // 'now'
 * ```
 */
export function nextRange(range: ReportRange): ReportRange {
  switch (range) {
    case 'now':
      return 'hour';
    case 'hour':
      return 'day';
    case 'day':
      return 'now';
  }
}
