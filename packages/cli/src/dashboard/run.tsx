// `limitrate dashboard`: renders the Dashboard full screen (the terminal's alternate screen,
// restored on exit), waits for q / Ctrl-C / SIGTERM, closes the source, and exits 0.
import { render } from 'ink';
import type { CliOptions } from '../args.js';
import { colorEnabled } from '../color.js';
import type { ReportSource } from '../sources/types.js';
import { Dashboard } from './Dashboard.js';

const ENTER_ALT_SCREEN = '\u001b[?1049h\u001b[H';
const LEAVE_ALT_SCREEN = '\u001b[?1049l';

/** Options of `runDashboard` beyond the command line's. */
export interface RunDashboardOptions {
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
  stderr?: NodeJS.WriteStream;
  env?: Readonly<Record<string, string | undefined>>;
  /** Closes the dashboard as `q` would (a program embedding it, such as the demo, stopping by itself). */
  signal?: AbortSignal;
}

/**
 * Runs the dashboard until the user quits, then closes the source. Resolves with the exit
 * code: 0 on q or Ctrl-C, 128 + the signal's number on SIGTERM or SIGHUP.
 *
 * @example
 * ```ts
 * const parsed = parseArgs(['dashboard', '--url', url], process.env);
 * if (parsed.kind === 'run') process.exitCode = await runDashboard(parsed.options, createSource(parsed.options));
 * ```
 */
export async function runDashboard(
  options: Pick<CliOptions, 'range' | 'filter' | 'top' | 'blocks' | 'intervalMs' | 'alerts' | 'webhook' | 'exportDir' | 'color' | 'timeoutMs'>,
  source: ReportSource,
  streams: RunDashboardOptions = {},
): Promise<number> {
  const { stdout = process.stdout, stdin = process.stdin, stderr = process.stderr, env = process.env, signal } = streams;
  const color = colorEnabled(options.color, stdout, env);
  const fullScreen = stdout.isTTY === true;
  let restored = false;
  const restore = () => {
    if (fullScreen && !restored) {
      restored = true;
      stdout.write(LEAVE_ALT_SCREEN);
    }
  };
  if (fullScreen) stdout.write(ENTER_ALT_SCREEN);
  process.once('exit', restore);

  const app = render(
    <Dashboard
      source={source}
      range={options.range}
      filter={options.filter}
      top={options.top}
      blocks={options.blocks}
      intervalMs={options.intervalMs}
      alerts={options.alerts}
      {...(options.webhook === undefined ? {} : { webhookUrl: options.webhook })}
      webhookTimeoutMs={options.timeoutMs}
      exportDir={options.exportDir}
      color={color}
    />,
    { stdout, stdin, stderr, exitOnCtrlC: true, patchConsole: true },
  );

  let code = 0;
  const onSignal = (name: NodeJS.Signals) => {
    code = name === 'SIGTERM' ? 143 : 129;
    app.unmount();
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGHUP', onSignal);
  const onAbort = () => app.unmount();
  if (signal?.aborted === true) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await app.waitUntilExit();
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
    signal?.removeEventListener('abort', onAbort);
    app.cleanup();
    restore();
    process.off('exit', restore);
    await source.close().catch(() => undefined);
  }
  return code;
}
