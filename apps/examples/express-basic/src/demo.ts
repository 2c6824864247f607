// The live demo (`npm run demo` at the repository root): starts the express-basic app on
// the in-memory store with its analytics served at /limitrate, drives it with simulated
// users on the three plans, and shows the LimitRate dashboard (@limitrate/cli, the same as
// `npx limitrate dashboard`) reading that endpoint, until q, Ctrl-C or --duration stops it.
// On a pipe (not a terminal) it prints a plain line a second instead.
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { parseArgs } from 'node:util';
import { createApp, listen, PLANS, policies } from './app.js';
import { ANSI, fit, frame, palette, plainLine, summary, type ScreenContext } from './demo/screen.js';
import { DemoStats, type Counts } from './demo/stats.js';
import { clients } from './demo/traffic.js';

const USAGE = `Usage: npm run demo [-- options]   (or: pnpm demo [options])

Options:
  --duration <seconds>  stop by itself after this long (default: run until Ctrl-C)
  --port <port>         port to listen on, on 127.0.0.1 (default: any free port)
  --interval <seconds>  how often the numbers are refreshed (default: 1)
  --no-color            no colours (also when NO_COLOR is set)
  --plain               plain lines even on a terminal (no dashboard)
  -h, --help            this help`;

function fail(message: string): never {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(2);
}

function number(name: string, value: string | undefined, fallback: number | undefined, ok: (n: number) => boolean): number | undefined {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || !ok(n)) fail(`--${name}: invalid value "${value}"`);
  return n;
}

let args: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    options: {
      duration: { type: 'string' },
      port: { type: 'string' },
      interval: { type: 'string' },
      'no-color': { type: 'boolean' },
      plain: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
}
try {
  args = parse();
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
if (args.values.help === true) {
  console.log(USAGE);
  process.exit(0);
}
const duration = number('duration', args.values.duration, undefined, (n) => n > 0);
const port = number('port', args.values.port, 0, (n) => Number.isInteger(n) && n >= 0 && n <= 65_535)!;
const interval = number('interval', args.values.interval, 1, (n) => n >= 0.1 && n <= 60)!;

const out = process.stdout;
/** The dashboard on a terminal; plain lines on a pipe or with --plain. */
const live = out.isTTY === true && args.values.plain !== true;
const tty = out.isTTY === true && !live;
const p = palette(tty && args.values['no-color'] !== true && !process.env.NO_COLOR);

// --- the app, the numbers and the traffic -----------------------------------------------------

const ENDPOINTS = ['GET|/api/items', 'GET|/api/items/:id', 'POST|/api/chat', 'GET|/api/quota'];
const stats = new DemoStats(PLANS, ENDPOINTS);
/** The inspector's token: made up for this run (the dashboard is the only one to use it). */
const token = randomBytes(18).toString('base64url');
const { app, limiter } = createApp({
  log: false, // the screen shows the events instead
  onEvent: (e) => stats.event(e),
  onRequest: (r) => stats.request(r),
  inspectorToken: token,
});

let started: Awaited<ReturnType<typeof listen>>;
try {
  started = await listen(app, port);
} catch (error) {
  console.error(`Could not listen on 127.0.0.1:${port}: ${error instanceof Error ? error.message : String(error)}`);
  await limiter.close();
  process.exit(1);
}
const { server, url } = started;
const cast = clients();
const stopTraffic = new AbortController();
// Every request in flight listens to it (a burst is 50 requests): more than the default 10.
setMaxListeners(500, stopTraffic.signal);
const traffic = Promise.allSettled(cast.map((c) => c.run({ url, signal: stopTraffic.signal })));
const ctx: ScreenContext = { url, stats, clients: cast, policies, duration };

// --- the screen -------------------------------------------------------------------------------

/** Requests per second of each row since the last frame. */
let seen = new Map<string, number>();
let seenAt = Date.now();
function render(): void {
  if (!tty) {
    out.write(`${plainLine(stats)}\n`);
    return;
  }
  const now = Date.now();
  const dt = Math.max((now - seenAt) / 1000, 0.001);
  const next = new Map<string, number>();
  const rate = (key: string, c: Counts): number => {
    next.set(key, c.requests);
    return (c.requests - (seen.get(key) ?? 0)) / dt;
  };
  const width = out.columns > 0 ? out.columns : 100;
  const height = out.rows > 0 ? out.rows - 1 : 60;
  const lines = frame(ctx, p, rate).slice(0, height).map((line) => fit(line, width));
  out.write(`${ANSI.home}${lines.join(`${ANSI.clearLine}\n`)}${ANSI.clearLine}${ANSI.clearBelow}`);
  seen = next;
  seenAt = now;
}

if (tty) {
  out.write(ANSI.hideCursor + ANSI.clearScreen);
  process.on('exit', () => out.write(ANSI.showCursor));
} else if (!live) {
  out.write(`LimitRate demo: express-basic on ${url} (memory store), ${cast.length} simulated clients on ${PLANS.join(', ')}; numbers every ${interval} s${duration === undefined ? ', Ctrl-C to stop' : ` for ${duration} s`}\n`);
}
if (tty) render();
const ticker = live ? undefined : setInterval(render, interval * 1000);

/** Stops the dashboard (q, Ctrl-C, --duration, SIGTERM): it resolves its promise then. */
const closeDashboard = new AbortController();
let dashboard: Promise<number> | undefined;
if (live) {
  // The dashboard of @limitrate/cli, reading this app's inspector over HTTP. ink draws
  // only a last frame when it thinks it runs in CI: this is a terminal, tell it so.
  for (const key of ['CI', 'CONTINUOUS_INTEGRATION']) if (key in process.env) process.env[key] = '0';
  const cli = await import('@limitrate/cli');
  const argv = ['dashboard', '--url', `${url}/limitrate`, '--token', token, '--interval', `${interval}s`, '--top', '8', '--alert', 'blockRate>40%', '--alert', 'p99>5ms'];
  if (args.values['no-color'] === true) argv.push('--no-color');
  const parsed = cli.parseArgs(argv, process.env);
  if (parsed.kind !== 'run') throw new Error('the demo built dashboard arguments the CLI does not take');
  dashboard = cli.runDashboard(parsed.options, cli.createSource(parsed.options), { signal: closeDashboard.signal });
  void dashboard.then(() => shutdown('the dashboard was closed (q or Ctrl-C)'));
}

// --- stopping: Ctrl-C, SIGTERM or --duration ----------------------------------------------------

let stopping = false;
let stoppingAt = 0;
async function shutdown(why: string): Promise<void> {
  if (stopping) {
    // Ctrl-C again while closing (not the same keypress relayed by npm or pnpm): leave now.
    if (why.includes('SIGINT') && Date.now() - stoppingAt > 1000) process.exit(130);
    return;
  }
  stoppingAt = Date.now();
  stopping = true;
  if (ticker !== undefined) clearInterval(ticker);
  closeDashboard.abort();
  await dashboard;
  stats.freeze();
  stopTraffic.abort();
  await Promise.race([traffic, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
  await limiter.close();
  if (tty) out.write(`${ANSI.home}${ANSI.clearBelow}${ANSI.showCursor}`);
  out.write(`${summary(ctx, p, why).join('\n')}\nServer and limiter closed.\n`);
  process.exitCode = 0;
  // Whatever else might linger (idle keep-alive sockets), leave shortly.
  setTimeout(() => process.exit(0), 200).unref();
}

process.on('SIGINT', () => void shutdown('Ctrl-C (SIGINT)'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
if (duration !== undefined) setTimeout(() => void shutdown(`--duration ${duration}`), duration * 1000);
