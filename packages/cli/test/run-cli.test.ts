// runCli in-process against a stand-in inspector: inspect as tables and JSON, colour rules,
// exit codes and messages for source and usage errors.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CliIo } from '../src/io.js';
import { runCli } from '../src/run.js';
import { sampleReport } from './fixtures.js';
import { closedPort, type TestServer } from './http-server.js';
import { startInspector, TOKEN } from './inspector-server.js';

/** Streams that record what was written. */
function memoryIo(options: { tty?: boolean; columns?: number; env?: Record<string, string> } = {}): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (t: string) => (out += t), isTTY: options.tty ?? false, columns: options.columns ?? 80 },
    stderr: { write: (t: string) => (err += t) },
    env: options.env ?? {},
    out: () => out,
    err: () => err,
  };
}

let server: TestServer;
beforeEach(async () => {
  server = await startInspector();
});
afterEach(async () => {
  await server.close();
});

describe('runCli', () => {
  it('inspect prints the panels as plain tables when not a terminal', async () => {
    const io = memoryIo({ env: { LIMITRATE_TOKEN: TOKEN } });
    expect(await runCli(['inspect', '--url', server.url('/limitrate'), '--range', 'hour', '--filter', 'plan:free'], io)).toBe(0);
    const out = io.out();
    expect(out).toMatch(/^LimitRate report {3}source: http:\/\/127\.0\.0\.1:\d+\/limitrate {3}range: hour \(last hour\) {3}filter: plan:free {3}updated 14:23:45\n/);
    for (const title of ['SYSTEM STATUS', 'TOP ENDPOINTS', 'TOP USERS', 'RECENT BLOCKS', 'HISTORY']) expect(out).toContain(`\n ${title}`);
    expect(out).toMatch(/alice\s+free\s+100\s+10\s+10%\s+\$0\.30/);
    expect(out).not.toMatch(/carol/);
    expect(out).not.toMatch(/\u001b/);
    expect(server.requests[0]!.url.search).toBe('?range=hour&top=10&blocks=20&plan=free');
    expect(io.err()).toBe('');
  });

  it('inspect --json prints the report as it came', async () => {
    const io = memoryIo();
    expect(await runCli(['inspect', '--url', server.url('/limitrate'), '--token', TOKEN, '--json', '--top', '2'], io)).toBe(0);
    expect(JSON.parse(io.out())).toEqual(sampleReport({ range: 'now', top: 2, blocks: 20 }));
    expect(io.out()).toBe(`${JSON.stringify(sampleReport({ range: 'now', top: 2, blocks: 20 }), null, 2)}\n`);
  });

  it('colours a terminal unless NO_COLOR or --no-color says not to', async () => {
    const url = server.url('/limitrate');
    const tty = memoryIo({ tty: true, columns: 100, env: { LIMITRATE_TOKEN: TOKEN } });
    await runCli(['inspect', '--url', url], tty);
    expect(tty.out()).toContain('\u001b[32m● Online\u001b[0m');
    for (const [argv, env] of [
      [['--no-color'], { LIMITRATE_TOKEN: TOKEN }],
      [[], { LIMITRATE_TOKEN: TOKEN, NO_COLOR: '1' }],
      [[], { LIMITRATE_TOKEN: TOKEN, TERM: 'dumb' }],
    ] as const) {
      const io = memoryIo({ tty: true, columns: 100, env });
      expect(await runCli(['inspect', '--url', url, ...argv], io)).toBe(0);
      expect(io.out()).toContain('● Online');
      expect(io.out()).not.toMatch(/\u001b/);
    }
    const forced = memoryIo({ env: { LIMITRATE_TOKEN: TOKEN } });
    await runCli(['inspect', '--url', url, '--color'], forced);
    expect(forced.out()).toContain('\u001b[');
  });

  it('fits a terminal of 80 columns', async () => {
    const io = memoryIo({ tty: true, columns: 80, env: { LIMITRATE_TOKEN: TOKEN, NO_COLOR: '1' } });
    await runCli(['inspect', '--url', server.url('/limitrate'), '--range', 'hour'], io);
    for (const line of io.out().split('\n')) expect(line.length).toBeLessThanOrEqual(80);
  });

  it('shows firing alerts in inspect', async () => {
    const io = memoryIo({ env: { LIMITRATE_TOKEN: TOKEN } });
    expect(await runCli(['inspect', '--url', server.url('/limitrate'), '--alert', 'blockRate>1%', '--alert', 'errors>0'], io)).toBe(0);
    expect(io.out()).toContain(' ALERTS (1 firing)\n  ▲ blockRate 2.9% > 1%  [blockRate>1%]\n');
  });

  it('a source error: exit code 1, the message and its code on stderr', async () => {
    const io = memoryIo();
    expect(await runCli(['inspect', '--url', server.url('/limitrate'), '--json'], io)).toBe(1);
    expect(io.out()).toBe('');
    expect(io.err()).toMatch(/^limitrate: http:\/\/127\.0\.0\.1:\d+\/limitrate refused the request \(HTTP 401 .*\) — pass the inspector's token with --token or LIMITRATE_TOKEN \(ERR_LIMITRATE_CLI_UNAUTHORIZED\)\n$/);
    const port = await closedPort();
    const down = memoryIo();
    expect(await runCli(['inspect', '--url', `http://127.0.0.1:${port}/limitrate`], down)).toBe(1);
    expect(down.err()).toContain('connection refused — is the app running and the inspector mounted at that path? (ERR_LIMITRATE_CLI_UNREACHABLE)');
  });

  it('a usage error: exit code 2, the message, then the usage', async () => {
    const io = memoryIo();
    expect(await runCli(['inspect', '--url', server.url('/limitrate'), '--top', 'ten'], io)).toBe(2);
    expect(io.err()).toMatch(/^limitrate: --top must be a whole number from 1 to 1000, got "ten" \(ERR_LIMITRATE_CLI_USAGE\)\n\nUsage: limitrate <command> \[options\]/);
    expect(server.requests).toHaveLength(0);
  });

  it('the dashboard refuses to run without a terminal', async () => {
    const io = memoryIo({ tty: false });
    expect(await runCli(['dashboard', '--url', server.url('/limitrate')], io)).toBe(2);
    expect(io.err()).toContain('the dashboard needs an interactive terminal (stdout is not a TTY): use limitrate inspect for pipes and scripts');
  });

  it('help and version', async () => {
    const help = memoryIo();
    expect(await runCli(['--help'], help)).toBe(0);
    expect(help.out()).toContain('Usage: limitrate <command> [options]');
    expect(help.out()).toContain('--alert <rule>');
    const version = memoryIo();
    expect(await runCli(['--version'], version)).toBe(0);
    expect(version.out()).toMatch(/^\d+\.\d+\.\d+(?:-[\w.]+)?\n$/);
  });
});
