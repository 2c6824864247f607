// The TOP ENDPOINTS and TOP USERS panels.
import { formatCount, formatPercent, formatUsd } from '../format.js';
import type { EndpointRow, UserRow } from '../report-types.js';
import type { ReportView } from '../view.js';
import { emptyLine } from './empty.js';
import { blockRateTone, seg, type Line, type Panel } from './model.js';
import { layoutTable, type Column } from './table.js';

const ENDPOINT_COLUMNS: readonly Column<EndpointRow>[] = [
  { header: 'Endpoint', flex: true, min: 12, cell: (r) => r.endpoint },
  { header: 'Requests', align: 'right', drop: 2, cell: (r) => formatCount(r.requests) },
  { header: 'Allowed', align: 'right', cell: (r) => formatCount(r.allowed), tone: (r) => (r.allowed > 0 ? 'good' : undefined) },
  { header: 'Slowed', align: 'right', drop: 1, cell: (r) => formatCount(r.slowed), tone: (r) => (r.slowed > 0 ? 'warn' : undefined) },
  { header: 'Blocked', align: 'right', cell: (r) => formatCount(r.blocked), tone: (r) => (r.blocked > 0 ? 'bad' : undefined) },
  { header: 'Block%', align: 'right', cell: (r) => formatPercent(r.blockRate), tone: (r) => blockRateTone(r.blockRate) },
];

const USER_COLUMNS: readonly Column<UserRow>[] = [
  { header: 'User', flex: true, min: 8, cell: (r) => r.user },
  { header: 'Plan', flex: true, min: 4, cell: (r) => r.plan },
  { header: 'Requests', align: 'right', cell: (r) => formatCount(r.requests) },
  { header: 'Blocked', align: 'right', cell: (r) => formatCount(r.blocked), tone: (r) => (r.blocked > 0 ? 'bad' : undefined) },
  { header: 'Block%', align: 'right', drop: 1, cell: (r) => formatPercent(r.blockRate), tone: (r) => blockRateTone(r.blockRate) },
  { header: 'Cost', align: 'right', drop: 2, cell: (r) => formatUsd(r.cost) },
];

/** The rows to show: at most `maxRows`, or all of them when only one would be left out (its "more" line takes the same room). */
export function shownRows<Row>(rows: readonly Row[], maxRows: number): readonly Row[] {
  return rows.length <= maxRows + 1 ? rows : rows.slice(0, maxRows);
}

/** More rows than shown: `… 12 more (export with e to see every row)`. */
function more(hidden: number): Line[] {
  return hidden > 0 ? [[seg(`… ${formatCount(hidden)} more (export with e to see every row)`, { tone: 'muted' })]] : [];
}

/**
 * The TOP ENDPOINTS panel, at most `maxRows` rows.
 *
 * @example
 * ```ts
 * endpointsPanel(view, 78, 10);
 * ```
 */
export function endpointsPanel(view: ReportView, width: number, maxRows = Infinity): Panel {
  const rows = shownRows(view.endpoints, maxRows);
  const lines = rows.length === 0 ? [emptyLine(view, 'no endpoint checked in this range')] : [...layoutTable(ENDPOINT_COLUMNS, rows, width), ...more(view.endpoints.length - rows.length)];
  return { id: 'endpoints', title: 'TOP ENDPOINTS', lines };
}

/**
 * The TOP USERS panel, at most `maxRows` rows; the title notes the total cost.
 *
 * @example
 * ```ts
 * usersPanel(view, 78, 10);
 * ```
 */
export function usersPanel(view: ReportView, width: number, maxRows = Infinity): Panel {
  const rows = shownRows(view.users, maxRows);
  const lines = rows.length === 0 ? [emptyLine(view, 'no user checked in this range')] : [...layoutTable(USER_COLUMNS, rows, width), ...more(view.users.length - rows.length)];
  const { otherUsers, totals } = view.report;
  if (otherUsers.requests > 0 && view.filter.text.length === 0) {
    lines.push([seg(`+ ${formatCount(otherUsers.requests)} requests from users outside the top (${formatCount(otherUsers.blocked)} blocked)`, { tone: 'muted' })]);
  }
  const note = totals.cost > 0 ? `cost ${formatUsd(totals.cost)} in total` : undefined;
  return { id: 'users', title: 'TOP USERS', ...(note === undefined ? {} : { note }), lines };
}
