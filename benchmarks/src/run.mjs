// `pnpm bench` (root) runs this: every scenario, a printed table, and results/latest.json.
// Flags: --quick (tiny sizes, smoke test; writes results/quick.json.tmp), --only=id,id,
// --passes=N --rounds=N --round-ms=N --warmup-ms=N --keys=N --heap-keys=N, --out=path.
import process from 'node:process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatReport, runBenchmarks } from './harness.mjs';

const NUMERIC = { passes: 'passes', rounds: 'rounds', 'round-ms': 'roundMs', 'warmup-ms': 'warmupMs', keys: 'manyKeys', 'heap-keys': 'heapKeys', batch: 'batch' };

function parseArgs(argv) {
  const opts = {};
  for (const arg of argv) {
    if (arg === '--') continue;
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!m) throw new Error(`unknown argument ${arg}`);
    const [, name, value] = m;
    if (name === 'quick') opts.quick = true;
    else if (name === 'only') opts.only = value.split(',');
    else if (name === 'out') opts.out = value;
    else if (NUMERIC[name] !== undefined && value !== undefined && Number.isInteger(Number(value)) && Number(value) > 0) opts[NUMERIC[name]] = Number(value);
    else throw new Error(`unknown or invalid argument ${arg}`);
  }
  return opts;
}

const opts = parseArgs(process.argv.slice(2));
const here = path.dirname(fileURLToPath(import.meta.url));
const out = opts.out ?? path.join(here, '..', 'results', opts.quick ? 'quick.json.tmp' : 'latest.json');
const results = await runBenchmarks({ ...opts, log: (line) => process.stderr.write(`  ${line}\n`) });
process.stdout.write(`\n${formatReport(results)}\n`);
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write(`results written to ${path.relative(process.cwd(), out) || out}\n`);
