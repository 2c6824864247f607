// Prints a results file (default results/latest.json) as Markdown tables, for the README.
// Usage: node src/report.mjs [path/to/results.json]
import { readFileSync } from 'node:fs';
import process from 'node:process';
import { URL, fileURLToPath } from 'node:url';
import { formatMarkdown } from './harness.mjs';

const file = process.argv[2] ?? fileURLToPath(new URL('../results/latest.json', import.meta.url));
process.stdout.write(`${formatMarkdown(JSON.parse(readFileSync(file, 'utf8')))}\n`);
