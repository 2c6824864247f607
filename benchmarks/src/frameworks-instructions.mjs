// Server instructions per request of the frameworks benchmark's variants, under valgrind's
// callgrind: the deterministic complement of bench:frameworks, whose req/s on a shared
// 2-core VM swing by a third from run to run. Each variant's server runs twice (N1 and N2
// requests after the same warm-up) with its client in a separate, untraced process; the
// difference divided by N2 - N1 is what one request costs the server (its framework,
// Node's HTTP stack and the limiter; not the client). V8 runs single-threaded with fixed
// seeds, so the same build gives the same count on every run.
// Usage: pnpm bench:frameworks:instructions [--frameworks=fastify,hono] [--users=one|many]
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import console from 'node:console';
import process from 'node:process';
import { fileURLToPath, URL } from 'node:url';
import { environment } from './harness.mjs';
import { FRAMEWORK_VARIANTS } from './frameworks-server.mjs';

const WORKER = fileURLToPath(new URL('./frameworks-instructions-worker.mjs', import.meta.url));
const WARMUP = 3000;
const N1 = 1000;
const N2 = 4000;

/** The variants counted per framework, in table order, and which is bare and which the peer. */
export const INSTRUCTION_SETS = {
  fastify: { bare: 'fastify-bare', subjects: ['fastify-limitrate', 'fastify-limitrate-legacy', 'fastify-limitrate-analytics', 'fastify-rate-limit'], peer: 'fastify-rate-limit' },
  hono: { bare: 'hono-bare', subjects: ['hono-limitrate', 'hono-limitrate-legacy', 'hono-rate-limiter'], peer: 'hono-rate-limiter' },
};

/** Total instructions of one server run of `variant` serving WARMUP + n requests. */
function count(variant, users, n) {
  return new Promise((resolve, reject) => {
    const args = ['--tool=callgrind', '--callgrind-out-file=/dev/null', '--smc-check=all-non-file', process.execPath, '--single-threaded', '--hash-seed=1', '--random-seed=1', '--predictable-gc-schedule', WORKER, variant, users, String(WARMUP), String(n)];
    const child = spawn('valgrind', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => {
      const m = /Collected : ([\d,]+)/.exec(err);
      if (code !== 0 || !m) reject(new Error(`${variant} x${n} failed (exit ${code}):\n${err.slice(-1500)}`));
      else resolve(Number(m[1].replaceAll(',', '')));
    });
  });
}

/** Runs the count; resolves to the results (results/frameworks-instructions-latest.json). */
export async function runFrameworkInstructions({ frameworks = Object.keys(INSTRUCTION_SETS), users = 'one', log = () => {} } = {}) {
  const variants = frameworks.flatMap((f) => [INSTRUCTION_SETS[f].bare, ...INSTRUCTION_SETS[f].subjects]);
  const jobs = variants.flatMap((v) => [[v, N1], [v, N2]]);
  const totals = new Map();
  let next = 0;
  let finished = 0;
  const started = Date.now();
  async function lane() {
    while (next < jobs.length) {
      const [v, n] = jobs[next++];
      totals.set(`${v}:${n}`, await count(v, users, n));
      finished++;
      log(`  [${finished}/${jobs.length}] ${v} x${n + WARMUP} requests counted (${Math.round((Date.now() - started) / 1000)} s)`);
    }
  }
  // Two lanes: the machine's two cores (each run is single-threaded).
  await Promise.all([lane(), lane()]);
  const perRequest = (v) => (totals.get(`${v}:${N2}`) - totals.get(`${v}:${N1}`)) / (N2 - N1);
  const results = { kind: 'frameworks-instructions', environment: environment(), config: { users, warmup: WARMUP, n1: N1, n2: N2 }, frameworks: {} };
  for (const f of frameworks) {
    const set = INSTRUCTION_SETS[f];
    const bare = perRequest(set.bare);
    const peer = perRequest(set.peer);
    const rows = {};
    for (const v of [set.bare, ...set.subjects]) {
      const i = perRequest(v);
      rows[v] = { label: FRAMEWORK_VARIANTS[v].label, instructionsPerRequest: Math.round(i), overBare: Math.round(i - bare), bareOverThis: bare / i, peerOverThis: peer / i };
    }
    results.frameworks[f] = rows;
  }
  return results;
}

/** The figures as a table (console and README). */
export function formatFrameworkInstructions(results) {
  const L = [`Server instructions per request (callgrind; node ${results.environment.node}; ${results.config.users === 'many' ? '1,000 users' : 'one user'}; ${results.config.n2 - results.config.n1} requests measured, one at a time)`, '', '| variant | instructions / request | over bare | bare / this | peer / this |', '|---|---:|---:|---:|---:|'];
  for (const rows of Object.values(results.frameworks)) {
    for (const [v, r] of Object.entries(rows)) L.push(`| ${v} | ${r.instructionsPerRequest.toLocaleString('en-US')} | ${r.overBare === 0 ? '' : `+${r.overBare.toLocaleString('en-US')}`} | ${r.bareOverThis.toFixed(3)}x | ${r.peerOverThis.toFixed(3)}x |`);
  }
  return L.join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  if (spawnSync('valgrind', ['--version']).status !== 0) {
    console.error('valgrind is not installed (Debian: apt-get install -y valgrind); nothing measured');
    process.exit(1);
  }
  const arg = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const frameworks = arg('frameworks')?.split(',') ?? Object.keys(INSTRUCTION_SETS);
  for (const f of frameworks) if (INSTRUCTION_SETS[f] === undefined) throw new Error(`unknown framework ${f} (known: ${Object.keys(INSTRUCTION_SETS).join(', ')})`);
  const users = arg('users') ?? 'one';
  if (users !== 'one' && users !== 'many') throw new Error('--users is one or many');
  console.error(`Counting server instructions per request under callgrind: ${frameworks.join(', ')}, ${users} user(s); about a minute per run, two at a time.`);
  const results = await runFrameworkInstructions({ frameworks, users, log: (line) => console.error(line) });
  const out = fileURLToPath(new URL(`../results/frameworks-instructions${users === 'many' ? '-many' : ''}-latest.json`, import.meta.url));
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(formatFrameworkInstructions(results));
  console.error(`\nwritten to ${out}`);
}
