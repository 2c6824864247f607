// The RECENT BLOCKS panel: who was refused, where, why, and when they may retry.
import { formatClock, formatSpan } from '../format.js';
import type { BlockRecord } from '../report-types.js';
import type { ReportView } from '../view.js';
import { emptyLine } from './empty.js';
import type { Panel } from './model.js';
import { layoutTable, type Column } from './table.js';

/**
 * Seconds left before a blocked request may be retried, as of `now` (ms): `42s`, `now`, or
 * `—` when it never can.
 *
 * @example
 * ```ts
 * retryIn(block, report.generatedAt); // '42s'
 * ```
 */
export function retryIn(block: BlockRecord, now: number): string {
  if (block.retryAfterSeconds === null) return '—';
  const left = Math.ceil(block.retryAfterSeconds - (now - block.at) / 1000);
  return left <= 0 ? 'now' : formatSpan(left);
}

function columns(now: number): readonly Column<BlockRecord>[] {
  return [
    { header: 'Time', cell: (b) => formatClock(b.at) },
    { header: 'User', flex: true, min: 6, cell: (b) => b.user },
    { header: 'Endpoint', flex: true, min: 10, cell: (b) => b.endpoint },
    { header: 'Plan', flex: true, min: 4, drop: 1, cell: (b) => b.plan },
    { header: 'Reason', flex: true, min: 12, cell: (b) => b.message || b.reason, tone: () => 'bad' },
    { header: 'Retry in', align: 'right', cell: (b) => retryIn(b, now), tone: (b) => (b.retryAfterSeconds === null ? 'bad' : undefined) },
  ];
}

/**
 * The RECENT BLOCKS panel, newest first, at most `maxRows` rows.
 *
 * @example
 * ```ts
 * blocksPanel(view, 78, 10);
 * ```
 */
export function blocksPanel(view: ReportView, width: number, maxRows = Infinity): Panel {
  const rows = view.blocks.slice(0, maxRows);
  const lines = rows.length === 0 ? [emptyLine(view, 'no request was blocked recently')] : layoutTable(columns(view.report.generatedAt), rows, width);
  return { id: 'blocks', title: 'RECENT BLOCKS', lines };
}
