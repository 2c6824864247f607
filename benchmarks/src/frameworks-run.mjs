// `pnpm bench:frameworks` runs this: the Fastify and Hono HTTP overhead benchmark (see
// frameworks.mjs), a Markdown report, and results/frameworks-latest.json.
// Flags: --quick, --frameworks=fastify,hono, --only=one-user,many-users, --passes=N,
// --duration=S, --warmup=S, --connections=N, --users=N, --out=path.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { formatFrameworkMarkdown, runFrameworkBenchmarks } from './frameworks.mjs';

const opts = {};
for (const arg of process.argv.slice(2)) {
  const m = /^--([a-z]+)(?:=(.*))?$/.exec(arg);
  const n = Number(m?.[2]);
  if (m === null) throw new Error(`unknown argument ${arg}`);
  else if (m[1] === 'quick') opts.quick = true;
  else if ((m[1] === 'frameworks' || m[1] === 'only') && m[2]) opts[m[1]] = m[2].split(',');
  else if (m[1] === 'out' && m[2]) opts.out = m[2];
  else if (['passes', 'connections', 'users'].includes(m[1]) && Number.isInteger(n) && n > 0) opts[m[1]] = n;
  else if (m[1] === 'duration' && n > 0) opts.durationSec = n;
  else if (m[1] === 'warmup' && n > 0) opts.warmupSec = n;
  else throw new Error(`unknown argument ${arg}`);
}
const here = path.dirname(fileURLToPath(import.meta.url));
const out = opts.out ?? path.join(here, '..', 'results', opts.quick ? 'frameworks-quick.json.tmp' : 'frameworks-latest.json');
const results = await runFrameworkBenchmarks({ ...opts, log: (line) => process.stderr.write(`  ${line}\n`) });
process.stdout.write(`\n${formatFrameworkMarkdown(results)}\n`);
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write(`results written to ${path.relative(process.cwd(), out) || out}\n`);
