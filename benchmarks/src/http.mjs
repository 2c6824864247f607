// The HTTP overhead benchmark: requests per second of a minimal Express 5 app, bare and with
// each rate limiter, under autocannon load. Every round starts a fresh server in its own
// child process (src/http-server.mjs); autocannon runs here, in the parent, so the server
// and the load generator never share an event loop. Rounds of all variants are interleaved
// (the order rotates every pass). The CLI is http-run.mjs; the smoke test calls
// runHttpBenchmarks() in quick mode.
import { execFileSync, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { clearTimeout, setTimeout } from 'node:timers';
import { setTimeout as delay } from 'node:timers/promises';
import { URL, fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { environment, median } from './harness.mjs';
import { VARIANTS } from './http-server.mjs';

const SERVER = fileURLToPath(new URL('./http-server.mjs', import.meta.url));

/** The path requested (route `GET /api/items/:id`). */
export const REQUEST_PATH = '/api/items/42';

/** The default variants, in their base order. */
// The two floors (an empty middleware; one that only sets LimitRate's default headers) show
// how much of any limiter's cost is the middleware slot and the headers themselves.
export const DEFAULT_VARIANTS = ['bare', 'noop', 'headers-only', 'express-rate-limit', 'limitrate', 'limitrate-draft'];
export const ALL_VARIANTS = Object.keys(VARIANTS);

/** Scenarios: who the requests come from. */
export const HTTP_SCENARIOS = [
  { id: 'one-user', users: 'one', title: 'One client: every request counts against one key (the client IP, each library\'s default)' },
  { id: 'many-users', users: 'many', title: 'Many users: the key is the x-user-id header, rotated over N distinct values (identifyUser / keyGenerator)' },
];

/**
 * The targets: ratios of median requests per second in the same scenario (`metric: 'rps'`).
 * The `metric: 'cpu'` rows (information, not targets) compare the server's CPU time per
 * request instead (versus / subject, so higher is better as for req/s): on a shared
 * machine the server does not always get a core to itself, and its req/s then follow its
 * share of the CPU as much as its cost; CPU time per request follows the cost.
 */
const TARGET_BASE = [
  { key: 'H1', versus: 'bare', target: 0.95, what: 'LimitRate costs at most 5% of bare Express' },
  { key: 'H2', versus: 'express-rate-limit', target: 1.15, what: 'LimitRate >= 1.15x express-rate-limit' },
];
export const HTTP_TARGETS = ['one-user', 'many-users'].flatMap((scenario) =>
  ['rps', 'cpu', 'mw'].flatMap((metric) =>
    TARGET_BASE.map((b) => ({ id: `${b.key}.${scenario}${metric === 'rps' ? '' : `.${metric}`}`, scenario, subject: 'limitrate', versus: b.versus, target: b.target, metric, info: metric !== 'rps', what: b.what })),
  ),
);

/**
 * The `mw` rows (information): the req/s ratio that the middleware times predict, with
 * bare Express's CPU time per request as the base. A variant's own cost is its middleware
 * time minus the empty middleware's (the timing and the middleware slot), so the model is
 * base / (base + cost) against bare, (base + cost of ERL) / (base + cost) against ERL.
 */
function predictedRatio(sc, subject, versus) {
  const base = sc.variants.bare?.serverCpuUsPerReq;
  const floor = sc.variants.noop?.middlewareUsPerReq;
  const cost = (v) => {
    const mw = sc.variants[v]?.middlewareUsPerReq;
    return mw === undefined || floor === undefined ? undefined : Math.max(0, mw - floor);
  };
  const a = cost(subject);
  const b = versus === 'bare' ? 0 : cost(versus);
  if (base === undefined || a === undefined || b === undefined) return undefined;
  return (base + b) / (base + a);
}

export const HTTP_FULL = { passes: 5, connections: 50, warmupSec: 2, durationSec: 8, users: 10_000 };
export const HTTP_QUICK = { passes: 1, connections: 4, warmupSec: 0.5, durationSec: 1, users: 200 };

function packageVersion(name) {
  const url = new URL(`../node_modules/${name}/package.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')).version;
}

/** Whether a folder of the repo differs from the commit (tracked files only). */
function gitDirty(folder) {
  try {
    const cwd = fileURLToPath(new URL('../..', import.meta.url));
    return execFileSync('git', ['status', '--porcelain', '--untracked-files=no', '--', folder], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== '';
  } catch {
    return undefined;
  }
}

/**
 * Starts one server child. Resolves with `{ port, cpu(), stop() }` once it listens.
 * `execArgv` adds Node flags (e.g. --cpu-prof).
 */
export function startServer(variant, users, { execArgv = [], timeoutMs = 30_000, script = SERVER } = {}) {
  return new Promise((resolve, reject) => {
    const child = fork(script, [JSON.stringify({ variant, users })], {
      execArgv,
      env: { ...process.env, NODE_ENV: 'production' },
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`server ${variant} did not start within ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server ${variant} exited before listening (code ${code}, signal ${signal})\n${stderr}`));
    });
    const waiters = [];
    child.on('message', (m) => {
      if (m?.type === 'ready') {
        clearTimeout(timer);
        resolve({
          port: m.port,
          pid: m.pid,
          /** The server process's CPU time so far (µs, user + system) and the requests its route has answered. */
          cpu() {
            return new Promise((res) => {
              waiters.push(res);
              child.send('cpu');
            });
          },
          async stop() {
            if (child.exitCode === null && child.signalCode === null) {
              if (child.connected) child.send('stop');
              const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
              const r = await exited;
              clearTimeout(killer);
              return { ...r, stderr };
            }
            return { code: child.exitCode, signal: child.signalCode, stderr };
          },
        });
      } else if (m?.type === 'cpu') {
        waiters.shift()?.({ us: m.user + m.system, served: m.served, middlewareMs: m.middlewareMs, middlewareCalls: m.middlewareCalls });
      }
    });
  });
}

/** An error that retrying cannot fix: the benchmark would measure the wrong thing. */
function fatal(message) {
  return Object.assign(new Error(message), { fatal: true });
}

/** A rate-limit header's value as a number, or undefined. */
/** What is left, from X-RateLimit-Remaining, else the draft `RateLimit` field's `r` parameter. */
const remainingOf = (h) => {
  const legacy = h.get('x-ratelimit-remaining');
  if (legacy !== null) return Number(legacy);
  const draft = /(?:^|;)\s*r=(\d+)/.exec(h.get('ratelimit') ?? '');
  return draft === null ? undefined : Number(draft[1]);
};

/**
 * Three requests before the load: checks the route answers 200 with JSON, records the
 * headers each variant sends, and checks the limiter counts per key as configured
 * (same key twice: remaining drops by 1; with many users, another user starts fresh).
 */
export async function probe(port, variant, users) {
  const url = `http://127.0.0.1:${port}${REQUEST_PATH}`;
  const get = async (user) => {
    const res = await globalThis.fetch(url, { headers: { 'x-user-id': user, connection: 'close' } });
    const body = await res.text();
    if (res.status !== 200) throw fatal(`${variant}: probe got HTTP ${res.status}: ${body}`);
    JSON.parse(body);
    return res.headers;
  };
  const a1 = await get('probe-a');
  const a2 = await get('probe-a');
  const b1 = await get('probe-b');
  const rateLimitHeaders = [];
  let headerBytes = 0;
  for (const [name, value] of a1) {
    if (/ratelimit|retry-after/i.test(name)) {
      rateLimitHeaders.push(`${name}: ${value}`);
      headerBytes += name.length + value.length + 4;
    }
  }
  if (VARIANTS[variant]?.floor === true) {
    // A floor variant limits nothing: there is no count to check.
  } else if (variant !== 'bare') {
    const r1 = remainingOf(a1);
    const r2 = remainingOf(a2);
    const r3 = remainingOf(b1);
    if (r1 === undefined || r2 !== r1 - 1) throw fatal(`${variant}: the remaining count did not drop over the probe requests (${r1}, ${r2})`);
    const expected = users === 'many' ? r1 : r2 - 1;
    if (r3 !== expected) throw fatal(`${variant} (${users}): another x-user-id left ${r3}, expected ${expected}`);
  } else if (rateLimitHeaders.length > 0) {
    throw fatal(`bare: unexpected rate-limit headers ${rateLimitHeaders.join(', ')}`);
  }
  return { rateLimitHeaders, headerBytes };
}

/** The nearest-rank percentile of sorted values. */
function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

/**
 * One autocannon run against the server. With `users: 'many'`, requests carry
 * `x-user-id: user-<i>` for `userCount` values of i: connection k of C cycles through the
 * users i with i % C === k (10,000 users over 50 connections: 200 each), given to it as
 * prebuilt requests (autocannon's `setupClient` + `client.setRequests`), so the load
 * generator builds no request while it runs, just as with one user. With `record`, every
 * response's latency (ms, float) is kept for exact percentiles.
 */
export function load(port, { users, userCount, connections, durationSec, record }) {
  let clientIndex = 0;
  const opts = {
    url: `http://127.0.0.1:${port}${REQUEST_PATH}`,
    connections,
    duration: durationSec,
    pipelining: 1,
    // autocannon stops at the first sample tick after `duration`: 250 ms ticks keep short
    // (quick) runs short. Only its per-tick request histogram depends on it (unused here).
    sampleInt: 250,
    ...(users === 'many'
      ? {
          setupClient(client) {
            const k = clientIndex++ % connections;
            const requests = [];
            for (let i = k; i < userCount; i += connections) requests.push({ headers: { 'x-user-id': `user-${i}` } });
            if (requests.length === 0) requests.push({ headers: { 'x-user-id': `user-${k % userCount}` } });
            client.setRequests(requests);
          },
        }
      : {}),
  };
  let lat = new Float64Array(1 << 16);
  let n = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon(opts, (err, result) => {
      if (err) {
        reject(err);
        return;
      }
      const sorted = lat.subarray(0, n).sort();
      let sum = 0;
      for (let i = 0; i < n; i++) sum += sorted[i];
      resolve({
        requests: result.requests.total,
        durationSec: result.duration,
        reqPerSec: result.requests.total / result.duration,
        errors: result.errors,
        timeouts: result.timeouts,
        non2xx: result.non2xx,
        latencyMs: record ? { p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted[n - 1], mean: sum / n, samples: n } : undefined,
      });
    });
    if (record) {
      instance.on('response', (_client, _status, _bytes, responseTime) => {
        if (n === lat.length) {
          const bigger = new Float64Array(lat.length * 2);
          bigger.set(lat);
          lat = bigger;
        }
        lat[n++] = responseTime;
      });
    }
  });
}

/** One round: fresh server, probe, warm-up, measured run, stop. */
async function runRound(variant, scenario, cfg, execArgv) {
  const server = await startServer(variant, scenario.users, { execArgv });
  try {
    const p = await probe(server.port, variant, scenario.users);
    const common = { users: scenario.users, userCount: cfg.users, connections: cfg.connections };
    const warm = await load(server.port, { ...common, durationSec: cfg.warmupSec, record: false });
    const cpu0 = await server.cpu();
    const r = await load(server.port, { ...common, durationSec: cfg.durationSec, record: true });
    const cpu1 = await server.cpu();
    for (const [what, run] of [
      ['warm-up', warm],
      ['run', r],
    ]) {
      if (run.errors !== 0 || run.non2xx !== 0 || run.requests === 0) {
        throw fatal(`${scenario.id} ${variant} ${what}: ${run.requests} requests, ${run.errors} errors (${run.timeouts} timeouts), ${run.non2xx} non-2xx: the benchmark must never be refused`);
      }
    }
    const cpuUs = cpu1.us - cpu0.us;
    const calls = cpu1.middlewareCalls - cpu0.middlewareCalls;
    const middlewareUsPerReq = calls > 0 ? ((cpu1.middlewareMs - cpu0.middlewareMs) * 1000) / calls : undefined;
    return { ...r, warmupRequests: warm.requests, servedTotal: cpu1.served, serverCpuUsPerReq: cpuUs / r.requests, serverBusy: cpuUs / (r.durationSec * 1e6), middlewareUsPerReq, probe: p };
  } finally {
    const s = await server.stop();
    if (s.code !== 0 && s.code !== null) process.stderr.write(`  server ${variant} exited with code ${s.code}\n${s.stderr}`);
  }
}

/**
 * Runs the HTTP benchmark and returns its results (see results/http-latest.json).
 * Options: `quick`, any field of HTTP_FULL to override it, `only` (scenario ids),
 * `variants` (names; default DEFAULT_VARIANTS), `cpuProf` ({ dir, variants }: run those
 * variants' servers under --cpu-prof), `log`.
 */
export async function runHttpBenchmarks(options = {}) {
  const cfg = { ...(options.quick ? HTTP_QUICK : HTTP_FULL) };
  for (const k of Object.keys(HTTP_FULL)) if (options[k] !== undefined) cfg[k] = options[k];
  const log = options.log ?? (() => {});
  const variants = options.variants ?? DEFAULT_VARIANTS;
  for (const v of variants) if (VARIANTS[v] === undefined) throw new Error(`unknown variant ${v} (known: ${ALL_VARIANTS.join(', ')})`);
  const scenarios = HTTP_SCENARIOS.filter((s) => !options.only || options.only.includes(s.id));
  if (scenarios.length === 0) throw new Error(`no scenario selected (known: ${HTTP_SCENARIOS.map((s) => s.id).join(', ')})`);
  const started = performance.now();
  const env = environment();
  env.versions = {
    ...env.versions,
    '@limitrate/express': JSON.parse(readFileSync(new URL('../../packages/express/package.json', import.meta.url), 'utf8')).version,
    express: packageVersion('express'),
    autocannon: packageVersion('autocannon'),
  };
  if (env.git) env.git.expressDirty = gitDirty('packages/express');
  const loadBefore = os.loadavg()[0];

  const rounds = new Map();
  for (const s of scenarios) for (const v of variants) rounds.set(`${s.id} ${v}`, []);
  const probes = {};
  const profiles = [];
  for (let pass = 0; pass < cfg.passes; pass++) {
    const scOrder = pass % 2 === 0 ? scenarios : [...scenarios].reverse();
    for (const scenario of scOrder) {
      const shift = pass % variants.length;
      const order = [...variants.slice(shift), ...variants.slice(0, shift)];
      for (const variant of order) {
        const prof = options.cpuProf && options.cpuProf.variants.includes(variant) ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProf.dir}`, `--cpu-prof-name=${scenario.id}.${variant}.pass${pass + 1}.cpuprofile`] : [];
        let r;
        for (let attempt = 1; ; attempt++) {
          try {
            r = await runRound(variant, scenario, cfg, prof);
            break;
          } catch (error) {
            // A failed start (e.g. a dist being rebuilt at that moment) is retried; a refused
            // or failed request is not: it means the benchmark measured the wrong thing.
            if (attempt >= 4 || error.fatal === true) throw error;
            log(`${scenario.id} ${variant}: attempt ${attempt} failed (${String(error.message).split('\n')[0]}); retrying in 5 s`);
            await delay(5000);
          }
        }
        if (prof.length > 0) profiles.push({ file: path.join(options.cpuProf.dir, prof[2].slice('--cpu-prof-name='.length)), scenario: scenario.id, variant, pass: pass + 1, requests: r.servedTotal });
        probes[variant] ??= {};
        probes[variant][scenario.id] = r.probe;
        rounds.get(`${scenario.id} ${variant}`).push(r);
        log(
          `pass ${pass + 1}/${cfg.passes}  ${scenario.id.padEnd(10)} ${variant.padEnd(26)} ${fmtInt(r.reqPerSec).padStart(7)} req/s  p50 ${r.latencyMs.p50.toFixed(2)} ms  p99 ${r.latencyMs.p99.toFixed(2)} ms  server CPU ${r.serverCpuUsPerReq.toFixed(1)} µs/req, busy ${(r.serverBusy * 100).toFixed(0)}%  load ${os.loadavg()[0].toFixed(2)}`,
        );
      }
    }
  }

  const http = {};
  for (const s of scenarios) {
    http[s.id] = { title: s.title, users: s.users === 'many' ? cfg.users : 1, variants: {} };
    for (const v of variants) {
      const all = rounds.get(`${s.id} ${v}`);
      const rps = all.map((r) => r.reqPerSec);
      http[s.id].variants[v] = {
        label: VARIANTS[v].label,
        reqPerSec: median(rps),
        min: Math.min(...rps),
        max: Math.max(...rps),
        rounds: all.length,
        latencyMs: {
          p50: median(all.map((r) => r.latencyMs.p50)),
          p99: median(all.map((r) => r.latencyMs.p99)),
          mean: median(all.map((r) => r.latencyMs.mean)),
        },
        serverCpuUsPerReq: median(all.map((r) => r.serverCpuUsPerReq)),
        serverBusy: median(all.map((r) => r.serverBusy)),
        middlewareUsPerReq: all[0].middlewareUsPerReq === undefined ? undefined : median(all.map((r) => r.middlewareUsPerReq)),
        requests: all.reduce((a, r) => a + r.requests, 0),
        samples: all.map((r) => ({
          reqPerSec: Math.round(r.reqPerSec),
          requests: r.requests,
          durationSec: r.durationSec,
          p50: round3(r.latencyMs.p50),
          p99: round3(r.latencyMs.p99),
          serverCpuUsPerReq: round3(r.serverCpuUsPerReq),
          serverBusy: round3(r.serverBusy),
          middlewareUsPerReq: r.middlewareUsPerReq === undefined ? undefined : round3(r.middlewareUsPerReq),
        })),
        rateLimitHeaders: probes[v]?.[s.id]?.rateLimitHeaders ?? [],
        headerBytes: probes[v]?.[s.id]?.headerBytes ?? 0,
      };
    }
  }

  const results = {
    kind: 'http',
    environment: env,
    quick: options.quick === true,
    config: { ...cfg, variants, requestPath: REQUEST_PATH, route: 'GET /api/items/:id', loadGenerator: 'autocannon in the parent process, keep-alive, pipelining 1', nodeEnv: 'production' },
    durationSec: 0,
    http,
    targets: [],
    ...(profiles.length > 0 ? { profiles } : {}),
  };
  results.environment.loadavg1m = { start: round2(loadBefore), end: round2(os.loadavg()[0]) };
  results.targets = evaluateHttpTargets(results);
  results.durationSec = Math.round((performance.now() - started) / 100) / 10;
  return results;
}

/** Each target's measured ratio and verdict (undefined when a side was not measured), with the ratio of every pass. */
export function evaluateHttpTargets(results) {
  return HTTP_TARGETS.map((t) => {
    const sc = results.http[t.scenario];
    const a = sc?.variants[t.subject];
    const b = sc?.variants[t.versus];
    let value;
    let perPass;
    if (t.metric === 'mw') {
      if (sc !== undefined) value = predictedRatio(sc, t.subject, t.versus);
    } else if (a !== undefined && b !== undefined) {
      if (t.metric === 'rps') {
        value = a.reqPerSec / b.reqPerSec;
        perPass = a.samples.map((x, i) => round3(x.reqPerSec / b.samples[i].reqPerSec));
      } else {
        value = b.serverCpuUsPerReq / a.serverCpuUsPerReq;
        perPass = a.samples.map((x, i) => round3(b.samples[i].serverCpuUsPerReq / x.serverCpuUsPerReq));
      }
    }
    return {
      id: t.id,
      description:
        t.metric === 'rps'
          ? `${t.scenario}: ${t.subject} / ${t.versus} req/s >= ${t.target}x`
          : t.metric === 'cpu'
            ? `${t.scenario}: ${t.versus} / ${t.subject} server CPU per request >= ${t.target}x`
            : `${t.scenario}: ${t.subject} / ${t.versus} req/s predicted from middleware time >= ${t.target}x`,
      what: t.what,
      metric: t.metric,
      info: t.info,
      value,
      perPass,
      target: t.target,
      met: value === undefined ? undefined : value >= t.target,
    };
  });
}

const round2 = (n) => Math.round(n * 100) / 100;
const round3 = (n) => Math.round(n * 1000) / 1000;
const fmtInt = (n) => Math.round(n).toLocaleString('en-US');
const pad = (s, n) => String(s).padEnd(n);
const lpad = (s, n) => String(s).padStart(n);

/** A variant's extra server time per request vs bare, from req/s (µs; the server is one thread). */
function extraUs(sc, v) {
  const bare = sc.variants.bare?.reqPerSec;
  if (bare === undefined || v === 'bare') return '';
  return (1e6 / sc.variants[v].reqPerSec - 1e6 / bare).toFixed(1);
}

const mwUs = (s) => (s.middlewareUsPerReq === undefined ? '' : s.middlewareUsPerReq.toFixed(1));
const busy = (s) => (s.serverBusy === undefined ? '' : `${Math.round(s.serverBusy * 100)}%`);

function ratio(sc, v, versus) {
  const b = sc.variants[versus]?.reqPerSec;
  return b === undefined || v === versus ? '' : `${(sc.variants[v].reqPerSec / b).toFixed(3)}x`;
}

/** The printed report. */
export function formatHttpReport(results) {
  const e = results.environment;
  const c = results.config;
  const L = [];
  L.push(`LimitRate HTTP overhead benchmark (Express)${results.quick ? '  (QUICK MODE: tiny sizes, figures not representative)' : ''}`);
  L.push(`date ${e.date}  node ${e.node} (V8 ${e.v8})  ${e.platform}`);
  L.push(`cpu ${e.cpu} x ${e.cores}  memory ${e.memoryGiB} GiB  load average (1 min) ${e.loadavg1m.start} at start, ${e.loadavg1m.end} at end`);
  const dirty = e.git ? [e.git.coreDirty ? 'packages/core' : '', e.git.expressDirty ? 'packages/express' : ''].filter(Boolean).join(' and ') : '';
  const rev = e.git ? ` (commit ${e.git.commit}${dirty ? `, ${dirty} with uncommitted changes` : ''})` : '';
  L.push(`@limitrate/core ${e.versions['@limitrate/core']}${rev}  @limitrate/express ${e.versions['@limitrate/express']}  express ${e.versions.express}  express-rate-limit ${e.versions['express-rate-limit']}  autocannon ${e.versions.autocannon}`);
  L.push(
    `method: ${c.route} on 127.0.0.1, server in a child process (NODE_ENV=production), autocannon in the parent: ${c.connections} keep-alive connections; per round a fresh server, ${c.warmupSec} s warm-up, ${c.durationSec} s measured; ${c.passes} interleaved pass(es), order rotating; median of ${c.passes} round(s)`,
  );
  for (const [id, sc] of Object.entries(results.http)) {
    L.push('');
    L.push(`${id}: ${sc.title}${sc.users > 1 ? ` (${fmtInt(sc.users)} users)` : ''}`);
    const head = `${pad('variant', 26)} ${lpad('req/s', 8)}  ${pad('[min .. max]', 19)} ${lpad('/bare', 7)} ${lpad('/ERL', 7)} ${lpad('+µs/req', 8)} ${lpad('p50 ms', 7)} ${lpad('p99 ms', 7)} ${lpad('CPU µs/req', 10)} ${lpad('mw µs', 6)} ${lpad('busy', 5)} ${lpad('hdrs', 4)}`;
    L.push(head);
    L.push('-'.repeat(head.length));
    for (const [v, s] of Object.entries(sc.variants)) {
      L.push(
        `${pad(v, 26)} ${lpad(fmtInt(s.reqPerSec), 8)}  ${pad(`[${fmtInt(s.min)} .. ${fmtInt(s.max)}]`, 19)} ${lpad(ratio(sc, v, 'bare'), 7)} ${lpad(v === 'express-rate-limit' ? '' : ratio(sc, v, 'express-rate-limit'), 7)} ${lpad(extraUs(sc, v), 8)} ${lpad(s.latencyMs.p50.toFixed(2), 7)} ${lpad(s.latencyMs.p99.toFixed(2), 7)} ${lpad(s.serverCpuUsPerReq.toFixed(1), 10)} ${lpad(mwUs(s), 6)} ${lpad(busy(s), 5)} ${lpad(s.rateLimitHeaders.length, 4)}`,
      );
    }
  }
  L.push('');
  L.push("+µs/req: 1e6 / req/s minus bare's (extra server time per request); CPU µs/req: the server process's CPU time (user + system) per request in the measured run;");
  L.push('mw µs: time in the middleware, from its call to its next(), per request (timing included: see noop)');
  L.push('busy: that CPU time / the run\'s duration (near 100%: the one-threaded server was the bottleneck, not the load generator)');
  L.push('');
  L.push('Rate-limit headers sent (first probe request):');
  const seen = new Set();
  for (const sc of Object.values(results.http)) {
    for (const [v, s] of Object.entries(sc.variants)) {
      if (seen.has(v)) continue;
      seen.add(v);
      L.push(`  ${pad(v, 26)} ${s.rateLimitHeaders.length === 0 ? '(none)' : s.rateLimitHeaders.join(' | ')}`);
    }
  }
  L.push('');
  L.push('Targets');
  for (const t of results.targets) {
    const v = t.value === undefined ? 'n/a' : `${t.value.toFixed(3)}x`;
    const verdict = t.met === undefined ? 'NOT MEASURED' : t.met ? 'MET' : 'NOT MET';
    const passes = t.perPass ? `  (per pass: ${t.perPass.map((x) => x.toFixed(2)).join(', ')})` : '';
    L.push(`${pad(t.id, 19)} ${pad(t.description, 92)} ${lpad(v, 8)}  ${t.info ? `(info) ${verdict.toLowerCase()}` : verdict}${passes}`);
  }
  const starved = Object.entries(results.http).flatMap(([id, sc]) => Object.entries(sc.variants).filter(([, s]) => s.serverBusy < 0.85).map(([v, s]) => `${id} ${v} ${Math.round(s.serverBusy * 100)}%`));
  if (starved.length > 0) {
    L.push('');
    L.push(`NOTE: the server was busy less than 85% of the time in ${starved.join(', ')}: it waited for the CPU (other processes on the machine) or for the load generator, so req/s there reflect the CPU share it got as much as its cost; see the CPU-per-request rows.`);
  }
  L.push('');
  L.push(`total ${results.durationSec} s`);
  return L.join('\n');
}

/** The figures as Markdown (for the README). */
export function formatHttpMarkdown(results) {
  const e = results.environment;
  const c = results.config;
  const L = [];
  const dirty = e.git ? [e.git.coreDirty ? 'packages/core' : '', e.git.expressDirty ? 'packages/express' : ''].filter(Boolean).join(' and ') : '';
  const rev = e.git ? `, commit \`${e.git.commit}\`${dirty ? ` (${dirty} with uncommitted changes)` : ''}` : '';
  L.push(
    `Measured ${e.date.slice(0, 10)} (${e.date}), Node ${e.node} (V8 ${e.v8}), ${e.cpu} x ${e.cores} cores, ${e.platform}${rev}; express ${e.versions.express}, @limitrate/express ${e.versions['@limitrate/express']}, express-rate-limit ${e.versions['express-rate-limit']}, autocannon ${e.versions.autocannon}.`,
  );
  L.push(
    `Load average (1 min) ${e.loadavg1m.start} at start, ${e.loadavg1m.end} at end. ${c.connections} connections, ${c.passes} passes x (${c.warmupSec} s warm-up + ${c.durationSec} s measured) per variant; median of ${c.passes} rounds. Total ${Math.round(results.durationSec)} s.`,
  );
  for (const [id, sc] of Object.entries(results.http)) {
    L.push('');
    L.push(`\`${id}\`${sc.users > 1 ? ` (${fmtInt(sc.users)} users)` : ''}:`);
    L.push('');
    L.push('| variant | req/s (median) | min .. max | vs bare | vs ERL | extra µs/req | p50 ms | p99 ms | server CPU µs/req | middleware µs/req | server busy |');
    L.push('|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const [v, s] of Object.entries(sc.variants)) {
      L.push(
        `| ${v} | ${fmtInt(s.reqPerSec)} | ${fmtInt(s.min)} .. ${fmtInt(s.max)} | ${ratio(sc, v, 'bare')} | ${v === 'express-rate-limit' ? '' : ratio(sc, v, 'express-rate-limit')} | ${extraUs(sc, v)} | ${s.latencyMs.p50.toFixed(2)} | ${s.latencyMs.p99.toFixed(2)} | ${s.serverCpuUsPerReq.toFixed(1)} | ${mwUs(s)} | ${busy(s)} |`,
      );
    }
  }
  L.push('');
  L.push('| target | check | measured (ratio of medians) | per pass | verdict |');
  L.push('|---|---|---:|---|---|');
  for (const t of results.targets) {
    const v = t.value === undefined ? 'n/a' : `${t.value.toFixed(3)}x`;
    const verdict = t.met === undefined ? 'not measured' : t.info ? `info: ${t.met ? 'would meet' : 'below'}` : t.met ? '**met**' : '**NOT met**';
    L.push(`| \`${t.id}\` | ${t.description} | ${v} | ${t.perPass ? t.perPass.map((x) => x.toFixed(2)).join(', ') : ''} | ${verdict} |`);
  }
  return L.join('\n');
}
