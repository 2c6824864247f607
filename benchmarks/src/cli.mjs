// What the benchmark CLIs (redis-run.mjs, frameworks-run.mjs) share: their flags, and
// printing and saving the results.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

/**
 * Parses `--quick`, `--out=path`, `--duration=S`, `--warmup=S`, the comma lists named in
 * `lists` and the positive whole numbers named in `integers`. Throws on anything else.
 */
export function parseBenchArgs(argv, { lists = [], integers = [] }) {
  const opts = {};
  for (const arg of argv) {
    const m = /^--([a-z]+)(?:=(.*))?$/.exec(arg);
    const n = Number(m?.[2]);
    if (m === null) throw new Error(`unknown argument ${arg}`);
    else if (m[1] === 'quick') opts.quick = true;
    else if (lists.includes(m[1]) && m[2]) opts[m[1]] = m[2].split(',');
    else if (m[1] === 'out' && m[2]) opts.out = m[2];
    else if (integers.includes(m[1]) && Number.isInteger(n) && n > 0) opts[m[1]] = n;
    else if (m[1] === 'duration' && n > 0) opts.durationSec = n;
    else if (m[1] === 'warmup' && n > 0) opts.warmupSec = n;
    else throw new Error(`unknown argument ${arg}`);
  }
  return opts;
}

/** Prints the Markdown report and writes results/<name>-latest.json (or <name>-quick.json.tmp, or --out). */
export function saveResults(name, opts, results, markdown) {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const out = opts.out ?? path.join(here, '..', 'results', opts.quick ? `${name}-quick.json.tmp` : `${name}-latest.json`);
  process.stdout.write(`\n${markdown}\n`);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`results written to ${path.relative(process.cwd(), out) || out}\n`);
}
