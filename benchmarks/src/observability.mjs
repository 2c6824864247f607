// The observability benchmark: what each metrics or tracing backend adds to
// `await RateLimiter.check()` on the memory store, against none, in one run. Two measures:
// time (each subject in its own child process, passes interleaved, the best round of each
// pass, median over passes) and, with valgrind installed, instructions per check under
// callgrind (deterministic: two runs of N1 and N2 checks after the same warm-up, the
// difference over N2 - N1). Under callgrind the limiter's time-based timing sample is
// scaled by the slowdown against the native time (see the worker), so that the count
// stands for a native run. Target: each backend adds at most 10% per check.
// Usage: pnpm bench:observability [--quick] [--no-instructions] [--only subject,subject]
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import console from 'node:console';
import { writeFileSync } from 'node:fs';
import process from 'node:process';
import { fileURLToPath, URL } from 'node:url';
import { environment, median } from './harness.mjs';
import { OBSERVABILITY_SUBJECTS } from './observability-worker.mjs';

const WORKER = fileURLToPath(new URL('./observability-worker.mjs', import.meta.url));
export const OBS_FULL = { passes: 5, rounds: 5, n: 100_000, n1: 20_000, n2: 120_000 };
export const OBS_QUICK = { passes: 1, rounds: 2, n: 5_000, n1: 1_000, n2: 3_000 };

function timed(subject, cfg) {
  const out = execFileSync(process.execPath, [WORKER, JSON.stringify({ subject, mode: 'time', n: cfg.n, rounds: cfg.rounds })], { encoding: 'utf8' });
  return Math.min(...JSON.parse(out.trim().split('\n').at(-1)).nsPerCheck);
}

function counted(subject, n, nativeNsPerCheck) {
  return new Promise((resolve, reject) => {
    const args = ['--tool=callgrind', '--callgrind-out-file=/dev/null', '--smc-check=all-non-file', process.execPath, '--single-threaded', '--hash-seed=1', '--random-seed=1', '--predictable-gc-schedule', WORKER, JSON.stringify({ subject, mode: 'count', n, nativeNsPerCheck })];
    const child = spawn('valgrind', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => {
      const m = /Collected : ([\d,]+)/.exec(err);
      if (code !== 0 || !m) reject(new Error(`${subject} x${n} failed:\n${err.slice(-1200)}`));
      else resolve(Number(m[1].replaceAll(',', '')));
    });
  });
}

/** Runs the benchmark; resolves to the results (results/observability-latest.json). */
export async function runObservabilityBenchmark({ quick = false, instructions = true, only = undefined, log = () => {} } = {}) {
  const cfg = quick ? OBS_QUICK : OBS_FULL;
  let subjects = Object.keys(OBSERVABILITY_SUBJECTS);
  if (only !== undefined) {
    // The subjects asked for, with their baselines.
    const wanted = new Set(only.flatMap((s) => [s, OBSERVABILITY_SUBJECTS[s]?.baseline ?? 'none']));
    for (const s of only) if (OBSERVABILITY_SUBJECTS[s] === undefined) throw new Error(`--only: unknown subject ${s} (one of ${subjects.join(', ')})`);
    subjects = subjects.filter((s) => wanted.has(s));
  }
  const samples = Object.fromEntries(subjects.map((s) => [s, []]));
  for (let pass = 0; pass < cfg.passes; pass++) {
    for (let i = 0; i < subjects.length; i++) {
      const s = subjects[(i + pass) % subjects.length];
      const ns = timed(s, cfg);
      samples[s].push(ns);
      log(`pass ${pass + 1}/${cfg.passes}  ${s.padEnd(24)} ${ns.toFixed(0).padStart(6)} ns/check`);
    }
  }
  const counts = {};
  if (instructions && spawnSync('valgrind', ['--version']).status === 0) {
    const jobs = subjects.flatMap((s) => [[s, cfg.n1], [s, cfg.n2]]);
    let next = 0;
    const totals = new Map();
    const lane = async () => {
      while (next < jobs.length) {
        const [s, n] = jobs[next++];
        totals.set(`${s}:${n}`, await counted(s, n, median(samples[s])));
        log(`callgrind ${s} x${n} done`);
      }
    };
    await Promise.all([lane(), lane()]);
    for (const s of subjects) counts[s] = (totals.get(`${s}:${cfg.n2}`) - totals.get(`${s}:${cfg.n1}`)) / (cfg.n2 - cfg.n1);
  }
  // Each subject against its baseline: none, or the same loop without the backend.
  const baselineOf = (s) => OBSERVABILITY_SUBJECTS[s].baseline ?? 'none';
  const rows = {};
  for (const s of subjects) {
    const ns = median(samples[s]);
    const b = baselineOf(s);
    rows[s] = { label: OBSERVABILITY_SUBJECTS[s].label, baseline: b, nsPerCheck: ns, passes: samples[s].map((x) => Math.round(x)), timeRatio: ns / median(samples[b]) };
    if (counts[s] !== undefined) Object.assign(rows[s], { instructionsPerCheck: Math.round(counts[s]), instructionRatio: counts[s] / counts[b] });
  }
  // Diagnostic subjects (the limiter's own share, a bare onCheck hook) explain the figures; they are not backends.
  const targets = subjects.filter((s) => !s.startsWith('none') && OBSERVABILITY_SUBJECTS[s].diagnostic !== true).map((s) => {
    const r = rows[s];
    const value = r.instructionRatio ?? r.timeRatio;
    return { id: `O1.${s}`, what: `${s} adds at most 10% per check (against ${r.baseline})`, measure: r.instructionRatio !== undefined ? 'instructions' : 'time', value, target: 1.1, met: value <= 1.1 };
  });
  return { kind: 'observability', environment: environment(), quick, config: cfg, subjects: rows, targets };
}

export function formatObservability(results) {
  const L = ['| subject | ns per check (median of passes) | passes | time vs baseline | instructions per check | instructions vs baseline |', '|---|---:|---|---:|---:|---:|'];
  for (const [s, r] of Object.entries(results.subjects)) {
    L.push(`| ${s} | ${r.nsPerCheck.toFixed(0)} | ${r.passes.join(', ')} | ${r.timeRatio.toFixed(2)}x | ${r.instructionsPerCheck?.toLocaleString('en-US') ?? 'n/a'} | ${r.instructionRatio === undefined ? 'n/a' : `${r.instructionRatio.toFixed(2)}x`} |`);
  }
  L.push('', '| target | measured (by) | verdict |', '|---|---:|---|');
  for (const t of results.targets) L.push(`| ${t.id}: ${t.what} (<= ${t.target}x) | ${t.value.toFixed(2)}x (${t.measure}) | ${t.met ? '**met**' : '**NOT met**'} |`);
  return L.join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const quick = process.argv.includes('--quick');
  const at = process.argv.indexOf('--only');
  const only = at > 0 ? process.argv[at + 1]?.split(',').filter(Boolean) : undefined;
  const results = await runObservabilityBenchmark({ quick, only, instructions: !process.argv.includes('--no-instructions'), log: (l) => console.error(`  ${l}`) });
  const out = fileURLToPath(new URL(`../results/observability${only === undefined ? '' : `-${only.join('-')}`}-latest.json`, import.meta.url));
  if (!quick) writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(formatObservability(results));
}
