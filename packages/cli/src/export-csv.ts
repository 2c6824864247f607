// Writes the CSV export of a view to `limitrate-<range>-<YYYYMMDD-HHMMSS>.csv` in a directory.
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { buildCsv } from './csv.js';
import { CliError, messageOf } from './errors.js';
import { formatStamp } from './format.js';
import type { ReportRange } from './report-types.js';
import type { ReportView } from './view.js';

/**
 * The export's file name (`-2`, `-3`... appended for a second export in the same second).
 *
 * @example
 * ```ts
 * exportFileName('hour', new Date(2025, 0, 2, 14, 23, 45)); // 'limitrate-hour-20250102-142345.csv'
 * ```
 */
export function exportFileName(range: ReportRange, date: Date, attempt = 1): string {
  return `limitrate-${range}-${formatStamp(date)}${attempt > 1 ? `-${attempt}` : ''}.csv`;
}

/**
 * Writes the view as CSV in `dir` (created when missing), never overwriting a file, and
 * resolves with the absolute path. Throws a CliError (`ERR_LIMITRATE_CLI_EXPORT`).
 *
 * @example
 * ```ts
 * const path = await exportCsv(view, { dir: './exports', range: 'now', date: new Date() });
 * ```
 */
export async function exportCsv(view: ReportView, options: { dir: string; range: ReportRange; date: Date }): Promise<string> {
  const dir = resolve(options.dir);
  const csv = buildCsv(view);
  try {
    await mkdir(dir, { recursive: true });
    for (let attempt = 1; ; attempt++) {
      const path = join(dir, exportFileName(options.range, options.date, attempt));
      try {
        await writeFile(path, csv, { flag: 'wx' });
        return path;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 100) throw error;
      }
    }
  } catch (error) {
    throw new CliError('ERR_LIMITRATE_CLI_EXPORT', `could not write the CSV export in ${dir}: ${messageOf(error)}`, { cause: error });
  }
}
