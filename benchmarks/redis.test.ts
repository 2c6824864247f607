// Smoke test of the Redis benchmark: quick mode must measure every subject in both modes,
// count one EVALSHA per LimitRate decision one at a time (one limit and four) and never more
// under load (batched), exactly one with batching off, and give every target a
// verdict; the HTTP subjects (@upstash/ratelimit and UpstashStore through the local Upstash
// REST server) are measured too, with their HTTP requests counted.
// No rate or ratio is asserted: performance is measured, never asserted.
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
      // Whatever the speed: one round trip per decision one at a time, four limits or one;
      // under load batched decisions share round trips; with batching off, one each.
      for (const subject of ['limitrate', 'limitrate-4']) {
        const trips = roundTrips(results.modes[mode.id].subjects[subject].perDecision);
        if (mode.inFlight === 1) expect(trips, subject).toBe(1);
        else expect(trips, subject).toBeLessThan(1);
      }
      expect(roundTrips(results.modes[mode.id].subjects['limitrate-unbatched'].perDecision)).toBe(1);
      // Over HTTP: both measured. @upstash/ratelimit is one EVALSHA per decision (its client
      // may pipeline them under load); UpstashStore one EVALSHA and one request per decision
      // one at a time, and batched (fewer of both) under load.
      const rl = results.modes[mode.id].subjects['upstash-ratelimit'];
      expect(rl.perDecision.evalsha).toBe(1);
      expect(rl.httpPerDecision).toBeGreaterThan(0);
      const lr = results.modes[mode.id].subjects['limitrate-upstash'];
      if (mode.inFlight === 1) {
        expect(lr.perDecision.evalsha).toBe(1);
        expect(lr.httpPerDecision).toBe(1);
      } else {
        expect(lr.perDecision.evalsha).toBeLessThan(1);
        expect(lr.httpPerDecision).toBeLessThan(1);
      }
    }
    for (const t of results.targets.filter((t: { informative?: boolean }) => !t.informative)) expect(typeof t.met, t.id).toBe('boolean');
    expect(results.targets.find((t: { id: string }) => t.id === 'U1').value).toMatch(/x one at a time, .*x at 256 in flight$/);
    const markdown = formatRedisMarkdown(results);
    expect(markdown).toContain('| limitrate-4 |');
    expect(markdown).toContain('| limitrate-upstash |');
  }, 120_000);
});
