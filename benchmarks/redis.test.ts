// Smoke test of the Redis benchmark: quick mode must measure every subject in both modes,
// count one EVALSHA per LimitRate decision (one limit and four), and give every target a
// verdict. No rate or ratio is asserted: performance is measured, never asserted.
import { describe, expect, it } from 'vitest';
// @ts-expect-error -- plain .mjs harness, no type declarations
import { DEFAULT_REDIS_SUBJECTS, REDIS_MODES, formatRedisMarkdown, roundTrips, runRedisBenchmarks } from './src/redis.mjs';

describe('Redis benchmark (quick mode)', () => {
  it('measures every subject in both modes and evaluates every target', async () => {
    const results = await runRedisBenchmarks({ quick: true, durationSec: 0.3, warmupSec: 0.1, users: 50, isolated: true });
    expect(results.kind).toBe('redis');
    for (const mode of REDIS_MODES) {
      for (const subject of DEFAULT_REDIS_SUBJECTS) {
        const r = results.modes[mode.id].subjects[subject];
        expect(r.perSec, `${mode.id} ${subject}`).toBeGreaterThan(0);
      }
      // Whatever the speed, LimitRate costs one round trip per decision, four limits or one.
      expect(roundTrips(results.modes[mode.id].subjects.limitrate.perDecision)).toBe(1);
      expect(roundTrips(results.modes[mode.id].subjects['limitrate-4'].perDecision)).toBe(1);
    }
    for (const t of results.targets) expect(typeof t.met, t.id).toBe('boolean');
    expect(formatRedisMarkdown(results)).toContain('| limitrate-4 |');
  }, 120_000);
});
