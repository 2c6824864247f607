// `pnpm bench:redis` runs this: the Redis benchmark (see redis.mjs), a Markdown report, and
// results/redis-latest.json. Flags: --quick, --subjects=a,b, --passes=N, --duration=S,
// --warmup=S, --users=N, --out=path. Uses LIMITRATE_REDIS_URL, else starts a private redis-server.
import process from 'node:process';
import { parseBenchArgs, saveResults } from './cli.mjs';
import { formatRedisMarkdown, runRedisBenchmarks } from './redis.mjs';

const opts = parseBenchArgs(process.argv.slice(2), { lists: ['subjects'], integers: ['passes', 'users'] });
const results = await runRedisBenchmarks({ ...opts, log: (line) => process.stderr.write(`  ${line}\n`) });
saveResults('redis', opts, results, formatRedisMarkdown(results));
