// Smoke test of the frameworks benchmark: quick mode must measure the bare framework,
// LimitRate's adapter and the framework's usual limiter on Fastify and on Hono in both
// scenarios (each probed: 200s, and a limiter's remaining count drops), and give every
// target a verdict. No rate or ratio is asserted: performance is measured, never asserted.
import { spawnSync } from 'node:child_process';
import process from 'node:process';
import { fileURLToPath, URL } from 'node:url';
import { describe, expect, it } from 'vitest';
// @ts-expect-error -- plain .mjs harness, no type declarations
import { FRAMEWORKS, formatFrameworkMarkdown, runFrameworkBenchmarks } from './src/frameworks.mjs';
// @ts-expect-error -- plain .mjs harness, no type declarations
import { INSTRUCTION_SETS } from './src/frameworks-instructions.mjs';
// @ts-expect-error -- plain .mjs harness, no type declarations
import { FRAMEWORK_VARIANTS } from './src/frameworks-server.mjs';

const WORKER = fileURLToPath(new URL('./src/frameworks-instructions-worker.mjs', import.meta.url));

describe('frameworks benchmark (quick mode)', () => {
  it('measures bare, LimitRate and the usual limiter on each framework and evaluates every target', async () => {
    const results = await runFrameworkBenchmarks({ quick: true, durationSec: 0.3, warmupSec: 0.1, users: 20 });
    expect(results.kind).toBe('frameworks');
    for (const sc of Object.values(results.scenarios) as Record<string, { reqPerSec: number }>[]) {
      for (const f of Object.values(FRAMEWORKS) as { bare: string; limitrate: string; legacy: string; peer: string }[]) {
        for (const v of [f.bare, f.limitrate, f.legacy, f.peer]) expect(sc[v]!.reqPerSec, v).toBeGreaterThan(0);
      }
    }
    expect(results.targets).toHaveLength(24);
    for (const t of results.targets.filter((x: { info?: boolean }) => !x.info)) expect(typeof t.met, t.id).toBe('boolean');
    for (const t of results.targets.filter((x: { info?: boolean }) => x.info)) expect(t.value, t.id).toBeGreaterThan(0);
    expect(formatFrameworkMarkdown(results)).toContain('| hono-limitrate |');
  }, 180_000);
});

describe('frameworks instruction count', () => {
  it('counts every variant it names, and its server and client run one request after another (natively here, under callgrind in the benchmark)', async () => {
    for (const set of Object.values(INSTRUCTION_SETS) as { bare: string; subjects: string[]; peer: string }[]) {
      for (const v of [set.bare, ...set.subjects]) expect(FRAMEWORK_VARIANTS[v], v).toBeDefined();
      expect(set.subjects).toContain(set.peer);
    }
    for (const variant of ['fastify-limitrate', 'hono-limitrate']) {
      for (const users of ['one', 'many']) {
        const run = spawnSync(process.execPath, [WORKER, variant, users, '5', '20'], { encoding: 'utf8', timeout: 60_000 });
        expect(run.status, `${variant} ${users}: ${run.stderr}`).toBe(0);
      }
    }
  }, 120_000);
});
