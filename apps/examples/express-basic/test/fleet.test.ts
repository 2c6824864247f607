// Two instances of the example (two processes, `src/server.ts` with REDIS_URL) share their
// limits and write their analytics to one Redis. What the fleet view shows — `limitrate
// inspect --redis --json` and the dashboard on screen — must equal the sum of what both
// served, counted from the responses; each instance's own inspector shows its share.
import { spawn, type ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyticsReport } from '@limitrate/core';
import { clearOfMinuteEnd } from './minute.js';
import { Pane, saveScreen, TMUX } from './tmux.js';

const APP = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
const CLI = join(dirname(require.resolve('@limitrate/cli/package.json')), 'dist/cli.js');
const REDIS_URL = process.env.LIMITRATE_REDIS_URL;
const TOKEN = 'fleet-inspector-token';
const PREFIX = `test:fleet:${process.pid}:${Date.now().toString(36)}`;
const run = promisify(execFile);

interface Instance {
  child: ChildProcess;
  url: string;
  served: { requests: number; blocked: number };
}

/** Starts `src/server.ts` on a free port with the shared Redis, and waits for its URL. */
function startInstance(): Promise<Instance> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      cwd: APP,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        PORT: '0',
        REDIS_URL: REDIS_URL!,
        LIMITRATE_KEY_PREFIX: `${PREFIX}:limits:`,
        LIMITRATE_ANALYTICS_PREFIX: `${PREFIX}:analytics`,
        LIMITRATE_FLUSH_INTERVAL: '250ms',
        LIMITRATE_INSPECTOR_TOKEN: TOKEN,
      },
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`the instance did not start:\n${out}\n${err}`)), 20_000);
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (m !== null) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!, served: { requests: 0, blocked: 0 } });
      }
    });
    child.once('exit', (code) => reject(new Error(`the instance exited (${code}):\n${out}\n${err}`)));
  });
}

async function send(to: Instance, user: string, plan: string, method: 'GET' | 'POST', path: string): Promise<void> {
  const res = await fetch(`${to.url}${path}`, {
    method,
    headers: { 'x-user-id': user, 'x-plan': plan, 'content-type': 'application/json' },
    ...(method === 'POST' ? { body: '{"message":"hi"}' } : {}),
  });
  await res.arrayBuffer();
  to.served.requests++;
  if (res.status === 429) to.served.blocked++;
}

async function inspect(args: string[]): Promise<AnalyticsReport> {
  const { stdout } = await run(process.execPath, [CLI, 'inspect', ...args, '--json', '--top', '100']);
  return JSON.parse(stdout) as AnalyticsReport;
}

/** The fleet report once both instances' last batches are in (they write every 250 ms). */
async function fleetReport(requests: number): Promise<AnalyticsReport> {
  const deadline = Date.now() + 15_000;
  let report = await inspect(['--redis', REDIS_URL!, '--prefix', `${PREFIX}:analytics`]);
  while (report.totals.requests < requests && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    report = await inspect(['--redis', REDIS_URL!, '--prefix', `${PREFIX}:analytics`]);
  }
  return report;
}

describe.skipIf(REDIS_URL === undefined)('two instances, one Redis: the fleet view is the sum', () => {
  const instances: Instance[] = [];

  beforeAll(async () => {
    instances.push(await startInstance(), await startInstance());
  }, 40_000);

  afterAll(async () => {
    await Promise.all(
      instances.map(
        (i) =>
          new Promise<void>((resolve) => {
            if (i.child.exitCode !== null) return resolve();
            i.child.once('exit', () => resolve());
            i.child.kill('SIGTERM');
          }),
      ),
    );
  });

  it('inspect --redis and the dashboard add up both instances exactly; limits are shared', async () => {
    const [a, b] = instances as [Instance, Instance];
    await clearOfMinuteEnd();
    // alice's 10 chats a minute are shared by the fleet: 8 + 8 means 6 refused, wherever.
    await Promise.all([
      (async () => {
        for (let i = 0; i < 8; i++) await send(a, 'alice', 'free', 'POST', '/api/chat');
        for (let i = 0; i < 5; i++) await send(a, 'bob', 'pro', 'GET', '/api/items');
      })(),
      (async () => {
        for (let i = 0; i < 8; i++) await send(b, 'alice', 'free', 'POST', '/api/chat');
        for (let i = 0; i < 4; i++) await send(b, 'carol', 'enterprise', 'GET', '/api/items/3');
      })(),
    ]);
    const requests = a.served.requests + b.served.requests;
    const blocked = a.served.blocked + b.served.blocked;
    expect([requests, blocked]).toEqual([25, 6]);

    const fleet = await fleetReport(requests);
    expect(fleet.source.kind).toBe('redis');
    expect(fleet.source.instances).toHaveLength(2);
    expect(fleet.totals).toMatchObject({ requests, blocked });
    const users = Object.fromEntries(fleet.users.map((u) => [u.user, [u.plan, u.requests, u.blocked]]));
    expect(users).toEqual({ alice: ['free', 16, 6], bob: ['pro', 5, 0], carol: ['enterprise', 4, 0] });
    expect(fleet.endpoints.find((e) => e.endpoint === 'POST|/api/chat')).toMatchObject({ requests: 16, blocked: 6 });
    expect(fleet.recentBlocks).toHaveLength(6);
    expect(new Set(fleet.recentBlocks.map((r) => r.instance)).size).toBeGreaterThanOrEqual(1);

    // Each instance's own inspector: its share, and the two shares make the fleet.
    const own = await Promise.all([a, b].map((i) => inspect(['--url', `${i.url}/limitrate`, '--token', TOKEN])));
    expect(own.map((r) => [r.totals.requests, r.totals.blocked])).toEqual([
      [a.served.requests, a.served.blocked],
      [b.served.requests, b.served.blocked],
    ]);

    // The dashboard on the fleet, in a terminal.
    if (TMUX !== undefined) {
      const pane = Pane.start(['node', CLI, 'dashboard', '--redis', REDIS_URL!, '--prefix', `${PREFIX}:analytics`, '--interval', '1s'], { cwd: APP, width: 140, height: 45 });
      try {
        const screen = await pane.waitFor((s) => s.includes(`Total requests: ${requests}`) && /Instances: 2/.test(s));
        saveScreen('dashboard-fleet', screen);
        expect(screen).toContain(`Rate limited: ${blocked}`);
        expect(screen).toMatch(/Store: redis/);
        expect(screen).toMatch(/alice\s+free\s+16\s+6\s/);
        pane.send('q');
        expect(await pane.exitCode()).toBe(0);
      } finally {
        pane.kill();
      }
    }
  });
});
