// `limitrate <command>`: parses the arguments, builds the source, runs inspect or the
// dashboard, and turns every failure into a message and an exit code (0, 1 source, 2 usage).
import { parseArgs } from './args.js';
import { CliError, messageOf, usageError } from './errors.js';
import { runInspect } from './inspect.js';
import { processIo, type CliIo } from './io.js';
import { createSource } from './sources/create.js';
import type { ReportSource } from './sources/types.js';
import { usage } from './usage.js';
import { VERSION } from './version.js';

/**
 * Tells ink (which only draws the last frame when it thinks it runs in CI, from `CI` or
 * `CONTINUOUS_INTEGRATION`) that this is an interactive terminal. Called only when the
 * dashboard runs on a TTY, before ink is loaded.
 */
function markInteractive(env: NodeJS.ProcessEnv): void {
  for (const key of ['CI', 'CONTINUOUS_INTEGRATION']) if (key in env) env[key] = '0';
}

/**
 * Runs the CLI with `argv` (the arguments after `limitrate`) and resolves with the exit
 * code; never rejects and never calls `process.exit`.
 *
 * @example
 * ```ts
 * import { runCli } from '@limitrate/cli';
 * process.exitCode = await runCli(['inspect', '--url', 'http://127.0.0.1:3000/limitrate', '--json']);
 * ```
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let source: ReportSource | undefined;
  try {
    const parsed = parseArgs(argv, io.env);
    if (parsed.kind === 'help') {
      io.stdout.write(usage());
      return 0;
    }
    if (parsed.kind === 'version') {
      io.stdout.write(`${VERSION}\n`);
      return 0;
    }
    const { options } = parsed;
    if (options.command === 'dashboard' && io.stdout.isTTY !== true) {
      throw usageError('the dashboard needs an interactive terminal (stdout is not a TTY): use limitrate inspect for pipes and scripts');
    }
    source = createSource(options);
    if (options.command === 'inspect') return await runInspect(options, source, io);
    if (io.stdout === process.stdout) markInteractive(process.env);
    const { runDashboard } = await import('./dashboard/run.js');
    return await runDashboard(options, source);
  } catch (error) {
    await source?.close().catch(() => undefined);
    if (error instanceof CliError) {
      io.stderr.write(`limitrate: ${error.message} (${error.code})\n`);
      if (error.exitCode === 2) io.stderr.write(`\n${usage()}`);
      return error.exitCode;
    }
    io.stderr.write(`limitrate: ${messageOf(error)}\n`);
    return 1;
  }
}
