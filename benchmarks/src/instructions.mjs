// Instructions per operation under valgrind's callgrind: a deterministic complement to the
// timed benchmarks (wall-clock ratios on shared VMs swing by a third from run to run).
// V8 runs single-threaded with fixed hash and random seeds and a predictable GC schedule,
// so the same build gives the same count on every run.
// Each subject runs twice (N1 and N2 operations after the same warm-up); the difference
// divided by N2 - N1 is the cost of one operation. Usage: pnpm bench:instructions
import { spawn, spawnSync } from 'node:child_process';
import console from 'node:console';
import process from 'node:process';
import { cpus } from 'node:os';
import { URL, fileURLToPath } from 'node:url';

const worker = fileURLToPath(new URL('./instructions-worker.mjs', import.meta.url));
const N1 = 20_000;
const N2 = 120_000;
const PAIRS = [
  ['store: consume one fixed-window limit', 'limitrate-store', 'express-rate-limit'],
  ['store: consume one fixed-window limit', 'limitrate-store', 'rate-limiter-flexible'],
  ['limiter: RateLimiter.checkNow', 'limitrate-checknow', 'rate-limiter-flexible'],
  ['limiter: RateLimiter.check (awaited)', 'limitrate-check', 'rate-limiter-flexible'],
];

if (spawnSync('valgrind', ['--version']).status !== 0) {
  console.error('valgrind is not installed (Debian: apt-get install -y valgrind); nothing measured');
  process.exit(1);
}

/** Total instructions of one run of `subject` with `n` operations. */
function run(subject, n) {
  return new Promise((resolve, reject) => {
    const args = ['--tool=callgrind', '--callgrind-out-file=/dev/null', '--smc-check=all-non-file', process.execPath, '--single-threaded', '--hash-seed=1', '--random-seed=1', '--predictable-gc-schedule', worker, subject, String(n)];
    const child = spawn('valgrind', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => {
      const m = /Collected : ([\d,]+)/.exec(err);
      if (code !== 0 || !m) reject(new Error(`${subject} (${n}) failed:\n${err.slice(-800)}`));
      else resolve(Number(m[1].replaceAll(',', '')));
    });
  });
}

const subjects = [...new Set(PAIRS.flatMap(([, a, b]) => [a, b]))];
const jobs = subjects.flatMap((s) => [[s, N1], [s, N2]]);
const totals = new Map();
let next = 0;
async function lane() {
  while (next < jobs.length) {
    const [subject, n] = jobs[next++];
    process.stderr.write(`  callgrind ${subject} x${n}\n`);
    totals.set(`${subject}:${n}`, await run(subject, n));
  }
}
await Promise.all(Array.from({ length: Math.max(1, Math.min(2, cpus().length)) }, lane));
const perOp = (s) => (totals.get(`${s}:${N2}`) - totals.get(`${s}:${N1}`)) / (N2 - N1);

console.log(`\nInstructions per operation (callgrind; node ${process.version}; one hot key; ${N2 - N1} operations measured)`);
console.log(`${'comparison'.padEnd(40)}${'LimitRate subject'.padEnd(22)}${'peer'.padEnd(24)}${'instr/op (ours vs peer)'.padEnd(26)}peer/ours`);
for (const [title, ours, peer] of PAIRS) {
  const a = perOp(ours);
  const b = perOp(peer);
  console.log(`${title.padEnd(40)}${ours.padEnd(22)}${peer.padEnd(24)}${`${Math.round(a)} vs ${Math.round(b)}`.padEnd(26)}${(b / a).toFixed(2)}x`);
}
