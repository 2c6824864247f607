// The suite outside vitest: node:test runs it from the built package, in ESM and CommonJS.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe as nodeDescribe, it as nodeIt } from 'node:test';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { storeConformance, type defineStoreConformance } from '../src/index.js';

// node:test's describe/it fit the runner parameter (checked by `pnpm typecheck`).
export const nodeRunner: Parameters<typeof defineStoreConformance>[0] = { describe: nodeDescribe, it: nodeIt };

const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const cwd = fileURLToPath(new URL('..', import.meta.url));

describe.skipIf(!existsSync(dist))('under node:test (needs `pnpm build`)', () => {
  const expected = storeConformance({ name: 'count', create: () => ({ name: 'none', consume: () => Promise.reject(new Error()), reset: () => 0 }) }).length - 1;

  it.each(['test/fixtures/node-test-runner.mjs', 'test/fixtures/node-test-runner.cjs'])('%s passes every case', (file) => {
    const r = spawnSync(process.execPath, ['--test', '--test-reporter=tap', file], { cwd, encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr + r.stdout).toMatch(new RegExp(`# pass ${expected}\\b`));
    expect(r.stdout).toMatch(/# fail 0\b/);
    expect(r.status).toBe(0);
  });
});
