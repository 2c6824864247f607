// The documentation cannot rot: every TypeScript block in docs/ and in this package's README
// is a verbatim copy of a runnable file under docs/examples/ (marked
// `<!-- example: docs/examples/NAME.ts -->`), every such file runs against the built package
// and prints something, and an output block marked `<!-- output: docs/examples/NAME.ts -->`
// is exactly what that file prints. Run `pnpm --filter @limitrate/core build` first.
// After changing what an example prints, `LIMITRATE_UPDATE_DOCS=1` rewrites the output blocks
// (review the diff: they are what readers are told to expect).
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const EXAMPLES = join(ROOT, 'docs/examples');
/** `<!-- example: docs/examples/NAME.ts -->` (or `output:`) on the line right before a fence. */
const MARKER = /^<!-- (example|output): (docs\/examples\/[\w.-]+\.ts) -->\s*$/;
const TS_LANGS = new Set(['ts', 'typescript', 'tsx']);
/**
 * `<!-- snapshot: docs/examples/__snapshots__/NAME.snap -->` before a text block: the block is
 * the first snapshot that file holds (a test example's `toMatchSnapshot()`), as the runner wrote it.
 */
const SNAPSHOT_MARKER = /^<!-- snapshot: (docs\/examples\/__snapshots__\/[\w.-]+\.snap) -->\s*$/;

interface CodeBlock {
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  /** The example file named by an `example:` marker before the fence, if any. */
  example: string | undefined;
  /** The example file named by an `output:` marker before the fence, if any. */
  output: string | undefined;
  /** The snapshot file named by a `snapshot:` marker before the fence, if any. */
  snapshot: string | undefined;
  /** The lines between the fences, each ending with a newline. */
  body: string;
}

interface MarkerProblem {
  line: number;
  problem: string;
}

/** Markdown files under `dir`, skipping node_modules. */
function markdownFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...markdownFiles(path));
    else if (entry.name.endsWith('.md')) out.push(path);
  }
  return out;
}

/** The fenced code blocks of a markdown text, and markers that are not followed by a fence. */
function parse(markdown: string): { blocks: CodeBlock[]; strayMarkers: MarkerProblem[] } {
  const lines = markdown.replace(/\r\n/g, '\n').split('\n');
  const blocks: CodeBlock[] = [];
  const strayMarkers: MarkerProblem[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if ((MARKER.test(line) || SNAPSHOT_MARKER.test(line)) && !/^```/.test(lines[i + 1] ?? '')) strayMarkers.push({ line: i + 1, problem: 'is not followed by a code fence' });
    const open = /^(`{3,})\s*([\w-]*)/.exec(line);
    if (open === null) continue;
    const fence = open[1]!;
    let end = i + 1;
    while (end < lines.length && lines[end]!.trimEnd() !== fence) end++;
    if (end >= lines.length) throw new Error(`unclosed code fence at line ${i + 1}`);
    const body = lines.slice(i + 1, end).map((l) => `${l}\n`).join('');
    const marker = MARKER.exec(lines[i - 1] ?? '');
    blocks.push({
      line: i + 1,
      lang: open[2]!,
      example: marker?.[1] === 'example' ? marker[2] : undefined,
      output: marker?.[1] === 'output' ? marker[2] : undefined,
      snapshot: SNAPSHOT_MARKER.exec(lines[i - 1] ?? '')?.[1],
      body,
    });
    i = end;
  }
  return { blocks, strayMarkers };
}

const UPDATE = process.env.LIMITRATE_UPDATE_DOCS === '1';
const docs = [...markdownFiles(join(ROOT, 'docs')), ...['core', 'express'].map((p) => join(ROOT, `packages/${p}/README.md`))].filter((f) => existsSync(f)).sort();
const exampleFiles = readdirSync(EXAMPLES)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
  .sort();
const parsed = docs.map((file) => ({ file, name: relative(ROOT, file), ...parse(readFileSync(file, 'utf8')) }));

/** Output blocks that quote what an example prints, by example path. */
const outputBlocks = new Map<string, { where: string; file: string; line: number; body: string }[]>();
for (const doc of parsed) {
  for (const block of doc.blocks) {
    if (block.output === undefined) continue;
    const list = outputBlocks.get(block.output) ?? [];
    list.push({ where: `${doc.name}:${block.line}`, file: doc.file, line: block.line, body: block.body });
    outputBlocks.set(block.output, list);
  }
}

describe('docs: code blocks are the example files, verbatim', () => {
  it('finds the guides, the README and the examples', () => {
    expect(parsed.map((d) => d.name)).toEqual(expect.arrayContaining(['docs/README.md', 'docs/algorithms.md', 'docs/policies.md', 'packages/core/README.md']));
    expect(exampleFiles.length).toBeGreaterThan(0);
  });

  it.each(parsed.map((d) => [d.name, d] as const))('%s', (_name, doc) => {
    expect(doc.strayMarkers).toEqual([]);
    for (const block of doc.blocks) {
      const where = `${doc.name}:${block.line}`;
      const named = block.example ?? block.output;
      if (named !== undefined) expect(existsSync(join(ROOT, named)), `${where}: ${named} does not exist`).toBe(true);
      if (block.output !== undefined) {
        expect(block.lang, `${where}: an output must be a \`\`\`text block`).toBe('text');
        continue;
      }
      if (block.snapshot !== undefined) {
        expect(existsSync(join(ROOT, block.snapshot)), `${where}: ${block.snapshot} does not exist`).toBe(true);
        const snap = readFileSync(join(ROOT, block.snapshot), 'utf8').replace(/\r\n/g, '\n');
        const first = /= `\n([\s\S]*?)\n`;/.exec(snap)?.[1];
        expect(`${first}\n`, `${where}: the block differs from the snapshot in ${block.snapshot}`).toBe(block.body);
        continue;
      }
      if (block.example === undefined) {
        // Every TypeScript block must come from a runnable example.
        expect(TS_LANGS.has(block.lang), `${where}: a \`\`\`${block.lang} block without an <!-- example: ... --> marker`).toBe(false);
        continue;
      }
      expect(block.lang, `${where}: an example must be a \`\`\`ts block`).toBe('ts');
      expect(block.body, `${where}: the block differs from ${block.example}`).toBe(readFileSync(join(ROOT, block.example), 'utf8').replace(/\r\n/g, '\n'));
    }
  });

  it('every example is quoted somewhere', () => {
    const quoted = new Set(parsed.flatMap((d) => d.blocks.map((b) => b.example)));
    expect(exampleFiles.map((f) => `docs/examples/${f}`).filter((f) => !quoted.has(f))).toEqual([]);
  });

  it.each(exampleFiles)('%s imports only @limitrate/* packages, as users do', (name) => {
    const source = readFileSync(join(EXAMPLES, name), 'utf8');
    const specifiers = [...source.matchAll(/\b(?:from|import)\s*\(?\s*'([^']+)'/g)].map((m) => m[1]);
    expect(specifiers.length).toBeGreaterThan(0);
    // The production guide's examples use the store packages, the testing guide's are tests
    // (run by docs/examples/vitest.config.ts), the dashboard guide's serve an app and read
    // Redis; every other example core alone.
    const allowed = IMPORTS.find(([pattern]) => pattern.test(name))?.[1] ?? ['@limitrate/core'];
    expect(specifiers.filter((s) => !allowed.includes(s!))).toEqual([]);
  });
});

/**
 * The production guide's examples talk to real servers: REDIS_URL is the test Redis
 * (LIMITRATE_REDIS_URL, which `npm test` starts), and UPSTASH_REDIS_REST_URL / _TOKEN a local
 * Upstash-compatible REST server in front of it. Without a test Redis they are skipped.
 */
const STORE_EXAMPLE = /^(?:production-|analytics-fleet)/;
/** What an example may import besides core, by its name. */
const IMPORTS: Array<[RegExp, string[]]> = [
  [/^production-/, ['@limitrate/core', '@limitrate/redis', '@limitrate/upstash']],
  [/^testing-.*\.test\.ts$/, ['@limitrate/core', '@limitrate/testing', 'vitest']],
  [/^analytics-fleet/, ['@limitrate/core', '@limitrate/redis', 'ioredis']],
  [/^analytics-inspector/, ['@limitrate/core', '@limitrate/express', 'express', 'node:net']],
];
/** The testing guide's examples are test files, run by their own vitest project (docs/examples/vitest.config.ts). */
const TEST_EXAMPLE = /^testing-.*\.test\.ts$/;
const testRedis = process.env.LIMITRATE_REDIS_URL;
let rest: { url: string; token: string; close(): Promise<void> } | undefined;
beforeAll(async () => {
  if (testRedis === undefined) return;
  const { startRestServer } = (await import('../../upstash/test/rest-server.mjs')) as { startRestServer: (url: string) => Promise<NonNullable<typeof rest>> };
  rest = await startRestServer(testRedis);
  process.env.REDIS_URL = testRedis;
  process.env.UPSTASH_REDIS_REST_URL = rest.url;
  process.env.UPSTASH_REDIS_REST_TOKEN = rest.token;
});
afterAll(async () => {
  await rest?.close();
});

/** Runs an example, checking that it prints something and what the docs show it printing. */
async function runExample(name: string): Promise<void> {
  const printed: string[] = [];
  // (src/globals.d.ts declares a console without `log`, for edge-safe code.)
  const out = console as unknown as { log: (...args: unknown[]) => void };
  const log = out.log;
  out.log = (...args: unknown[]) => void printed.push(args.map(String).join(' '));
  try {
    await import(pathToFileURL(join(EXAMPLES, name)).href);
  } finally {
    out.log = log;
  }
  const output = printed.map((line) => `${line}\n`).join('');
  expect(output.trim()).not.toBe('');
  for (const block of outputBlocks.get(`docs/examples/${name}`) ?? []) {
    if (UPDATE && output !== block.body) {
      rewriteBlock(block.file, block.line, block.body, output);
      continue;
    }
    expect(output, `${block.where}: the output shown differs from what ${name} prints`).toBe(block.body);
  }
}

describe('docs: every example runs and prints what the docs show', () => {
  it.each(exampleFiles.filter((f) => !STORE_EXAMPLE.test(f) && !TEST_EXAMPLE.test(f)))('%s', runExample, 30_000);
});

describe.skipIf(testRedis === undefined)('docs: the production examples run against Redis and a local Upstash REST server', () => {
  it.each(exampleFiles.filter((f) => STORE_EXAMPLE.test(f)))('%s', runExample, 30_000);
});

/**
 * Replaces the body of an output block, found again in the file as it is now (an earlier
 * rewrite may have moved it): the block marked for the same example that started nearest
 * to `line` in the original file, checking it still reads `was`.
 */
function rewriteBlock(file: string, line: number, was: string, now: string): void {
  const text = readFileSync(file, 'utf8').replace(/\r\n/g, '\n');
  const original = parsed.find((d) => d.file === file)!.blocks.find((b) => b.line === line)!;
  const current = parse(text).blocks.filter((b) => b.output === original.output);
  const earlier = parsed.find((d) => d.file === file)!.blocks.filter((b) => b.output === original.output && b.line <= line).length;
  const block = current[earlier - 1];
  if (block === undefined || block.body !== was) throw new Error(`${file}:${line} changed while updating; run again`);
  const lines = text.split('\n');
  lines.splice(block.line, was.split('\n').length - 1, ...now.replace(/\n$/, '').split('\n'));
  writeFileSync(file, lines.join('\n'));
}
