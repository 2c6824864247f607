// `pnpm bench:frameworks` runs this: the Fastify and Hono HTTP overhead benchmark (see
// frameworks.mjs), a Markdown report, and results/frameworks-latest.json.
// Flags: --quick, --frameworks=fastify,hono, --only=one-user,many-users, --passes=N,
// --duration=S, --warmup=S, --connections=N, --users=N, --out=path.
import process from 'node:process';
import { parseBenchArgs, saveResults } from './cli.mjs';
import { formatFrameworkMarkdown, runFrameworkBenchmarks } from './frameworks.mjs';

const opts = parseBenchArgs(process.argv.slice(2), { lists: ['frameworks', 'only'], integers: ['passes', 'connections', 'users'] });
const results = await runFrameworkBenchmarks({ ...opts, log: (line) => process.stderr.write(`  ${line}\n`) });
saveResults('frameworks', opts, results, formatFrameworkMarkdown(results));
