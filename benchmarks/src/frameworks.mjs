// The frameworks benchmark: HTTP overhead of LimitRate on Fastify and on Hono, in one run
// per framework: the bare framework, LimitRate's adapter (memory store) and the framework's
// usual limiter (@fastify/rate-limit, hono-rate-limiter), limits never reached. Same method
// as the Express benchmark (http.mjs): a fresh server per round in a child process
// (frameworks-server.mjs), autocannon in this process, rounds interleaved, medians.
import { URL, fileURLToPath } from 'node:url';
import { environment, median } from './harness.mjs';
import { HTTP_SCENARIOS, REQUEST_PATH, load, startServer } from './http.mjs';
import { FRAMEWORK_VARIANTS } from './frameworks-server.mjs';

const SCRIPT = fileURLToPath(new URL('./frameworks-server.mjs', import.meta.url));

export const FRAMEWORKS = {
  fastify: { bare: 'fastify-bare', limitrate: 'fastify-limitrate', legacy: 'fastify-limitrate-legacy', peer: 'fastify-rate-limit', peerName: '@fastify/rate-limit' },
  hono: { bare: 'hono-bare', limitrate: 'hono-limitrate', legacy: 'hono-limitrate-legacy', peer: 'hono-rate-limiter', peerName: 'hono-rate-limiter' },
};
export const FRAMEWORKS_FULL = { passes: 3, connections: 50, warmupSec: 2, durationSec: 5, users: 10_000 };
export const FRAMEWORKS_QUICK = { passes: 1, connections: 4, warmupSec: 0.3, durationSec: 0.7, users: 100 };

/** Checks the app answers 200 with JSON, and that a limiter counts (remaining drops by one). */
async function probe(port, variant) {
  const url = `http://127.0.0.1:${port}${REQUEST_PATH}`;
  const remaining = [];
  for (let i = 0; i < 2; i++) {
    const res = await globalThis.fetch(url, { headers: { 'x-user-id': 'probe', connection: 'close' } });
    const body = await res.text();
    if (res.status !== 200) throw new Error(`${variant}: probe got HTTP ${res.status}: ${body}`);
    JSON.parse(body);
    const r = res.headers.get('ratelimit-remaining') ?? res.headers.get('x-ratelimit-remaining');
    remaining.push(r === null ? undefined : Number(r));
  }
  const bare = FRAMEWORK_VARIANTS[variant].bare === true;
  if (bare && remaining[0] !== undefined) throw new Error(`${variant}: a bare app sent rate-limit headers`);
  if (!bare && !(remaining[1] === remaining[0] - 1)) throw new Error(`${variant}: remaining did not drop by one over the probe (${remaining.join(', ')})`);
}

async function round(variant, scenario, cfg) {
  const server = await startServer(variant, scenario.users, { script: SCRIPT });
  try {
    await probe(server.port, variant);
    const common = { users: scenario.users, userCount: cfg.users, connections: cfg.connections };
    await load(server.port, { ...common, durationSec: cfg.warmupSec, record: false });
    const cpu0 = await server.cpu();
    const r = await load(server.port, { ...common, durationSec: cfg.durationSec, record: true });
    const cpu1 = await server.cpu();
    if (r.errors !== 0 || r.non2xx !== 0 || r.requests === 0) throw new Error(`${scenario.id} ${variant}: ${r.requests} requests, ${r.errors} errors, ${r.non2xx} non-2xx: the benchmark must never be refused`);
    return { reqPerSec: r.reqPerSec, latencyMs: r.latencyMs, serverCpuUsPerReq: (cpu1.us - cpu0.us) / r.requests };
  } finally {
    await server.stop();
  }
}

/**
 * Runs the benchmark. Options: `quick`, fields of FRAMEWORKS_FULL, `frameworks` (names),
 * `only` (scenario ids), `log`. Resolves to the results (results/frameworks-latest.json).
 */
export async function runFrameworkBenchmarks(options = {}) {
  const cfg = { ...(options.quick ? FRAMEWORKS_QUICK : FRAMEWORKS_FULL) };
  for (const k of Object.keys(FRAMEWORKS_FULL)) if (options[k] !== undefined) cfg[k] = options[k];
  const frameworks = options.frameworks ?? Object.keys(FRAMEWORKS);
  const scenarios = HTTP_SCENARIOS.filter((s) => options.only === undefined || options.only.includes(s.id));
  const log = options.log ?? (() => {});
  const rounds = new Map();
  for (let pass = 0; pass < cfg.passes; pass++) {
    for (const fw of frameworks) {
      const f = FRAMEWORKS[fw];
      const variants = [f.bare, f.limitrate, f.legacy, f.peer];
      for (const scenario of scenarios) {
        const order = variants.map((_, i) => variants[(i + pass) % variants.length]);
        for (const variant of order) {
          const r = await round(variant, scenario, cfg);
          const key = `${scenario.id} ${variant}`;
          if (!rounds.has(key)) rounds.set(key, []);
          rounds.get(key).push(r);
          log(`pass ${pass + 1}/${cfg.passes}  ${scenario.id.padEnd(10)} ${variant.padEnd(20)} ${Math.round(r.reqPerSec).toLocaleString('en-US').padStart(8)} req/s  ${r.serverCpuUsPerReq.toFixed(1)} µs CPU/req`);
        }
      }
    }
  }
  const results = { kind: 'frameworks', environment: environment(), quick: options.quick === true, config: cfg, scenarios: {} };
  for (const scenario of scenarios) {
    const out = {};
    for (const fw of frameworks) {
      const f = FRAMEWORKS[fw];
      for (const variant of [f.bare, f.limitrate, f.legacy, f.peer]) {
        const all = rounds.get(`${scenario.id} ${variant}`);
        out[variant] = { label: FRAMEWORK_VARIANTS[variant].label, reqPerSec: median(all.map((r) => r.reqPerSec)), samples: all.map((r) => Math.round(r.reqPerSec)), serverCpuUsPerReq: median(all.map((r) => r.serverCpuUsPerReq)), p99Ms: median(all.map((r) => r.latencyMs.p99)) };
      }
    }
    results.scenarios[scenario.id] = out;
  }
  results.targets = evaluateFrameworkTargets(results, frameworks);
  return results;
}

/**
 * Per framework and scenario: F1 LimitRate >= 0.95x bare; F2 LimitRate >= 1.0x the peer
 * (req/s medians), both with LimitRate's default headers (six). Each with an information
 * row (`info`, no verdict of its own) comparing server CPU time per request instead
 * (versus / LimitRate, so higher is better as for req/s): on a shared machine req/s follow
 * the CPU share a server gets as much as its cost. F2h (information): F2 with LimitRate
 * sending three headers (`headers: 'legacy'`), as @fastify/rate-limit does by default.
 */
export function evaluateFrameworkTargets(results, frameworks = Object.keys(FRAMEWORKS)) {
  const rows = [];
  for (const [sid, sc] of Object.entries(results.scenarios)) {
    for (const fw of frameworks) {
      const f = FRAMEWORKS[fw];
      const lr = sc[f.limitrate];
      for (const [id, versus, target, what] of [
        ['F1', f.bare, 0.95, `LimitRate costs at most 5% of bare ${fw}`],
        ['F2', f.peer, 1.0, `LimitRate at least as fast as ${f.peerName}`],
      ]) {
        const v = sc[versus];
        const value = lr !== undefined && v !== undefined ? lr.reqPerSec / v.reqPerSec : undefined;
        rows.push({ id: `${id}.${fw}.${sid}`, what, value, target, met: value === undefined ? undefined : value >= target });
        const cpu = lr !== undefined && v !== undefined ? v.serverCpuUsPerReq / lr.serverCpuUsPerReq : undefined;
        rows.push({ id: `${id}.${fw}.${sid}.cpu`, what: `${what}, in server CPU time per request`, value: cpu, target, info: true });
      }
      const legacy = sc[f.legacy];
      const peer = sc[f.peer];
      if (legacy !== undefined && peer !== undefined) {
        rows.push({ id: `F2h.${fw}.${sid}`, what: `LimitRate with headers: 'legacy' (three) against ${f.peerName}`, value: legacy.reqPerSec / peer.reqPerSec, target: 1.0, info: true });
        rows.push({ id: `F2h.${fw}.${sid}.cpu`, what: `LimitRate with headers: 'legacy' (three) against ${f.peerName}, in server CPU time per request`, value: peer.serverCpuUsPerReq / legacy.serverCpuUsPerReq, target: 1.0, info: true });
      }
    }
  }
  return rows;
}

/** The figures as Markdown (README). */
export function formatFrameworkMarkdown(results) {
  const e = results.environment;
  const L = [`Measured ${e.date.slice(0, 10)}, Node ${e.node}, ${e.cpu} x ${e.cores} cores; autocannon ${results.config.connections} connections; ${results.config.passes} passes x ${results.config.durationSec} s, medians.${results.quick ? ' QUICK MODE: figures not representative.' : ''}`];
  for (const [sid, sc] of Object.entries(results.scenarios)) {
    L.push('', `\`${sid}\`:`, '', '| variant | req/s | passes | server CPU µs/req | p99 ms |', '|---|---:|---|---:|---:|');
    for (const [v, r] of Object.entries(sc)) L.push(`| ${v} | ${Math.round(r.reqPerSec).toLocaleString('en-US')} | ${r.samples.map((x) => x.toLocaleString('en-US')).join(', ')} | ${r.serverCpuUsPerReq.toFixed(1)} | ${r.p99Ms.toFixed(2)} |`);
  }
  L.push('', '| target | measured | verdict |', '|---|---:|---|');
  for (const t of results.targets) {
    const verdict = t.info ? 'information' : t.met === undefined ? 'not measured' : t.met ? '**met**' : '**NOT met**';
    L.push(`| ${t.id}: ${t.what} (>= ${t.target}x) | ${t.value === undefined ? 'n/a' : `${t.value.toFixed(3)}x`} | ${verdict} |`);
  }
  return L.join('\n');
}
