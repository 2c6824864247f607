// Smoke test of the observability benchmark: quick mode measures every backend against
// its baseline (each in its own process, never refused) and gives every target a verdict. No time
// or ratio is asserted: performance is measured, never asserted.
import { describe, expect, it } from 'vitest';
// @ts-expect-error -- plain .mjs harness, no type declarations
import { formatObservability, runObservabilityBenchmark } from './src/observability.mjs';
// @ts-expect-error -- plain .mjs harness, no type declarations
import { OBSERVABILITY_SUBJECTS } from './src/observability-worker.mjs';

describe('observability benchmark (quick mode)', () => {
  it('measures each backend against none and evaluates every target', async () => {
    const results = await runObservabilityBenchmark({ quick: true, instructions: false });
    const subjects = Object.keys(OBSERVABILITY_SUBJECTS);
    expect(Object.keys(results.subjects)).toEqual(subjects);
    for (const s of subjects) expect(results.subjects[s].nsPerCheck, s).toBeGreaterThan(0);
    // Every backend has a target; the baselines and the diagnostic subjects do not.
    const backends = subjects.filter((s) => !s.startsWith('none') && OBSERVABILITY_SUBJECTS[s].diagnostic !== true);
    expect(results.targets.map((t: { id: string }) => t.id)).toEqual(backends.map((s) => `O1.${s}`));
    expect(results.subjects['opentelemetry-sdk-in-unsampled-request'].baseline).toBe('none-in-request');
    for (const t of results.targets) expect(typeof t.met, t.id).toBe('boolean');
    expect(formatObservability(results)).toContain('| prometheus |');
  }, 120_000);
});
