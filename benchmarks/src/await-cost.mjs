// What awaiting costs, in instructions under callgrind: `await Promise.resolve(x)`, `await x`
// (not a promise) and a plain call, each in a loop, two runs (20,000 and 120,000 iterations
// after the same warm-up) whose difference is divided by 100,000. It is the floor under any
// promise-returning rate limiter call (`await limiter.check()`, `await consume()`).
// Usage: node benchmarks/src/await-cost.mjs   (needs valgrind)
import { spawnSync } from 'node:child_process';
import console from 'node:console';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const o = { allowed: true };
const resolved = () => Promise.resolve(o);
const plain = () => o;

/** The loop itself, in a child process under callgrind. */
async function loop(mode, n) {
  for (let i = 0; i < 200_000 + n; i++) {
    if (mode === 'promise') await resolved();
    else if (mode === 'plain') await plain();
    else plain();
  }
}

function count(mode, n) {
  const args = ['--tool=callgrind', '--callgrind-out-file=/dev/null', process.execPath, '--single-threaded', '--hash-seed=1', '--random-seed=1', '--predictable-gc-schedule', SELF, mode, String(n)];
  const out = spawnSync('valgrind', args, { encoding: 'utf8' });
  const m = /Collected : ([\d,]+)/.exec(out.stderr);
  if (m === null) throw new Error(`valgrind failed: ${out.stderr.slice(-500)}`);
  return Number(m[1].replaceAll(',', ''));
}

if (process.argv[2] !== undefined) await loop(process.argv[2], Number(process.argv[3]));
else {
  for (const [mode, what] of [
    ['promise', 'await Promise.resolve(x)'],
    ['plain', 'await x (not a promise)'],
    ['sync', 'a plain call'],
  ]) {
    console.log(`${what.padEnd(26)} ${Math.round((count(mode, 120_000) - count(mode, 20_000)) / 100_000)} instructions per iteration`);
  }
}
