// `limitrate inspect`: one report, printed as the dashboard's panels in plain text, or as JSON.
import { evaluateAlerts } from './alerts.js';
import type { CliOptions } from './args.js';
import { colorEnabled } from './color.js';
import { CliError, messageOf } from './errors.js';
import type { CliIo } from './io.js';
import { buildPanels } from './panels/build.js';
import { headerLines } from './panels/header.js';
import { queryOf } from './query.js';
import type { ReportSource } from './sources/types.js';
import { renderText } from './text-report.js';
import { viewOf } from './view.js';

/** Width used when the output is not a terminal (a pipe or a file): wide, nothing cut short. */
const PIPE_WIDTH = 200;

/**
 * Runs `inspect`: fetches one report, prints it, closes the source. Resolves with the exit
 * code: 0, or 1 when the source failed (the message on stderr).
 *
 * @example
 * ```ts
 * const code = await runInspect(options, createHttpSource({ url }), processIo());
 * ```
 */
export async function runInspect(options: CliOptions, source: ReportSource, io: CliIo): Promise<number> {
  try {
    const report = await source.fetch(queryOf(options.range, options.filter, options.top, options.blocks));
    if (options.json) {
      io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      return 0;
    }
    const color = colorEnabled(options.color, io.stdout, io.env);
    const columns = io.stdout.isTTY === true && io.stdout.columns ? io.stdout.columns : PIPE_WIDTH;
    const view = viewOf(report, options.filter);
    const header = headerLines({ title: 'LimitRate report', source: source.describe, range: report.range.name, filter: options.filter, updatedAt: report.generatedAt, width: columns - 1 });
    const panels = buildPanels(view, { width: columns - 3, alerts: evaluateAlerts(options.alerts, report) });
    io.stdout.write(renderText(header, panels, { color }));
    return 0;
  } catch (error) {
    io.stderr.write(`limitrate: ${messageOf(error)}${error instanceof CliError ? ` (${error.code})` : ''}\n`);
    return error instanceof CliError ? error.exitCode : 1;
  } finally {
    await source.close().catch(() => undefined);
  }
}
