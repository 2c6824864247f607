// `pnpm bench:redis` runs this: the Redis benchmark (see redis.mjs), a Markdown report, and
// results/redis-latest.json. Flags: --quick, --subjects=a,b, --passes=N, --duration=S,
// --warmup=S, --users=N, --out=path. Uses LIMITRATE_REDIS_URL, else starts a private redis-server.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { formatRedisMarkdown, runRedisBenchmarks } from './redis.mjs';

const opts = {};
for (const arg of process.argv.slice(2)) {
  const m = /^--([a-z]+)(?:=(.*))?$/.exec(arg);
  const n = Number(m?.[2]);
  if (m === null) throw new Error(`unknown argument ${arg}`);
  else if (m[1] === 'quick') opts.quick = true;
  else if (m[1] === 'subjects' && m[2]) opts.subjects = m[2].split(',');
  else if (m[1] === 'out' && m[2]) opts.out = m[2];
  else if (m[1] === 'passes' || m[1] === 'users') opts[m[1]] = n;
  else if (m[1] === 'duration') opts.durationSec = n;
  else if (m[1] === 'warmup') opts.warmupSec = n;
  else throw new Error(`unknown argument ${arg}`);
}
const here = path.dirname(fileURLToPath(import.meta.url));
const out = opts.out ?? path.join(here, '..', 'results', opts.quick ? 'redis-quick.json.tmp' : 'redis-latest.json');
const results = await runRedisBenchmarks({ ...opts, log: (line) => process.stderr.write(`  ${line}\n`) });
process.stdout.write(`\n${formatRedisMarkdown(results)}\n`);
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write(`results written to ${path.relative(process.cwd(), out) || out}\n`);
