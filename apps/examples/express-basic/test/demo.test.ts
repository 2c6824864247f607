// The live demo in a child process, its stdout a pipe (not a terminal): it prints plain
// lines, then a summary showing every plan's allowed, slowed and blocked requests, and
// exits 0, whether --duration or Ctrl-C (SIGINT) stops it.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const APP = fileURLToPath(new URL('..', import.meta.url));

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the demo; `interrupt` sends SIGINT once stdout matches it. */
function demo(args: string[], interrupt?: RegExp): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/demo.ts', ...args], { cwd: APP, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    let sent = false;
    const kill = setTimeout(() => child.kill('SIGKILL'), 25_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (interrupt !== undefined && !sent && interrupt.test(stdout)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(kill);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

type Row = { requests: number; allowed: number; slowed: number; logged: number; blocked: number };

/** A plan's total row of the summary table: `free   1,064   166   0   0   898   84.4%`. */
function planRow(summary: string, plan: string): Row {
  const m = new RegExp(`^${plan}\\s+([\\d,]+)\\s+([\\d,]+)\\s+([\\d,]+)\\s+([\\d,]+)\\s+([\\d,]+)\\s+[\\d.]+%$`, 'm').exec(summary);
  expect(m, `no summary row for ${plan} in:\n${summary}`).not.toBeNull();
  const [requests, allowed, slowed, logged, blocked] = m!.slice(1).map((n) => Number(n.replace(/,/g, '')));
  return { requests: requests!, allowed: allowed!, slowed: slowed!, logged: logged!, blocked: blocked! };
}

describe('npm run demo', () => {
  it('runs for --duration 3 and prints allowed, slowed and blocked counts for every plan', async () => {
    const run = await demo(['--duration', '3']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).not.toMatch(/\x1b\[/); // no escape sequences on a pipe

    // Periodic plain lines, one a second, naming every plan.
    const lines = run.stdout.split('\n').filter((l) => /^\[\s*\d+\.\ds\] /.test(l));
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const plan of ['free', 'pro', 'enterprise']) expect(lines.at(-1)).toMatch(new RegExp(`${plan}: \\d+ requests, \\d+ allowed, \\d+ slowed, \\d+ logged, \\d+ blocked`));

    // The summary: each plan meets its limits in its own way.
    const summary = run.stdout.slice(run.stdout.indexOf('LimitRate demo summary'));
    expect(summary).toMatch(/stopped by --duration 3/);
    const free = planRow(summary, 'free');
    const pro = planRow(summary, 'pro');
    const enterprise = planRow(summary, 'enterprise');
    for (const row of [free, pro, enterprise]) {
      expect(row.requests).toBe(row.allowed + row.slowed + row.logged + row.blocked);
      expect(row.allowed).toBeGreaterThan(0);
    }
    expect(free.blocked).toBeGreaterThan(0);
    expect(free.slowed + free.logged).toBe(0);
    expect(pro.slowed).toBeGreaterThan(0);
    expect(pro.blocked + pro.logged).toBe(0);
    expect(enterprise.logged).toBeGreaterThan(0);
    expect(enterprise.blocked + enterprise.slowed).toBe(0);
    expect(summary).toContain('actions seen: block yes, slowdown yes, allow-and-log yes');
    // The scraper is refused by the per-second limit of GET /api/items/:id.
    expect(summary).toMatch(/^\s+\d\d:\d\d:\d\d\.\d{3} free\/mallory\s+GET \/api\/items\/:id\s+rate_limited rate:1s/m);
    expect(summary).toContain('Server and limiter closed.');
  });

  it('stops cleanly on Ctrl-C (SIGINT): exit code 0 and the summary', async () => {
    const run = await demo([], /^\[\s*\d+\.\ds\] free: /m); // the first line of numbers
    expect(run.stderr).toBe('');
    expect(run.signal).toBeNull();
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/stopped by Ctrl-C \(SIGINT\)/);
    expect(run.stdout).toContain('Server and limiter closed.');
  });

  it('refuses a bad option with the usage', async () => {
    const run = await demo(['--duration', 'soon']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--duration: invalid value "soon"/);
    expect(run.stderr).toMatch(/Usage: npm run demo/);
  });
});
