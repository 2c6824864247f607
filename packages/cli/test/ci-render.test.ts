// ink only draws the last frame when it detects CI (CI=1, which our CI sets). ink-testing-library
// renders in ink's debug mode, which draws every frame either way: the built Dashboard renders
// the same with CI=1 and without.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleReport } from './fixtures.js';

const CHILD = fileURLToPath(new URL('./render-child.mjs', import.meta.url));
let dir: string;
let reportFile: string;

beforeAll(async () => {
  if (!existsSync(fileURLToPath(new URL('../dist/index.js', import.meta.url)))) throw new Error('dist/index.js is missing: build first (pnpm --filter @limitrate/cli build)');
  dir = await mkdtemp(join(tmpdir(), 'limitrate-ci-'));
  reportFile = join(dir, 'report.json');
  await writeFile(reportFile, JSON.stringify(sampleReport()));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function renderWith(ci: string | undefined): Promise<string> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env['CI'];
  delete env['CONTINUOUS_INTEGRATION'];
  if (ci !== undefined) env['CI'] = ci;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CHILD, reportFile], { env, timeout: 20_000 }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
  });
}

describe('Dashboard under ink-testing-library', () => {
  for (const ci of ['1', undefined]) {
    it(`renders every panel with CI=${ci ?? '(unset)'}`, async () => {
      const frame = await renderWith(ci);
      for (const title of ['SYSTEM STATUS', 'TOP ENDPOINTS', 'TOP USERS', 'RECENT BLOCKS']) expect(frame).toContain(title);
      expect(frame).toMatch(/POST\|\/api\/chat\s+300/);
      expect(frame).toContain('source: fixture://child');
    });
  }
});
