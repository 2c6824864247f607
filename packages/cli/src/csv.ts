// The CSV export of a view: one file, every table, a `table` column first, then the union
// of the tables' fields (cells a table has no field for are empty). RFC 4180 quoting.
import type { ReportView } from './view.js';

/**
 * The columns of the export, in order.
 *
 * @example
 * ```ts
 * CSV_COLUMNS.indexOf('blocked'); // where a table's blocked count is
 * ```
 */
export const CSV_COLUMNS = [
  'table',
  'endpoint',
  'plan',
  'user',
  'requests',
  'allowed',
  'slowed',
  'blocked',
  'logged',
  'degraded',
  'blockRate',
  'cost',
  'tokens',
  'at',
  'reason',
  'limit',
  'used',
  'capacity',
  'unit',
  'retryAfterSeconds',
  'resetInSeconds',
  'message',
  'instance',
] as const;

export type CsvColumn = (typeof CSV_COLUMNS)[number];
type Cell = string | number | null | undefined;

/**
 * One CSV field: quoted when it holds a comma, a quote or a line break (quotes doubled).
 * Text that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR first) is
 * prefixed with `'`; numbers are written as they are.
 *
 * @example
 * ```ts
 * csvField('a,"b"'); // '"a,""b"""'
 * csvField('=1+1');  // "'=1+1"
 * ```
 */
export function csvField(value: Cell): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  let text = value;
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function line(cells: Partial<Record<CsvColumn, Cell>>): string {
  return CSV_COLUMNS.map((c) => csvField(cells[c])).join(',');
}

/**
 * The CSV text of a view (CRLF line ends, header first): endpoints, plans, users, then the
 * recent blocks.
 *
 * @example
 * ```ts
 * await writeFile('report.csv', buildCsv(viewOf(report, NO_FILTER)));
 * ```
 */
export function buildCsv(view: ReportView): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of view.endpoints) lines.push(line({ table: 'endpoints', ...counts(r), endpoint: r.endpoint }));
  for (const r of view.plans) lines.push(line({ table: 'plans', ...counts(r), plan: r.plan }));
  for (const r of view.users) lines.push(line({ table: 'users', ...counts(r), user: r.user, plan: r.plan }));
  for (const b of view.blocks) {
    lines.push(
      line({
        table: 'blocks',
        at: new Date(b.at).toISOString(),
        user: b.user,
        plan: b.plan,
        endpoint: b.endpoint,
        reason: b.reason,
        limit: b.limit,
        used: b.used,
        capacity: b.capacity,
        unit: b.unit,
        retryAfterSeconds: b.retryAfterSeconds,
        resetInSeconds: b.resetInSeconds,
        message: b.message,
        instance: b.instance,
      }),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

function counts(r: ReportView['endpoints'][number] | ReportView['plans'][number] | ReportView['users'][number]): Partial<Record<CsvColumn, Cell>> {
  return {
    requests: r.requests,
    allowed: r.allowed,
    slowed: r.slowed,
    blocked: r.blocked,
    logged: r.logged,
    degraded: r.degraded,
    blockRate: r.blockRate,
    cost: r.cost,
    tokens: r.tokens,
  };
}
