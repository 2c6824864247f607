// Prints a results file (default results/latest.json) as Markdown tables, for the README.
// Usage: node src/report.mjs [path/to/results.json]   (results/http-latest.json: the HTTP benchmark's; results/redis-latest.json: the Redis benchmark's)
import { readFileSync } from 'node:fs';
import process from 'node:process';
import { URL, fileURLToPath } from 'node:url';
import { formatMarkdown } from './harness.mjs';

const file = process.argv[2] ?? fileURLToPath(new URL('../results/latest.json', import.meta.url));
const results = JSON.parse(readFileSync(file, 'utf8'));
const format = results.kind === 'http' ? (await import('./http.mjs')).formatHttpMarkdown : results.kind === 'redis' ? (await import('./redis.mjs')).formatRedisMarkdown : formatMarkdown;
process.stdout.write(`${format(results)}\n`);
