// What a table panel says instead of rows: nothing recorded yet, or nothing matches the filter.
import { describeFilter, isEmptyFilter } from '../filter.js';
import type { ReportView } from '../view.js';
import { seg, type Line } from './model.js';

/** The message shown when a report has no checks at all in its range. */
export const NO_CHECKS = 'no checks recorded yet in this range';

/**
 * The line a panel shows in place of rows: `none` when the report has checks but this table
 * has no rows for them (e.g. no blocks).
 *
 * @example
 * ```ts
 * emptyLine(view, 'no requests were blocked in this range');
 * ```
 */
export function emptyLine(view: ReportView, none: string): Line {
  if (view.report.totals.requests === 0) {
    return [seg(isEmptyFilter(view.filter) ? NO_CHECKS : `${NO_CHECKS} matching ${describeFilter(view.filter)}`, { tone: 'muted' })];
  }
  if (view.filter.text.length > 0) return [seg(`no rows match ${describeFilter(view.filter)}`, { tone: 'muted' })];
  return [seg(none, { tone: 'muted' })];
}
