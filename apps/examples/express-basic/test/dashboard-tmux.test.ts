// `limitrate dashboard` end to end, in a real terminal (tmux): the example app with its
// inspector, traffic whose answers the test counts, then the real CLI reading the
// inspector over HTTP. The screen must show what the app served; `f` filters, `e` writes
// the CSV of what is shown, `h` moves to the hour view, `q` quits with 0. A wrong token is
// said on screen while the dashboard keeps running; the demo (`pnpm demo`) shows the
// dashboard live. LIMITRATE_CAPTURE_DIR=<dir> saves the screens (docs/cli.md shows them).
import type { Server } from 'node:http';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LimitRateMiddleware } from '@limitrate/express';
import { createApp, listen } from '../src/app.js';
import { clearOfMinuteEnd } from './minute.js';
import { Pane, saveScreen, TMUX, TMUX_REQUIRED } from './tmux.js';

const APP = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
/** The CLI as `npx limitrate` runs it: the bin of the built @limitrate/cli. */
const CLI = join(dirname(require.resolve('@limitrate/cli/package.json')), 'dist/cli.js');
const TOKEN = 'e2e-inspector-token';

if (TMUX === undefined && TMUX_REQUIRED) throw new Error('LIMITRATE_TMUX is set but tmux cannot run');

interface Served {
  requests: number;
  blocked: number;
}

let server: Server;
let url: string;
let limiter: LimitRateMiddleware;
/** What the app answered, per endpoint and per user, counted from the responses. */
const byEndpoint = new Map<string, Served>();
const byUser = new Map<string, Served>();
let total: Served = { requests: 0, blocked: 0 };

async function send(user: string, plan: string, method: 'GET' | 'POST', path: string, endpoint: string): Promise<void> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { 'x-user-id': user, 'x-plan': plan, 'content-type': 'application/json' },
    ...(method === 'POST' ? { body: JSON.stringify({ message: 'hi' }) } : {}),
  });
  await res.arrayBuffer();
  const blocked = res.status === 429 ? 1 : 0;
  for (const [map, key] of [
    [byEndpoint, endpoint],
    [byUser, user],
  ] as const) {
    const s = map.get(key) ?? { requests: 0, blocked: 0 };
    map.set(key, { requests: s.requests + 1, blocked: s.blocked + blocked });
  }
  total = { requests: total.requests + 1, blocked: total.blocked + blocked };
}

/** A table row on screen: the name, then its numbers. */
function row(screen: string, name: string): number[] {
  const line = screen.split('\n').find((l) => l.trimStart().startsWith(`${name} `));
  expect(line, `no row for ${name} in:\n${screen}`).toBeDefined();
  return [...line!.slice(line!.indexOf(name) + name.length).matchAll(/[\d,.]+(?=%|\s|$)/g)].map((m) => Number(m[0].replace(/,/g, '')));
}

const count = (n: number) => n.toLocaleString('en-US');

describe.skipIf(TMUX === undefined)('limitrate dashboard in a terminal (tmux)', () => {
  beforeAll(async () => {
    const created = createApp({ log: false, inspectorToken: TOKEN });
    limiter = created.limiter;
    ({ server, url } = await listen(created.app, 0, '127.0.0.1'));
    await clearOfMinuteEnd();
    // Free alice over her 10 chats a minute, pro bob reading, enterprise carol.
    for (let i = 0; i < 13; i++) await send('alice', 'free', 'POST', '/api/chat', 'POST|/api/chat');
    for (let i = 0; i < 6; i++) await send('bob', 'pro', 'GET', '/api/items', 'GET|/api/items');
    for (let i = 0; i < 3; i++) await send('carol', 'enterprise', 'GET', '/api/items/2', 'GET|/api/items/:id');
    expect(total.blocked).toBeGreaterThan(0);
  });

  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await limiter?.close();
  });

  it('shows what the app served; f filters, e exports the CSV, h shows the hour, q quits', async () => {
    const exportDir = mkdtempSync(join(tmpdir(), 'limitrate-export-'));
    const pane = Pane.start(['node', CLI, 'dashboard', '--url', `${url}/limitrate`, '--token', TOKEN, '--interval', '1s', '--export-dir', exportDir, '--alert', 'blockRate>5%'], { cwd: APP, width: 140, height: 50 });
    try {
      const screen = await pane.waitFor((s) => s.includes('TOP ENDPOINTS') && s.includes(`Total requests: ${count(total.requests)}`));
      saveScreen('dashboard-now', screen);
      expect(screen).toContain('LimitRate Live Dashboard');
      expect(screen).toMatch(/Store: memory\s+Status: ● Online/);
      expect(screen).toContain(`Rate limited: ${count(total.blocked)}`);
      // Top endpoints: requests, allowed, slowed, blocked, block % of each.
      for (const [endpoint, served] of byEndpoint) {
        const [requests, , , blocked] = row(screen, endpoint);
        expect([endpoint, requests, blocked]).toEqual([endpoint, served.requests, served.blocked]);
      }
      // Top users with their plan.
      expect(screen).toMatch(/alice\s+free\s+13\s/);
      expect(screen).toMatch(/bob\s+pro\s+6\s/);
      expect(screen).toMatch(/carol\s+enterprise\s+3\s/);
      // Recent blocks: alice on the chat, why, and when to retry.
      expect(screen).toMatch(/alice\s+POST\|\/api\/chat\s+free\s+Rate limit exceeded \(10\/10 used\)\s+(?:\d+s|now)/);
      // The alert fired (more than 5% blocked).
      expect(screen).toMatch(/ALERTS/);
      expect(screen).toMatch(/ALERTS \(1 firing\)\n\s+▲ blockRate [\d.]+% > 5%/);
      // Colours: blocked in red, online in green (SGR 31/91 and 32/92).
      const coloured = pane.capture(true);
      expect(coloured).toMatch(/Rate limited: (?:\x1b\[[0-9;]*m)*\x1b\[[0-9;]*(?:31|91)m\d+/);
      expect(coloured).toMatch(/POST\|\/api\/chat.*\x1b\[[0-9;]*(?:31|91)m\s*\d+/);
      expect(coloured).toMatch(/\x1b\[[0-9;]*(?:32|92)m● Online/);

      // f: filter on a user.
      pane.send('f');
      await pane.waitFor(/^ filter>/m);
      pane.send('user:bob', true);
      pane.send('Enter');
      const filtered = await pane.waitFor((s) => /filter: user:bob/.test(s) && s.includes('Total requests: 6'));
      saveScreen('dashboard-filter', filtered);
      expect(filtered).toMatch(/bob\s+pro\s+6\s/);
      expect(filtered).not.toContain('alice');
      expect(row(filtered, 'GET|/api/items').slice(0, 2)).toEqual([6, 6]);

      // e: the CSV of what is on screen.
      pane.send('e');
      const exported = await pane.waitFor(/exported [\d,]+ rows to /);
      const files = readdirSync(exportDir).filter((f) => f.endsWith('.csv'));
      expect(files).toHaveLength(1);
      expect(exported).toContain(files[0]!.slice(0, 20));
      const csv = readFileSync(join(exportDir, files[0]!), 'utf8').trim().split(/\r?\n/);
      const header = csv[0]!.split(',');
      const col = (line: string, name: string) => line.split(',')[header.indexOf(name)];
      expect(header.slice(0, 4)).toEqual(['table', 'endpoint', 'plan', 'user']);
      const users = csv.filter((l) => l.startsWith('users,'));
      expect(users.map((l) => [col(l, 'user'), col(l, 'plan'), col(l, 'requests')])).toEqual([['bob', 'pro', '6']]);
      expect(csv.some((l) => l.includes('alice'))).toBe(false);
      const endpoints = csv.filter((l) => l.startsWith('endpoints,'));
      expect(endpoints.map((l) => [col(l, 'endpoint'), col(l, 'requests'), col(l, 'blocked')])).toEqual([['GET|/api/items', '6', '0']]);

      // Clear the filter, then h: the last hour, per minute.
      pane.send('f');
      await pane.waitFor(/^ filter>/m);
      pane.send('Enter'); // empty: clears the filter
      await pane.waitFor((s) => !/filter: user:bob/.test(s) && s.includes(`Total requests: ${count(total.requests)}`));
      pane.send('h');
      const hour = await pane.waitFor((s) => /range: hour/.test(s) && /per minute, last hour/.test(s));
      saveScreen('dashboard-hour', hour);
      expect(hour).toContain(`Total requests: ${count(total.requests)}`);
      pane.send('h');
      const day = await pane.waitFor((s) => /range: day/.test(s) && /per hour/.test(s));
      saveScreen('dashboard-day', day);
      expect(day).toContain(`Total requests: ${count(total.requests)}`);

      pane.send('q');
      expect(await pane.exitCode()).toBe(0);
    } finally {
      pane.kill();
    }
  });

  it('says when the token is wrong, keeps running, and recovers nothing it cannot: q still quits', async () => {
    const pane = Pane.start(['node', CLI, 'dashboard', '--url', `${url}/limitrate`, '--token', 'not-the-token', '--interval', '1s'], { cwd: APP, width: 120, height: 30 });
    try {
      const screen = await pane.waitFor(/token/i);
      saveScreen('dashboard-wrong-token', screen);
      expect(screen).toMatch(/ERR_LIMITRATE_CLI_UNAUTHORIZED|rejected the token|token does not match|401/i);
      // Still running two refreshes later.
      await new Promise((r) => setTimeout(r, 2500));
      expect(await pane.exitCode(10)).toBeUndefined();
      pane.send('q');
      expect(await pane.exitCode()).toBe(0);
    } finally {
      pane.kill();
    }
  });

  it('limitrate inspect prints the same numbers as tables, or JSON', async () => {
    const pane = Pane.start(['node', CLI, 'inspect', '--url', `${url}/limitrate`, '--token', TOKEN], { cwd: APP, width: 120, height: 50 });
    try {
      expect(await pane.exitCode()).toBe(0);
      const screen = pane.capture();
      saveScreen('inspect', screen);
      expect(screen).toContain(`Total requests: ${count(total.requests)}`);
      expect(row(screen, 'POST|/api/chat')[0]).toBe(byEndpoint.get('POST|/api/chat')!.requests);
    } finally {
      pane.kill();
    }
  });

  it('pnpm demo shows the dashboard live over simulated traffic, and its summary after q', async () => {
    const pane = Pane.start(['node', '--import', 'tsx', 'src/demo.ts', '--duration', '60'], { cwd: APP, width: 130, height: 48 });
    try {
      const screen = await pane.waitFor((s) => s.includes('TOP ENDPOINTS') && /Total requests: [1-9]/.test(s) && /mallory\s+free/.test(s) && /Rate limit exceeded/.test(s), 30_000);
      saveScreen('demo', screen);
      expect(screen).toContain('LimitRate Live Dashboard');
      expect(screen).toMatch(/GET\|\/api\/items\/:id/);
      pane.send('q');
      expect(await pane.exitCode(20_000)).toBe(0);
      const after = pane.capture();
      expect(after).toMatch(/Server and limiter closed/);
    } finally {
      pane.kill();
    }
  });
});
