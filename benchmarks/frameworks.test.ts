// Smoke test of the frameworks benchmark: quick mode must measure the bare framework,
// LimitRate's adapter and the framework's usual limiter on Fastify and on Hono in both
// scenarios (each probed: 200s, and a limiter's remaining count drops), and give every
// target a verdict. No rate or ratio is asserted: performance is measured, never asserted.
import { describe, expect, it } from 'vitest';
// @ts-expect-error -- plain .mjs harness, no type declarations
import { FRAMEWORKS, formatFrameworkMarkdown, runFrameworkBenchmarks } from './src/frameworks.mjs';

describe('frameworks benchmark (quick mode)', () => {
  it('measures bare, LimitRate and the usual limiter on each framework and evaluates every target', async () => {
    const results = await runFrameworkBenchmarks({ quick: true, durationSec: 0.3, warmupSec: 0.1, users: 20 });
    expect(results.kind).toBe('frameworks');
    for (const sc of Object.values(results.scenarios) as Record<string, { reqPerSec: number }>[]) {
      for (const f of Object.values(FRAMEWORKS) as { bare: string; limitrate: string; peer: string }[]) {
        for (const v of [f.bare, f.limitrate, f.peer]) expect(sc[v]!.reqPerSec, v).toBeGreaterThan(0);
      }
    }
    expect(results.targets).toHaveLength(16);
    for (const t of results.targets.filter((x: { info?: boolean }) => !x.info)) expect(typeof t.met, t.id).toBe('boolean');
    for (const t of results.targets.filter((x: { info?: boolean }) => x.info)) expect(t.value, t.id).toBeGreaterThan(0);
    expect(formatFrameworkMarkdown(results)).toContain('| hono-limitrate |');
  }, 180_000);
});
