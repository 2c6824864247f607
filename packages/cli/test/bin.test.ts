// The built bin (dist/cli.js) as a user runs it: inspect against a stand-in inspector (JSON,
// tables, exit codes, usage errors), and the dashboard in a real pseudo-terminal (util-linux
// `script`) with CI=1 set, quitting with q and with Ctrl-C.
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plain } from './fake-source.js';
import { sampleReport } from './fixtures.js';
import { closedPort, type TestServer } from './http-server.js';
import { startInspector, TOKEN } from './inspector-server.js';

const BIN = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const PACKAGE = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string; bin: { limitrate: string } };
const SCRIPT = ['/usr/bin/script', '/bin/script'].find((p) => existsSync(p));

/** The environment of a run: no colour or token or CI from the test's own. */
function envWith(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of ['NO_COLOR', 'FORCE_COLOR', 'LIMITRATE_TOKEN', 'CI']) delete env[key];
  return { ...env, ...extra };
}

function run(args: string[], extraEnv: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: envWith(extraEnv), timeout: 20_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr });
    });
  });
}

let server: TestServer;
beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: build first (pnpm --filter @limitrate/cli build)`);
  server = await startInspector();
});
afterAll(async () => {
  await server?.close();
});

describe('limitrate (built bin)', () => {
  it('is the package bin, with a shebang', () => {
    expect(PACKAGE.bin.limitrate).toBe('./dist/cli.js');
    expect(readFileSync(BIN, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });

  it('inspect --json prints the report; the token comes from LIMITRATE_TOKEN', async () => {
    const { code, stdout, stderr } = await run(['inspect', '--url', server.url('/limitrate'), '--json', '--range', 'day'], { LIMITRATE_TOKEN: TOKEN });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual(sampleReport({ range: 'day', top: 10, blocks: 20 }));
  });

  it('inspect prints tables without colour into a pipe', async () => {
    const { code, stdout } = await run(['inspect', '--url', server.url('/limitrate'), '--token', TOKEN]);
    expect(code).toBe(0);
    expect(stdout).toContain(' TOP ENDPOINTS\n');
    expect(stdout).toMatch(/POST\|\/api\/chat\s+300\s+290\s+0\s+10\s+3\.3%/);
    expect(stdout).not.toMatch(/\u001b/);
  });

  it('exit code 1 with a clear message when the source fails', async () => {
    const wrong = await run(['inspect', '--url', server.url('/limitrate'), '--token', 'not-the-token', '--json']);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toBe('');
    expect(wrong.stderr).toMatch(/refused the request \(HTTP 401 .*\(ERR_LIMITRATE_CLI_UNAUTHORIZED\)\n$/);
    expect(wrong.stderr).not.toContain('not-the-token');
    const port = await closedPort();
    const down = await run(['inspect', '--url', `http://127.0.0.1:${port}/limitrate`]);
    expect(down.code).toBe(1);
    expect(down.stderr).toBe(`limitrate: cannot reach http://127.0.0.1:${port}/limitrate: connection refused — is the app running and the inspector mounted at that path? (ERR_LIMITRATE_CLI_UNREACHABLE)\n`);
    const missing = await run(['inspect', '--url', server.url('/nothing-here'), '--token', TOKEN]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('(ERR_LIMITRATE_CLI_NOT_FOUND)');
  });

  it('exit code 2 with the usage for a bad flag, a bad value or a missing source', async () => {
    for (const args of [['inspect', '--url', server.url('/limitrate'), '--range', 'week'], ['inspect', '--bogus'], ['inspect'], [], ['dashboard', '--url', server.url('/limitrate')]]) {
      const { code, stdout, stderr } = await run(args);
      expect(code, args.join(' ')).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toMatch(/^limitrate: .*\(ERR_LIMITRATE_CLI_USAGE\)\n\nUsage: limitrate <command> \[options\]/);
    }
  });

  it('--help and --version', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: limitrate <command> [options]');
    const version = await run(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout).toBe(`${PACKAGE.version}\n`);
  });

  describe.skipIf(SCRIPT === undefined)('dashboard in a terminal (CI=1 set)', () => {
    /** Runs the dashboard in a pseudo-terminal; `keys` are typed once the first report is on screen. */
    /** Runs the dashboard in a pseudo-terminal and types `keys`, each once the screen shows its `after` (if any) since the previous key. */
    function dashboard(keys: Array<string | { key: string; after: string }>, args: string[] = []): Promise<{ code: number | null; output: string }> {
      const command = `stty cols 100 rows 40 2>/dev/null; exec '${process.execPath}' '${BIN}' dashboard --url '${server.url('/limitrate')}' --token '${TOKEN}' --interval 1s ${args.join(' ')}`;
      const child = spawn(SCRIPT!, ['-qfec', command, '/dev/null'], { env: envWith({ CI: '1', TERM: 'xterm-256color' }) });
      let output = '';
      let typed = false;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`the dashboard did not finish (typed: ${typed}); it showed:\n${JSON.stringify(output.slice(-3000))}`));
        }, 25_000);
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString('utf8');
          if (!typed && output.includes('TOP ENDPOINTS')) {
            typed = true;
            void (async () => {
              let from = output.length;
              for (const step of keys) {
                const { key, after } = typeof step === 'string' ? { key: step, after: undefined } : step;
                // Each key once the screen has reacted to the one before (a loaded machine is slow).
                for (let waited = 0; after !== undefined && !plain(output.slice(from)).includes(after) && waited < 10_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
                from = output.length;
                child.stdin.write(key);
                await new Promise((r) => setTimeout(r, 50));
              }
            })();
          }
        });
        child.on('exit', (code) => {
          clearTimeout(timer);
          resolve({ code, output });
        });
      });
    }

    it('draws the panels live (not only at exit) and quits with q, restoring the screen', { timeout: 45_000 }, async () => {
      const { code, output } = await dashboard(['q']);
      expect(code).toBe(0);
      expect(output.startsWith('\u001b[?1049h')).toBe(true);
      expect(output).toContain('\u001b[?1049l');
      expect(output.indexOf('TOP ENDPOINTS')).toBeLessThan(output.indexOf('\u001b[?1049l'));
      expect(plain(output)).toMatch(/POST\|\/api\/chat\s+300/);
    });

    it('applies a typed filter, then quits with Ctrl-C', { timeout: 45_000 }, async () => {
      const before = server.requests.length;
      const { code, output } = await dashboard(['f', { key: 'plan:free', after: 'filter>' }, { key: '\r', after: 'plan:free' }, { key: '\u0003', after: 'filter: plan:free' }]);
      expect(code).toBe(0);
      expect(plain(output)).toContain('filter: plan:free');
      expect(server.requests.slice(before).some((r) => r.url.searchParams.get('plan') === 'free')).toBe(true);
    });
  });
});
