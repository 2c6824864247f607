// The aggregator on its own, with hand-made records and counts: timings weighted by the checks
// they stand for, deltas of live counts, a retired limiter's counts, usage gauges.
import { describe, expect, it } from 'vitest';
import type { CheckCounts, CheckRecord, RateLimitResult } from '@limitrate/core';
import { Aggregator, type MetricPoint } from '../src/aggregator.js';

function result(over: Partial<RateLimitResult> = {}): RateLimitResult {
  return { allowed: true, action: 'allow', reason: undefined, current: 1, limit: 10, remaining: 9, resetInSeconds: 60, retryAfter: undefined, blockedBy: undefined, limits: [], slowdownMs: 0, dryRun: false, user: 'u', plan: 'free', endpoint: 'GET|/x', policy: 'free', cost: 0, tokens: 0, degraded: false, error: undefined, timestamp: 0, ...over };
}

function timedRecord(durationSeconds: number, timingWeight: number, r: RateLimitResult = result()): CheckRecord {
  return { operation: 'check', outcome: 'allowed', result: r, durationSeconds, timingWeight };
}

const byName = (points: MetricPoint[], name: string) => points.filter((p) => p.name === `limitrate.${name}`);

function aggregator() {
  return new Aggregator({ prefix: 'limitrate.', tagUsers: false, maxUsers: 100, maxSeries: 1000 });
}

describe('Aggregator', () => {
  it('weights each timing by the checks it stands for (sample rate = timings / checks)', () => {
    const agg = aggregator();
    agg.timed(timedRecord(0.001, 1));
    agg.timed(timedRecord(0.002, 3));
    agg.timed(timedRecord(0.003, 4));
    agg.timed(timedRecord(0.004, 0)); // timed for a tracer only: not a metrics timing
    const [d] = byName(agg.drain(), 'check.duration');
    expect(d).toMatchObject({ type: 'distribution', values: [0.001, 0.002, 0.003], rate: 3 / 8, tags: ['plan:free', 'endpoint:GET_/x'] });
    expect(byName(agg.drain(), 'check.duration')).toEqual([]);
  });

  it('sends the highest usage and utilization of the timed checks, and the latest limit', () => {
    const agg = aggregator();
    agg.timed(timedRecord(0.001, 1, result({ current: 8, limit: 10, timestamp: 1 })));
    agg.timed(timedRecord(0.001, 1, result({ current: 3, limit: 20, timestamp: 2 })));
    const points = agg.drain();
    expect([byName(points, 'usage')[0]!.value, byName(points, 'limit')[0]!.value, byName(points, 'utilization')[0]!.value]).toEqual([8, 20, 0.8]);
  });

  it('sends what live counts grew by, and a retired reader\'s last growth once', () => {
    const agg = aggregator();
    const entry = { plan: 'free', endpoint: 'GET|/x', allowed: 5, blocked: 1, slowed: 0, logged: 0, cost: 0, tokens: 0, latest: undefined };
    const counts: CheckCounts[] = [entry];
    agg.countReaders.add(() => counts);
    const checks = (points: MetricPoint[]) => byName(points, 'checks').map((p) => [p.tags.at(-1), p.value]);
    expect(checks(agg.drain())).toEqual([['result:allowed', 5], ['result:blocked', 1]]);
    entry.allowed = 7;
    expect(checks(agg.drain())).toEqual([['result:allowed', 2]]);
    expect(checks(agg.drain())).toEqual([]);
    entry.blocked = 4;
    agg.countReaders.clear();
    agg.retire(counts);
    entry.blocked = 9; // no longer read
    expect(checks(agg.drain())).toEqual([['result:blocked', 3]]);
    expect(checks(agg.drain())).toEqual([]);
  });
});
