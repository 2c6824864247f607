// Test helper: a program in a real terminal — a tmux pane on a tmux server of its own (its
// own socket, no user configuration) — that tests type into (send-keys) and read
// (capture-pane), and whose exit code they get back.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** tmux, from LIMITRATE_TMUX (set by `npm test`: the tests are then required) or the PATH. */
export const TMUX: string | undefined =
  process.env.LIMITRATE_TMUX || (spawnSync('tmux', ['-V']).status === 0 ? 'tmux' : undefined);

/** Whether the tmux tests must run (the test command provided tmux) rather than be skipped when it is missing. */
export const TMUX_REQUIRED = process.env.LIMITRATE_TMUX !== undefined && process.env.LIMITRATE_TMUX !== '';

let servers = 0;

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** A program running in a tmux pane. */
export class Pane {
  private readonly socket: string;
  private readonly exitFile: string;

  private constructor(socket: string, exitFile: string) {
    this.socket = socket;
    this.exitFile = exitFile;
  }

  /**
   * Starts `argv` in a `width` x `height` pane, in `cwd`, with `env` added to this process's
   * environment and `CI` removed (a terminal program behaves as for a person).
   */
  static start(argv: readonly string[], options: { cwd: string; width?: number; height?: number; env?: Record<string, string> }): Pane {
    if (TMUX === undefined) throw new Error('tmux is not installed');
    const socket = `limitrate-test-${process.pid}-${servers++}`;
    const dir = mkdtempSync(join(tmpdir(), 'limitrate-tmux-'));
    const exitFile = join(dir, 'exit-code');
    const env = Object.entries(options.env ?? {})
      .map(([k, v]) => `${k}=${quote(v)}`)
      .join(' ');
    // The exit code goes to a file; the pane stays open a little so its last screen can be read.
    const script = `cd ${quote(options.cwd)} && env -u CI -u CONTINUOUS_INTEGRATION ${env} ${argv.map(quote).join(' ')}; echo $? > ${quote(exitFile)}; sleep 30`;
    execFileSync(TMUX, ['-L', socket, '-f', '/dev/null', 'new-session', '-d', '-s', 'main', '-x', String(options.width ?? 140), '-y', String(options.height ?? 50), script]);
    return new Pane(socket, exitFile);
  }

  /** The screen as text (`escapes`: with colours and attributes as escape sequences). */
  capture(escapes = false): string {
    return execFileSync(TMUX!, ['-L', this.socket, 'capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', 'main'], { encoding: 'utf8' });
  }

  /** Types keys: tmux key names (`Enter`, `Escape`, `C-c`) or literal text with `literal`. */
  send(keys: string, literal = false): void {
    execFileSync(TMUX!, ['-L', this.socket, 'send-keys', '-t', 'main', ...(literal ? ['-l'] : []), keys]);
  }

  /** Waits until the screen satisfies `test`; fails with the last screen after `timeoutMs`. */
  async waitFor(test: RegExp | ((screen: string) => boolean), timeoutMs = 20_000, escapes = false): Promise<string> {
    const ok = typeof test === 'function' ? test : (s: string) => test.test(s);
    const deadline = Date.now() + timeoutMs;
    let screen = '';
    while (Date.now() < deadline) {
      screen = this.capture(escapes);
      if (ok(screen)) return screen;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the screen never showed ${String(test)}; it shows:\n${screen}`);
  }

  /** The program's exit code once it has exited (undefined after `timeoutMs`). */
  async exitCode(timeoutMs = 15_000): Promise<number | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (existsSync(this.exitFile)) {
        const text = readFileSync(this.exitFile, 'utf8').trim();
        if (text !== '') return Number(text);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    return undefined;
  }

  /** Stops the pane and its tmux server. */
  kill(): void {
    spawnSync(TMUX!, ['-L', this.socket, 'kill-server']);
  }
}

/** Saves a screen when asked (LIMITRATE_CAPTURE_DIR=<dir>): docs/cli.md shows them. */
export function saveScreen(name: string, screen: string): void {
  const dir = process.env.LIMITRATE_CAPTURE_DIR;
  if (dir === undefined || dir === '') return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.txt`), `${screen.replace(/\s+$/gm, '').trimEnd()}\n`);
}
