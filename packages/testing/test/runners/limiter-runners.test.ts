// The test limiter's helpers outside vitest: a jest suite (CommonJS) and a node:test suite
// (ESM) use the built package, each with one test that fails on purpose; both runners must
// report that failure with the assertion's message, and pass everything else.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const cwd = fileURLToPath(new URL('../..', import.meta.url));
const dist = fileURLToPath(new URL('../../dist/index.cjs', import.meta.url));
const built = existsSync(dist) && readFileSync(dist, 'utf8').includes('createTestLimiter');
const jestBin = createRequire(import.meta.url).resolve('jest/bin/jest');

/** The first line of the message the failing test must show, in both runners. */
const HEADLINE = 'expected POST|/api/chat for user u1 (plan free) to be blocked, but it was allowed: rate:1m used 5 of 10, resets in 42 s';

function run(args: string[]): { status: number | null; output: string } {
  const r = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', timeout: 60_000, env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' } });
  return { status: r.status, output: `${r.stdout}\n${r.stderr}` };
}

describe.skipIf(!built)('the limiter helpers under other runners (needs `pnpm --filter @limitrate/testing build`)', () => {
  it('node:test (ESM): passes all but the failing test, which shows the assertion message', () => {
    const { status, output } = run(['--test', '--test-reporter=tap', 'test/runners/node/limits.test.mjs']);
    expect(output).toMatch(/# pass 5\b/);
    expect(output).toMatch(/# fail 1\b/);
    expect(output).toContain('not ok 6 - fails on purpose: a request expected to be blocked is allowed');
    expect(output).toContain(HEADLINE);
    expect(output).toContain("name: 'AssertionError'");
    expect(status).toBe(1);
  });

  it('jest (CommonJS): passes all but the failing test, which shows the assertion message', () => {
    const { status, output } = run([jestBin, '--config', 'test/runners/jest.config.cjs', '--ci']);
    expect(output).toMatch(/Tests:\s+1 failed, 5 passed, 6 total/);
    expect(output).toMatch(/Snapshots:\s+1 passed, 1 total/);
    expect(output).toContain('● My API Rate Limits › fails on purpose: a request expected to be blocked is allowed');
    expect(output).toContain(HEADLINE);
    expect(status).toBe(1);
  });
});
