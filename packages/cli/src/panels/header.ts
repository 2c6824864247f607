// The header line(s): title, source, range, filter, and when the data was fetched.
import { REPORT_RANGES } from '@limitrate/core';
import { describeFilter, type ViewFilter } from '../filter.js';
import { formatClock } from '../format.js';
import type { ReportRange } from '../report-types.js';
import { packItems, seg, type Line } from './model.js';

/**
 * A range for people: `now (last 5 minutes)`.
 *
 * @example
 * ```ts
 * rangeLabel('day'); // 'day (last 24 hours)'
 * ```
 */
export function rangeLabel(range: ReportRange): string {
  return `${range} (${REPORT_RANGES[range].label})`;
}

/** What the header shows. */
export interface HeaderOptions {
  title: string;
  source: string;
  range: ReportRange;
  filter: ViewFilter;
  /** When the shown report was fetched (ms); null before the first one. */
  updatedAt: number | null;
  /** The shown report is older than the last refresh attempt (which failed). */
  stale?: boolean;
  width: number;
}

/**
 * The header, packed into as few lines as the width allows.
 *
 * @example
 * ```ts
 * headerLines({ title: 'LimitRate Live Dashboard', source: url, range: 'now', filter: NO_FILTER, updatedAt: Date.now(), width: 80 });
 * ```
 */
export function headerLines(o: HeaderOptions): Line[] {
  const items: Line[] = [[seg(o.title, { tone: 'accent', bold: true })], [seg('source: ', { tone: 'muted' }), seg(o.source)], [seg('range: ', { tone: 'muted' }), seg(rangeLabel(o.range))]];
  const filter = describeFilter(o.filter);
  if (filter !== '') items.push([seg('filter: ', { tone: 'muted' }), seg(filter, { tone: 'accent' })]);
  if (o.updatedAt !== null) {
    items.push([seg('updated ', { tone: 'muted' }), seg(formatClock(o.updatedAt)), ...(o.stale ? [seg(' (stale)', { tone: 'warn' })] : [])]);
  }
  return packItems(items, o.width);
}
