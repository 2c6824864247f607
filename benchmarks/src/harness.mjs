// Runs every scenario in child processes (one per library and run), interleaved, and turns
// the rounds into medians, ratios and target checks. The CLI is run.mjs; the smoke test
// calls runBenchmarks() directly with tiny sizes.
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { setTimeout as delay } from 'node:timers/promises';
import { URL, fileURLToPath } from 'node:url';
import { HEAP_SUBJECTS } from './heap-worker.mjs';
import { SUBJECTS } from './subjects.mjs';

const THROUGHPUT_WORKER = fileURLToPath(new URL('./throughput-worker.mjs', import.meta.url));
const HEAP_WORKER = fileURLToPath(new URL('./heap-worker.mjs', import.meta.url));

export { HEAP_SUBJECTS, SUBJECTS };

/** Throughput scenarios. `keys: 'many'` is the round-robin key set (100,000 by default). */
export const SCENARIOS = [
  {
    id: 'store.hot',
    title: 'Store consume, fixed window, one hot key, limit never reached',
    keys: 'hot',
    subjects: ['limitrate', 'limitrate-awaited', 'express-rate-limit', 'rate-limiter-flexible'],
  },
  {
    id: 'store.100k',
    title: 'Store consume, fixed window, 100,000 keys round-robin, limit never reached',
    keys: 'many',
    subjects: ['limitrate', 'limitrate-awaited', 'express-rate-limit', 'rate-limiter-flexible'],
  },
  {
    id: 'check.hot',
    title: 'Full RateLimiter.check() (memory store) vs rate-limiter-flexible consume, one hot user',
    keys: 'hot',
    subjects: ['limitrate-check', 'limitrate-checknow', 'rate-limiter-flexible'],
  },
  {
    id: 'check.100k',
    title: 'Full RateLimiter.check() (memory store) vs rate-limiter-flexible consume, 100,000 users round-robin',
    keys: 'many',
    subjects: ['limitrate-check', 'limitrate-checknow', 'rate-limiter-flexible'],
  },
];

export const HEAP_SCENARIO = {
  id: 'heap.1m',
  title: 'Memory per tracked key (V8 heap + ArrayBuffer backing stores), key strings excluded',
  subjects: ['limitrate-fixed-window', 'limitrate-gcra', 'express-rate-limit', 'rate-limiter-flexible', 'limitrate-check'],
};

/**
 * The targets. `kind: 'min'` means value >= target (a speed ratio), `'max'` value <= target
 * (bytes per key). Rows with `info: true` are reported, not targets.
 */
export const TARGETS = [
  { id: 'T1.hot.erl', scenario: 'store.hot', subject: 'limitrate', versus: 'express-rate-limit', kind: 'min', target: 1.2 },
  { id: 'T1.hot.rlf', scenario: 'store.hot', subject: 'limitrate', versus: 'rate-limiter-flexible', kind: 'min', target: 2.5 },
  { id: 'T1.100k.erl', scenario: 'store.100k', subject: 'limitrate', versus: 'express-rate-limit', kind: 'min', target: 1.2 },
  { id: 'T1.100k.rlf', scenario: 'store.100k', subject: 'limitrate', versus: 'rate-limiter-flexible', kind: 'min', target: 2.5 },
  { id: 'T1.hot.erl.awaited', scenario: 'store.hot', subject: 'limitrate-awaited', versus: 'express-rate-limit', kind: 'min', target: 1.2, info: true },
  { id: 'T1.hot.rlf.awaited', scenario: 'store.hot', subject: 'limitrate-awaited', versus: 'rate-limiter-flexible', kind: 'min', target: 2.5, info: true },
  { id: 'T1.100k.erl.awaited', scenario: 'store.100k', subject: 'limitrate-awaited', versus: 'express-rate-limit', kind: 'min', target: 1.2, info: true },
  { id: 'T1.100k.rlf.awaited', scenario: 'store.100k', subject: 'limitrate-awaited', versus: 'rate-limiter-flexible', kind: 'min', target: 2.5, info: true },
  { id: 'T2.hot.rlf', scenario: 'check.hot', subject: 'limitrate-check', versus: 'rate-limiter-flexible', kind: 'min', target: 2 },
  { id: 'T2.100k.rlf', scenario: 'check.100k', subject: 'limitrate-check', versus: 'rate-limiter-flexible', kind: 'min', target: 2 },
  { id: 'T2.hot.rlf.now', scenario: 'check.hot', subject: 'limitrate-checknow', versus: 'rate-limiter-flexible', kind: 'min', target: 2 },
  { id: 'T2.100k.rlf.now', scenario: 'check.100k', subject: 'limitrate-checknow', versus: 'rate-limiter-flexible', kind: 'min', target: 2 },
  { id: 'T3.fixed-window', scenario: 'heap.1m', subject: 'limitrate-fixed-window', kind: 'max', target: 100, unit: 'B/key' },
  { id: 'T3.gcra', scenario: 'heap.1m', subject: 'limitrate-gcra', kind: 'max', target: 100, unit: 'B/key' },
];

/** A LimitRate row's throughput as ratios to ERL and RLF in the same scenario ('' for peers). */
function peerRatios(sc, name, s) {
  if (!name.startsWith('limitrate')) return ['', ''];
  return ['express-rate-limit', 'rate-limiter-flexible'].map((peer) => {
    const ops = sc.subjects[peer]?.opsPerSec;
    return ops ? `${(s.opsPerSec / ops).toFixed(2)}x` : '';
  });
}

export const FULL = { passes: 3, rounds: 5, roundMs: 300, warmupMs: 500, batch: 500, manyKeys: 100_000, heapKeys: 1_000_000 };
export const QUICK = { passes: 1, rounds: 2, roundMs: 50, warmupMs: 50, batch: 100, manyKeys: 2_000, heapKeys: 20_000 };

/**
 * Runs a worker, retrying a failed start (e.g. packages/core/dist being rebuilt at that
 * moment) up to twice. A worker that fails three times fails the run.
 */
async function runWorker(args, label, log) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await runNode(args, label);
    } catch (error) {
      if (attempt >= 3) throw error;
      log(`${label}: attempt ${attempt} failed (${String(error.message).split('\n')[0]}); retrying`);
      await delay(2000);
    }
  }
}

function runNode(args, label) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`${label} failed: ${error.message}\n${stderr}`));
        return;
      }
      const line = stdout.trim().split('\n').pop();
      try {
        resolve(JSON.parse(line));
      } catch {
        reject(new Error(`${label} printed no result:\n${stdout}\n${stderr}`));
      }
    });
  });
}

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function packageVersion(name) {
  const url = name === '@limitrate/core' ? new URL('../../packages/core/package.json', import.meta.url) : new URL(`../node_modules/${name}/package.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')).version;
}

/** The commit measured, and whether packages/core differs from it (undefined outside git). */
function coreRevision() {
  const cwd = fileURLToPath(new URL('../..', import.meta.url));
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no', '--', 'packages/core'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== '';
    return { commit, coreDirty: dirty };
  } catch {
    return undefined;
  }
}

/** What machine and versions the figures come from. */
export function environment() {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    node: process.version,
    v8: process.versions.v8,
    platform: `${os.platform()} ${os.arch()}`,
    cpu: cpus[0]?.model?.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    git: coreRevision(),
    versions: {
      '@limitrate/core': packageVersion('@limitrate/core'),
      'express-rate-limit': packageVersion('express-rate-limit'),
      'rate-limiter-flexible': packageVersion('rate-limiter-flexible'),
    },
  };
}

/**
 * Runs the whole harness and returns the results (see results/latest.json for the shape).
 * Options: `quick` (tiny sizes), any field of FULL to override it, `only` (scenario ids),
 * `log` (progress lines, default none).
 */
export async function runBenchmarks(options = {}) {
  const base = options.quick ? QUICK : FULL;
  const cfg = { ...base };
  for (const k of Object.keys(FULL)) if (options[k] !== undefined) cfg[k] = options[k];
  const log = options.log ?? (() => {});
  const only = options.only ? new Set(options.only) : undefined;
  const scenarios = SCENARIOS.filter((s) => !only || only.has(s.id));
  const runHeap = !only || only.has(HEAP_SCENARIO.id);
  const started = performance.now();
  const env = environment();
  const loadBefore = os.loadavg()[0];

  // Throughput: every (scenario, subject) once per pass, in a rotating order, each in its
  // own process; the rounds of all passes are pooled.
  const jobs = scenarios.flatMap((s) => s.subjects.map((subject) => ({ scenario: s, subject })));
  const rounds = new Map(jobs.map((j) => [`${j.scenario.id} ${j.subject}`, []]));
  for (let pass = 0; pass < cfg.passes; pass++) {
    const shift = jobs.length === 0 ? 0 : (pass * 3) % jobs.length;
    const order = [...jobs.slice(shift), ...jobs.slice(0, shift)];
    for (const { scenario, subject } of order) {
      const keys = scenario.keys === 'hot' ? 1 : cfg.manyKeys;
      const args = { subject, keys, warmupMs: cfg.warmupMs, rounds: cfg.rounds, roundMs: cfg.roundMs, batch: cfg.batch };
      const label = `${scenario.id} ${subject}`;
      log(`pass ${pass + 1}/${cfg.passes}  ${label}`);
      const r = await runWorker([THROUGHPUT_WORKER, JSON.stringify(args)], label, log);
      rounds.get(label).push(...r.rounds.map((x) => x.opsPerSec));
    }
  }
  const throughput = {};
  for (const s of scenarios) {
    throughput[s.id] = { title: s.title, keys: s.keys === 'hot' ? 1 : cfg.manyKeys, subjects: {} };
    for (const subject of s.subjects) {
      const all = rounds.get(`${s.id} ${subject}`);
      throughput[s.id].subjects[subject] = {
        label: SUBJECTS[subject].label,
        usage: SUBJECTS[subject].usage,
        opsPerSec: median(all),
        min: Math.min(...all),
        max: Math.max(...all),
        rounds: all.length,
        samples: all.map((v) => Math.round(v)),
      };
    }
  }

  // Heap: one process per subject, run with --expose-gc.
  let heap;
  if (runHeap) {
    heap = { title: HEAP_SCENARIO.title, keys: cfg.heapKeys, subjects: {} };
    for (const subject of HEAP_SCENARIO.subjects) {
      log(`heap  ${subject} (${cfg.heapKeys} keys)`);
      const r = await runWorker(['--expose-gc', '--max-old-space-size=4096', HEAP_WORKER, JSON.stringify({ subject, keys: cfg.heapKeys })], `heap ${subject}`, log);
      heap.subjects[subject] = {
        label: HEAP_SUBJECTS[subject].label,
        extra: HEAP_SUBJECTS[subject].extra === true,
        valid: r.tracked === r.keys,
        ...r,
      };
    }
  }

  const results = {
    environment: env,
    quick: options.quick === true,
    config: cfg,
    durationSec: 0,
    throughput,
    ...(heap ? { heap: { [HEAP_SCENARIO.id]: heap } } : {}),
    targets: [],
  };
  results.environment.loadavg1m = { start: round2(loadBefore), end: round2(os.loadavg()[0]) };
  results.targets = evaluateTargets(results);
  results.durationSec = Math.round((performance.now() - started) / 100) / 10;
  return results;
}

/** Each target's measured value and whether it is met (undefined when not measured). */
export function evaluateTargets(results) {
  const out = [];
  for (const t of TARGETS) {
    let value;
    let note;
    if (t.kind === 'min') {
      const sc = results.throughput[t.scenario];
      const a = sc?.subjects[t.subject]?.opsPerSec;
      const b = sc?.subjects[t.versus]?.opsPerSec;
      if (a !== undefined && b !== undefined) value = a / b;
    } else {
      const h = results.heap?.[t.scenario]?.subjects[t.subject];
      if (h !== undefined) {
        value = h.totalPerKey;
        note = `heap ${h.heapPerKey.toFixed(1)} + ArrayBuffers ${h.arrayBuffersPerKey.toFixed(1)}`;
        if (!h.valid) note = `INVALID: tracked ${h.tracked} of ${h.keys} keys`;
      }
    }
    const measured = value !== undefined && (note === undefined || !note.startsWith('INVALID'));
    out.push({
      id: t.id,
      description:
        t.kind === 'min'
          ? `${t.scenario}: ${t.subject} / ${t.versus} >= ${t.target}x`
          : `${t.scenario}: ${t.subject} <= ${t.target} ${t.unit} (heap + ArrayBuffers)`,
      info: t.info === true,
      value,
      target: t.target,
      kind: t.kind,
      met: measured ? (t.kind === 'min' ? value >= t.target : value <= t.target) : undefined,
      ...(note ? { note } : {}),
    });
  }
  return out;
}

const round2 = (n) => Math.round(n * 100) / 100;
const fmtInt = (n) => Math.round(n).toLocaleString('en-US');
const pad = (s, n) => String(s).padEnd(n);
const lpad = (s, n) => String(s).padStart(n);

/** The printed report. */
export function formatReport(results) {
  const e = results.environment;
  const c = results.config;
  const lines = [];
  lines.push(`LimitRate benchmarks${results.quick ? '  (QUICK MODE: tiny sizes, figures not representative)' : ''}`);
  lines.push(`date ${e.date}  node ${e.node} (V8 ${e.v8})  ${e.platform}`);
  const load = e.loadavg1m ? `  load average (1 min) ${e.loadavg1m.start} at start, ${e.loadavg1m.end} at end` : '';
  lines.push(`cpu ${e.cpu} x ${e.cores}  memory ${e.memoryGiB} GiB${load}`);
  const rev = e.git ? ` (commit ${e.git.commit}${e.git.coreDirty ? ', packages/core has uncommitted changes' : ''})` : '';
  lines.push(`@limitrate/core ${e.versions['@limitrate/core']}${rev}  express-rate-limit ${e.versions['express-rate-limit']}  rate-limiter-flexible ${e.versions['rate-limiter-flexible']}`);
  lines.push(
    `method: each (scenario, library) in its own child process, ${c.passes} interleaved pass(es) x (${c.warmupMs} ms warm-up + ${c.rounds} rounds of ${c.roundMs} ms); median of ${c.passes * c.rounds} rounds`,
  );
  lines.push('');
  lines.push('Throughput (ops/s; median, [min .. max] of rounds; ratio = this row / the peer)');
  const head = `${pad('id', 11)} ${pad('subject', 22)} ${pad('usage', 8)} ${lpad('ops/s', 11)}  ${pad('[min .. max]', 25)} ${lpad('/ERL', 6)} ${lpad('/RLF', 6)}`;
  lines.push(head);
  lines.push('-'.repeat(head.length));
  for (const [id, sc] of Object.entries(results.throughput)) {
    for (const [name, s] of Object.entries(sc.subjects)) {
      const [rE, rR] = peerRatios(sc, name, s);
      lines.push(
        `${pad(id, 11)} ${pad(name, 22)} ${pad(s.usage, 8)} ${lpad(fmtInt(s.opsPerSec), 11)}  ${pad(`[${fmtInt(s.min)} .. ${fmtInt(s.max)}]`, 25)} ${lpad(rE, 6)} ${lpad(rR, 6)}`,
      );
    }
  }
  if (results.heap) {
    for (const [id, h] of Object.entries(results.heap)) {
      lines.push('');
      lines.push(`Memory per tracked key (${id}: ${fmtInt(h.keys)} keys; caller-owned key strings excluded; bytes/key)`);
      const hh = `${pad('subject', 24)} ${lpad('V8 heap', 8)} ${lpad('ArrayBuf', 9)} ${lpad('total', 8)} ${lpad('tracked', 10)} ${lpad('insert', 9)}`;
      lines.push(hh);
      lines.push('-'.repeat(hh.length));
      for (const [name, s] of Object.entries(h.subjects)) {
        lines.push(
          `${pad(name + (s.extra ? ' *' : ''), 24)} ${lpad(s.heapPerKey.toFixed(1), 8)} ${lpad(s.arrayBuffersPerKey.toFixed(1), 9)} ${lpad(s.totalPerKey.toFixed(1), 8)} ${lpad(fmtInt(s.tracked), 10)} ${lpad(`${fmtInt(s.insertMs)} ms`, 9)}${s.valid ? '' : '  INVALID: not every key tracked'}`,
        );
      }
      lines.push('* extra: RateLimiter.check() per user, including the key strings the limiter builds (userId + scope + limit id)');
    }
  }
  lines.push('');
  lines.push('Targets');
  for (const t of results.targets) {
    const v = t.value === undefined ? 'n/a' : t.kind === 'min' ? `${t.value.toFixed(2)}x` : `${t.value.toFixed(1)} B/key`;
    const verdict = t.met === undefined ? 'NOT MEASURED' : t.met ? 'MET' : 'NOT MET';
    lines.push(`${pad(t.id, 20)} ${pad(t.description, 66)} ${lpad(v, 12)}  ${t.info ? `(info) ${verdict.toLowerCase()}` : verdict}${t.note ? `  [${t.note}]` : ''}`);
  }
  lines.push('');
  lines.push(`total ${results.durationSec} s`);
  return lines.join('\n');
}

/** The figures as Markdown tables (for the README), from a results object. */
export function formatMarkdown(results) {
  const e = results.environment;
  const c = results.config;
  const L = [];
  const rev = e.git ? `, core commit \`${e.git.commit}\`${e.git.coreDirty ? ' (with uncommitted changes)' : ''}` : '';
  L.push(`Measured ${e.date.slice(0, 10)} (${e.date}), Node ${e.node} (V8 ${e.v8}), ${e.cpu} x ${e.cores} cores, ${e.platform}${rev}; express-rate-limit ${e.versions['express-rate-limit']}, rate-limiter-flexible ${e.versions['rate-limiter-flexible']}.`);
  if (e.loadavg1m) L.push(`Load average (1 min) ${e.loadavg1m.start} at start, ${e.loadavg1m.end} at end. ${c.passes} passes x ${c.rounds} rounds of ${c.roundMs} ms per subject; median of ${c.passes * c.rounds} rounds.`);
  L.push('');
  L.push('| id | subject | usage | ops/s (median) | min .. max | vs ERL | vs RLF |');
  L.push('|---|---|---|---:|---|---:|---:|');
  for (const [id, sc] of Object.entries(results.throughput)) {
    for (const [name, s] of Object.entries(sc.subjects)) {
      const [rE, rR] = peerRatios(sc, name, s);
      L.push(`| \`${id}\` | ${name} | ${s.usage} | ${fmtInt(s.opsPerSec)} | ${fmtInt(s.min)} .. ${fmtInt(s.max)} | ${rE} | ${rR} |`);
    }
  }
  if (results.heap) {
    for (const [id, h] of Object.entries(results.heap)) {
      L.push('');
      L.push(`\`${id}\`: ${fmtInt(h.keys)} keys, bytes per tracked key (caller-owned key strings excluded):`);
      L.push('');
      L.push('| subject | V8 heap | ArrayBuffers | total | keys tracked |');
      L.push('|---|---:|---:|---:|---:|');
      for (const [name, s] of Object.entries(h.subjects)) {
        L.push(`| ${name}${s.extra ? ' (extra, incl. limiter-built keys)' : ''} | ${s.heapPerKey.toFixed(1)} | ${s.arrayBuffersPerKey.toFixed(1)} | **${s.totalPerKey.toFixed(1)}** | ${fmtInt(s.tracked)} |`);
      }
    }
  }
  L.push('');
  L.push('| target | check | measured | verdict |');
  L.push('|---|---|---:|---|');
  for (const t of results.targets) {
    const v = t.value === undefined ? 'n/a' : t.kind === 'min' ? `${t.value.toFixed(2)}x` : `${t.value.toFixed(1)} B/key`;
    const verdict = t.met === undefined ? 'not measured' : t.info ? `info: ${t.met ? 'would meet' : 'below'}` : t.met ? '**met**' : '**NOT met**';
    L.push(`| \`${t.id}\` | ${t.description} | ${v} | ${verdict} |`);
  }
  return L.join('\n');
}
