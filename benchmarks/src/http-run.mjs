// `pnpm bench:http` runs this: the HTTP overhead benchmark (Express bare, + express-rate-limit,
// + LimitRate), a printed table, and results/http-latest.json.
// Flags: --quick (1 s rounds, 4 connections; writes results/http-quick.json.tmp),
// --only=one-user,many-users, --variants=bare,express-rate-limit,limitrate[,express-rate-limit-draft6,limitrate-both],
// --passes=N --connections=N --warmup=SECONDS --duration=SECONDS --users=N, --out=path,
// --cpu-prof[=dir] (run the LimitRate servers under node --cpu-prof; --cpu-prof-variants=a,b to choose).
import process from 'node:process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatHttpReport, runHttpBenchmarks } from './http.mjs';

const INTEGER = { passes: 'passes', connections: 'connections', users: 'users' };
const SECONDS = { warmup: 'warmupSec', duration: 'durationSec' };

function parseArgs(argv) {
  const opts = {};
  for (const arg of argv) {
    if (arg === '--') continue;
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!m) throw new Error(`unknown argument ${arg}`);
    const [, name, value] = m;
    const n = Number(value);
    if (name === 'quick') opts.quick = true;
    else if (name === 'only' && value) opts.only = value.split(',');
    else if (name === 'variants' && value) opts.variants = value.split(',');
    else if (name === 'out' && value) opts.out = value;
    else if (name === 'cpu-prof') opts.cpuProfDir = value || 'cpu-profiles';
    else if (name === 'cpu-prof-variants' && value) opts.cpuProfVariants = value.split(',');
    else if (INTEGER[name] !== undefined && value !== undefined && Number.isInteger(n) && n > 0) opts[INTEGER[name]] = n;
    else if (SECONDS[name] !== undefined && value !== undefined && Number.isFinite(n) && n > 0) opts[SECONDS[name]] = n;
    else throw new Error(`unknown or invalid argument ${arg}`);
  }
  return opts;
}

const opts = parseArgs(process.argv.slice(2));
const here = path.dirname(fileURLToPath(import.meta.url));
const out = opts.out ?? path.join(here, '..', 'results', opts.quick ? 'http-quick.json.tmp' : 'http-latest.json');
if (opts.cpuProfDir !== undefined) {
  opts.cpuProf = { dir: path.resolve(opts.cpuProfDir), variants: opts.cpuProfVariants ?? ['limitrate'] };
  mkdirSync(opts.cpuProf.dir, { recursive: true });
}
const results = await runHttpBenchmarks({ ...opts, log: (line) => process.stderr.write(`  ${line}\n`) });
process.stdout.write(`\n${formatHttpReport(results)}\n`);
if (opts.cpuProf) {
  process.stdout.write(`\nCPU profiles (whole server lifetime: probe, warm-up and run), to summarise:\n`);
  for (const p of results.profiles ?? []) {
    const limiter = p.variant.startsWith('express-rate-limit') ? ' --limiter=express-rate-limit' : '';
    process.stdout.write(`  node src/cpu-profile.mjs ${path.relative(process.cwd(), p.file)} --requests=${p.requests}${limiter}\n`);
  }
}
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write(`results written to ${path.relative(process.cwd(), out) || out}\n`);
