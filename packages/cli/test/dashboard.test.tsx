// The Dashboard rendered with ink-testing-library and a fake source: panels, keys (f, h, e,
// r, q), a failing source, an empty report, colours, and alerts sent to a real webhook
// server, edge-triggered.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AnalyticsReport } from '@limitrate/core';
import { cleanup, render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { parseAlert } from '../src/alerts.js';
import { buildCsv } from '../src/csv.js';
import { Dashboard } from '../src/dashboard/Dashboard.js';
import { CliError } from '../src/errors.js';
import { parseFilterLine } from '../src/filter.js';
import { viewOf } from '../src/view.js';
import { fakeSource, plain, waitFor } from './fake-source.js';
import { makeReport, NOW, sampleReport } from './fixtures.js';
import { closedPort, startServer, type TestServer } from './http-server.js';

const now = () => NOW;
let server: TestServer | undefined;
let dir: string | undefined;

afterEach(async () => {
  cleanup();
  await server?.close();
  server = undefined;
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

/** Lets ink attach its input listener (an effect) before keys are written. */
const settle = () => new Promise((r) => setTimeout(r, 20));

describe('Dashboard', () => {
  it('shows every panel of the report', async () => {
    const source = fakeSource((q) => sampleReport(q));
    const { lastFrame } = render(<Dashboard source={source} color={false} now={now} />);
    await waitFor(() => expect(plain(lastFrame())).toContain('RECENT BLOCKS'));
    const frame = plain(lastFrame());
    for (const text of [
      'LimitRate Live Dashboard',
      'source: fixture://app',
      'range: now (last 5 minutes)',
      'updated 14:23:45',
      'SYSTEM STATUS',
      'Status: ● Online',
      'Total requests: 345',
      'Rate limited: 10 (2.9%)',
      'TOP ENDPOINTS',
      'TOP USERS',
      'HISTORY',
      'r refresh · q quit · e export CSV · f filter · h history (now/hour/day)',
    ]) {
      expect(frame).toContain(text);
    }
    expect(frame).toMatch(/POST\|\/api\/chat\s+300\s+290\s+0\s+10\s+3\.3%/);
    expect(frame).toMatch(/carol\s+pro\s+200/);
    expect(frame).toMatch(/14:23:42\s+alice\s+POST\|\/api\/chat\s+free\s+Rate limit exceeded \(10\/10 used\)\s+39s/);
    expect(source.queries[0]).toEqual({ range: 'now', top: 10, blocks: 20 });
    for (const line of frame.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
  });

  it('f opens the filter prompt: Enter applies (sent to the source, shown in the header), Esc cancels, empty clears', async () => {
    const source = fakeSource((q) => sampleReport(q));
    const { lastFrame, stdin } = render(<Dashboard source={source} color={false} now={now} />);
    await waitFor(() => expect(plain(lastFrame())).toContain('TOP USERS'));
    await settle();

    stdin.write('f');
    await waitFor(() => expect(plain(lastFrame())).toContain('filter>'));
    stdin.write('plan:frex');
    stdin.write('\u007f');
    stdin.write('e');
    await waitFor(() => expect(plain(lastFrame())).toContain('filter> plan:free'));
    stdin.write('\r');
    await waitFor(() => expect(source.queries.at(-1)).toEqual({ range: 'now', top: 10, blocks: 20, filter: { plan: 'free' } }));
    await waitFor(() => expect(plain(lastFrame())).toContain('filter: plan:free'));
    expect(plain(lastFrame())).not.toContain('filter>');
    await waitFor(() => expect(plain(lastFrame())).not.toMatch(/carol/));

    stdin.write('f');
    await waitFor(() => expect(plain(lastFrame())).toContain('filter>'));
    stdin.write('usr:x');
    stdin.write('\r');
    await waitFor(() => expect(plain(lastFrame())).toContain('unknown field "usr"'));
    stdin.write('\u001b');
    await waitFor(() => expect(plain(lastFrame())).not.toContain('filter>'));
    expect(plain(lastFrame())).toContain('filter: plan:free');

    stdin.write('f');
    await waitFor(() => expect(plain(lastFrame())).toContain('filter>'));
    stdin.write('\r');
    await waitFor(() => expect(source.queries.at(-1)).toEqual({ range: 'now', top: 10, blocks: 20 }));
    await waitFor(() => expect(plain(lastFrame())).toContain('filter cleared'));
    expect(plain(lastFrame())).not.toContain('filter: plan:free');
  });

  it('keys typed in the prompt are text, not commands', async () => {
    const source = fakeSource((q) => sampleReport(q));
    const quit: string[] = [];
    const { lastFrame, stdin } = render(<Dashboard source={source} color={false} now={now} onQuit={() => quit.push('quit')} />);
    await waitFor(() => expect(plain(lastFrame())).toContain('TOP USERS'));
    await settle();
    stdin.write('f');
    await waitFor(() => expect(plain(lastFrame())).toContain('filter>'));
    stdin.write('q');
    stdin.write('h');
    await waitFor(() => expect(plain(lastFrame())).toContain('filter> qh'));
    expect(quit).toEqual([]);
    expect(source.queries.every((q) => q.range === 'now')).toBe(true);
  });

  it('h cycles the range now → hour → day → now, with the history per minute or per hour', async () => {
    const source = fakeSource((q) => sampleReport(q));
    const { lastFrame, stdin } = render(<Dashboard source={source} color={false} now={now} />);
    await waitFor(() => expect(plain(lastFrame())).toContain('per minute, last 5 minutes'));
    await settle();
    stdin.write('h');
    await waitFor(() => expect(plain(lastFrame())).toContain('per minute, last hour'));
    expect(plain(lastFrame())).toContain('range: hour (last hour)');
    expect(source.queries.at(-1)?.range).toBe('hour');
    stdin.write('h');
    await waitFor(() => expect(plain(lastFrame())).toContain('per hour, last 24 hours'));
    expect(plain(lastFrame())).toMatch(/requests\s+[▁-█]{24}\s+peak 345\/h/);
    stdin.write('h');
    await waitFor(() => expect(source.queries.at(-1)?.range).toBe('now'));
    await waitFor(() => expect(plain(lastFrame())).toContain('range: now (last 5 minutes)'));
  });

  it('e exports the current view as CSV in the export directory and shows the path', async () => {
    dir = await mkdtemp(join(tmpdir(), 'limitrate-dash-'));
    const source = fakeSource((q) => sampleReport(q));
    const filter = parseFilterLine('chat');
    const { lastFrame, stdin } = render(<Dashboard source={source} color={false} now={now} exportDir={dir} filter={filter} />);
    await waitFor(() => expect(plain(lastFrame())).toContain('TOP USERS'));
    await settle();
    stdin.write('e');
    const path = join(dir, 'limitrate-now-20250102-142345.csv');
    await waitFor(() => expect(plain(lastFrame()).replace(/\n\s*/g, '')).toContain(`exported 3 rows to ${path}`));
    expect(await readFile(path, 'utf8')).toBe(buildCsv(viewOf(sampleReport({ range: 'now', top: 10, blocks: 20 }), filter)));
  });

  it('r refreshes at once, q quits and stops refreshing', async () => {
    const source = fakeSource((q) => sampleReport(q));
    let quits = 0;
    const { lastFrame, stdin } = render(<Dashboard source={source} color={false} now={now} intervalMs={3_600_000} onQuit={() => quits++} />);
    await waitFor(() => expect(plain(lastFrame())).toContain('TOP USERS'));
    await settle();
    expect(source.queries).toHaveLength(1);
    stdin.write('r');
    await waitFor(() => expect(source.queries).toHaveLength(2));
    stdin.write('q');
    await waitFor(() => expect(quits).toBe(1));
    stdin.write('r');
    await settle();
    expect(source.queries).toHaveLength(2);
  });

  it('keeps the last report on screen when the source fails, says since when, and recovers', async () => {
    let failing = false;
    const source = fakeSource((q) => {
      if (failing) throw new CliError('ERR_LIMITRATE_CLI_UNREACHABLE', 'cannot reach http://127.0.0.1:3000/limitrate: connection refused — is the app running?');
      return sampleReport(q);
    });
    const { lastFrame } = render(<Dashboard source={source} color={false} now={now} intervalMs={30} />);
    await waitFor(() => expect(plain(lastFrame())).toContain('TOP USERS'));
    failing = true;
    await waitFor(() => expect(plain(lastFrame())).toMatch(/source unreachable since 14:23:45, [3-9] attempts: cannot reach/));
    const frame = plain(lastFrame());
    expect(frame).toContain('(stale)');
    expect(frame).toMatch(/POST\|\/api\/chat\s+300/);
    failing = false;
    await waitFor(() => expect(plain(lastFrame())).not.toContain('source unreachable'));
    expect(plain(lastFrame())).not.toContain('(stale)');
  });

  it('a source failing from the start shows the error and no data', async () => {
    const source = fakeSource(() => {
      throw new CliError('ERR_LIMITRATE_CLI_UNAUTHORIZED', 'http://x/limitrate refused the request (HTTP 401)');
    });
    const { lastFrame } = render(<Dashboard source={source} color={false} now={now} intervalMs={30} />);
    await waitFor(() => expect(plain(lastFrame())).toContain('source failing since 14:23:45'));
    expect(plain(lastFrame())).toContain('no report yet');
    expect(plain(lastFrame())).toContain('refused the request (HTTP 401)');
    expect(plain(lastFrame())).not.toContain('SYSTEM STATUS');
  });

  it('an empty report shows "no checks recorded yet in this range" in the panels', async () => {
    const source = fakeSource(() => makeReport());
    const { lastFrame } = render(<Dashboard source={source} color={false} now={now} />);
    await waitFor(() => expect(plain(lastFrame())).toContain('HISTORY'));
    const frame = plain(lastFrame());
    expect(frame.match(/no checks recorded yet in this range/g)).toHaveLength(4);
    expect(frame).toContain('Total requests: 0');
  });

  it('colours by meaning, and none at all without colour', async () => {
    const colored = render(<Dashboard source={fakeSource((q) => sampleReport(q))} color now={now} />);
    await waitFor(() => expect(plain(colored.lastFrame())).toContain('RECENT BLOCKS'));
    expect(colored.lastFrame()).toMatch(/\u001b\[32m● Online/);
    expect(colored.lastFrame()).toMatch(/\u001b\[31m\s*10\u001b/);
    colored.unmount();
    const mono = render(<Dashboard source={fakeSource((q) => sampleReport(q))} color={false} now={now} />);
    await waitFor(() => expect(plain(mono.lastFrame())).toContain('RECENT BLOCKS'));
    // No foreground or background colour code anywhere (bold and inverse are not colours).
    expect(mono.lastFrame()).not.toMatch(/\u001b\[(?:3[0-9]|4[0-9]|9[0-7]|10[0-7])(?:;\d+)*m/);
  });

  it('alerts: highlighted while firing, POSTed to the webhook once per edge', async () => {
    const posts: Array<{ alert: string; state: string; value: number; source: string }> = [];
    server = await startServer((req, res) => {
      posts.push(JSON.parse(req.body) as (typeof posts)[number]);
      res.writeHead(200);
      res.end();
    });
    const high = (q: Parameters<typeof sampleReport>[0]) => makeReport({ traffic: [{ user: 'u', plan: 'free', endpoint: 'GET|/x', allowed: 80, blocked: 20 }], query: q });
    const low = (q: Parameters<typeof sampleReport>[0]) => makeReport({ traffic: [{ user: 'u', plan: 'free', endpoint: 'GET|/x', allowed: 99, blocked: 1 }], query: q });
    const script = [high, high, high, low, low, high];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const source = fakeSource(async (q, n) => {
      if (n >= script.length) await gate;
      return script[Math.min(n, script.length - 1)]!(q);
    });
    const { lastFrame } = render(
      <Dashboard source={source} color={false} now={now} intervalMs={20} alerts={[parseAlert('blockRate>5%'), parseAlert('errors>0')]} webhookUrl={server.url('/hook')} />,
    );
    await waitFor(() => expect(source.queries.length).toBeGreaterThan(script.length));
    await waitFor(() => expect(posts).toHaveLength(3));
    expect(posts.map((p) => `${p.alert}:${p.state}:${p.value}`)).toEqual(['blockRate>5%:firing:20', 'blockRate>5%:resolved:1', 'blockRate>5%:firing:20']);
    expect(posts[0]!.source).toBe('fixture://app');
    await waitFor(() => expect(plain(lastFrame())).toContain('webhook: blockRate>5% firing sent (HTTP 200)'));
    const frame = plain(lastFrame());
    expect(frame).toContain('ALERTS (1 firing)');
    expect(frame).toContain('▲ blockRate 20% > 5%');
    release();
  });

  it('a failing webhook is shown in the status line; the dashboard keeps running', async () => {
    const port = await closedPort();
    const source = fakeSource((q) => makeReport({ traffic: [{ user: 'u', plan: 'free', endpoint: 'GET|/x', allowed: 1, blocked: 1 }], query: q }));
    const { lastFrame } = render(<Dashboard source={source} color={false} now={now} intervalMs={30} alerts={[parseAlert('blocked>0')]} webhookUrl={`http://127.0.0.1:${port}/hook`} />);
    await waitFor(() => expect(plain(lastFrame())).toContain('webhook failed: blocked>0 firing not delivered: ECONNREFUSED'));
    const fetched = source.queries.length;
    await waitFor(() => expect(source.queries.length).toBeGreaterThan(fetched + 1));
    expect(plain(lastFrame())).toContain('ALERTS (1 firing)');
  });

  it('says when alerts are watched and none fires', async () => {
    const source = fakeSource((q: Parameters<typeof sampleReport>[0]): AnalyticsReport => sampleReport(q));
    const { lastFrame } = render(<Dashboard source={source} color={false} now={now} alerts={[parseAlert('blockRate>50%')]} />);
    await waitFor(() => expect(plain(lastFrame())).toContain('alerts: 1 watched, none firing'));
    expect(plain(lastFrame())).not.toContain('ALERTS');
  });
});
