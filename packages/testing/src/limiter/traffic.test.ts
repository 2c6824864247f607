// simulateTraffic: steady, burst, ramp and custom patterns, played in sequence on the
// limiter's clock, with totals, steps and per-second counts that are the same every run.
import { isLimitRateError } from '@limitrate/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestClock, currentTime, resetTime, TEST_EPOCH } from './clock.js';
import { getCurrentUsage } from './state.js';
import { createTestLimiter } from './test-limiter.js';
import { simulateTraffic } from './traffic.js';
import type { TrafficPattern } from './schedule.js';

afterEach(() => resetTime());

const perMinute = (n: number) => createTestLimiter({ policies: { free: { rate: { maxPerMinute: n } } } });

describe('simulateTraffic', () => {
  it('steady: evenly spaced requests, the clock moved to the end', async () => {
    const report = await simulateTraffic(perMinute(100), { type: 'steady', rate: 2, duration: '2 minutes', user: 'u1' });
    expect(report).toMatchObject({ requests: 240, allowed: 200, blocked: 40, slowed: 0, dryRun: 0, durationMs: 120_000, firstBlockedAtMs: 50_000 });
    expect(report.steps).toHaveLength(240);
    expect(report.steps.slice(0, 3).map((s) => s.atMs)).toEqual([0, 500, 1000]);
    expect(report.perSecond).toHaveLength(120);
    expect(report.perSecond[49]).toEqual({ second: 49, requests: 2, allowed: 2, blocked: 0, slowed: 0 });
    expect(report.perSecond[50]).toEqual({ second: 50, requests: 2, allowed: 0, blocked: 2, slowed: 0 });
    expect(report.perSecond[60]).toEqual({ second: 60, requests: 2, allowed: 2, blocked: 0, slowed: 0 });
    expect(currentTime()).toBe(TEST_EPOCH + 120_000);
  });

  it('steady at a fractional rate', async () => {
    const report = await simulateTraffic(perMinute(100), { type: 'steady', rate: 0.5, duration: '5s' });
    expect(report.steps.map((s) => s.atMs)).toEqual([0, 2000, 4000]);
    expect(report.perSecond.map((s) => s.requests)).toEqual([1, 0, 1, 0, 1]);
  });

  it('burst: at once, repeated every so often, ending at the last burst', async () => {
    const report = await simulateTraffic(perMinute(10), { type: 'burst', count: 15, repeat: 3, every: '1 minute' });
    expect(report).toMatchObject({ requests: 45, allowed: 30, blocked: 15, durationMs: 120_000, firstBlockedAtMs: 0 });
    expect(report.steps).toEqual([
      { atMs: 0, requests: 15, allowed: 10, blocked: 5, slowed: 0 },
      { atMs: 60_000, requests: 15, allowed: 10, blocked: 5, slowed: 0 },
      { atMs: 120_000, requests: 15, allowed: 10, blocked: 5, slowed: 0 },
    ]);
    expect(report.perSecond).toHaveLength(121);
    const once = await simulateTraffic(perMinute(10), { type: 'burst', count: 3 });
    expect(once).toMatchObject({ requests: 3, durationMs: 0, perSecond: [{ second: 0, requests: 3 }] });
  });

  it('ramp: a rate rising (or falling) linearly', async () => {
    const up = await simulateTraffic(perMinute(1000), { type: 'ramp', from: 1, to: 20, duration: '30 seconds' });
    expect(up.requests).toBe(315);
    expect(up.perSecond[0]!.requests).toBeLessThan(up.perSecond[29]!.requests);
    expect(up.perSecond.reduce((n, s) => n + s.requests, 0)).toBe(315);
    const down = await simulateTraffic(perMinute(1000), { type: 'ramp', from: 10, to: 0, duration: '10 seconds' });
    expect(down.requests).toBe(50);
    // Request k is made when k requests are due: 9.5 by 1 s, 18 by 2 s, 25.5 by 3 s...
    expect(down.perSecond.map((s) => s.requests)).toEqual([10, 8, 8, 6, 6, 4, 4, 2, 2, 0]);
  });

  it('custom: requests at chosen times, each with its own user or endpoint', async () => {
    const limiter = createTestLimiter({ policies: { free: { rate: { maxPerHour: 5 } } } });
    const report = await simulateTraffic(limiter, {
      type: 'custom',
      user: 'u1',
      schedule: [
        { at: '1m', count: 6, user: 'u2' },
        { at: 0, count: 6 },
        { at: '30s', count: 1, endpoint: 'GET|/other' },
      ],
    });
    expect(report.steps).toEqual([
      { atMs: 0, requests: 6, allowed: 5, blocked: 1, slowed: 0 },
      { atMs: 30_000, requests: 1, allowed: 1, blocked: 0, slowed: 0 },
      { atMs: 60_000, requests: 6, allowed: 5, blocked: 1, slowed: 0 },
    ]);
    expect(getCurrentUsage(limiter, 'u2')).toBe(5);
    expect(getCurrentUsage(limiter, 'u1', 'GET|/other')).toBe(1);
  });

  it('spreads requests over users in turn', async () => {
    const limiter = perMinute(3);
    const report = await simulateTraffic(limiter, { type: 'burst', count: 9, users: ['a', 'b', 'c'] });
    expect(report).toMatchObject({ allowed: 9, blocked: 0 });
    expect(['a', 'b', 'c'].map((u) => getCurrentUsage(limiter, u))).toEqual([3, 3, 3]);
  });

  it('plays patterns one after another', async () => {
    // The steady requests of the first minute find the burst's window full.
    const report = await simulateTraffic(perMinute(60), [
      { type: 'burst', count: 100, user: 'u1' },
      { type: 'steady', rate: 1, duration: '2 minutes', user: 'u1' },
    ]);
    expect(report).toMatchObject({ requests: 220, allowed: 60 + 60, blocked: 40 + 60, durationMs: 120_000 });
    expect(report.steps[0]).toEqual({ atMs: 0, requests: 101, allowed: 60, blocked: 41, slowed: 0 });
    expect(report.perSecond[59]).toMatchObject({ requests: 1, blocked: 1 });
    expect(report.perSecond[60]).toMatchObject({ requests: 1, allowed: 1 });
  });

  it('counts slowdowns and dry runs', async () => {
    const slow = createTestLimiter({ policies: { free: { rate: { maxPerMinute: 2, actionOnExceed: 'slowdown' } } } });
    expect(await simulateTraffic(slow, { type: 'burst', count: 5 })).toMatchObject({ allowed: 5, slowed: 3, blocked: 0 });
    const dry = createTestLimiter({ dryRun: true, policies: { free: { rate: { maxPerMinute: 2 } } } });
    expect(await simulateTraffic(dry, { type: 'burst', count: 5 })).toMatchObject({ allowed: 5, blocked: 0, dryRun: 3, firstBlockedAtMs: undefined });
  });

  it('is deterministic, and moves a limiter’s own clock', async () => {
    const pattern: TrafficPattern[] = [
      { type: 'ramp', from: 0, to: 7, duration: '13 seconds', users: ['x', 'y'] },
      { type: 'steady', rate: 3, duration: '7s' },
    ];
    const run = async () => {
      const clock = createTestClock();
      const limiter = createTestLimiter({ policies: { free: { rate: { maxPerSecond: 2, maxPerMinute: 40 } } }, clock });
      const report = await simulateTraffic(limiter, pattern);
      return { report, end: clock.now() };
    };
    const [a, b] = [await run(), await run()];
    expect(a).toEqual(b);
    expect(a.end).toBe(TEST_EPOCH + 20_000);
    expect(currentTime()).toBe(TEST_EPOCH);
  });

  it.each([
    [{ type: 'steady', rate: 0, duration: '1m' }, 'simulateTraffic(): rate must be a number of requests per second > 0, got 0'],
    [{ type: 'steady', rate: 1, duration: 'forever' }, 'simulateTraffic(): duration "forever" is not a valid duration'],
    [{ type: 'ramp', from: -1, to: 2, duration: '1m' }, 'simulateTraffic(): from must be a number of requests per second >= 0, got -1'],
    [{ type: 'burst', count: 2.5 }, 'simulateTraffic(): count must be a whole number >= 0, got 2.5'],
    [{ type: 'burst', count: 2, repeat: 3 }, 'simulateTraffic(): every is needed when repeat > 1'],
    [{ type: 'custom', schedule: [{ at: 'later' }] }, 'simulateTraffic(): schedule[0].at "later" is not a valid duration'],
    [{ type: 'custom', schedule: 'soon' }, 'simulateTraffic(): schedule must be an array of { at, count }'],
    [{ type: 'poisson', rate: 1 }, "simulateTraffic(): type must be 'steady', 'burst', 'ramp' or 'custom', got \"poisson\""],
    [{ type: 'steady', rate: 1000, duration: '1 day' }, 'simulateTraffic(): the pattern makes 86400000 requests, more than 1000000'],
  ])('refuses %j before making any request', async (pattern, message) => {
    const limiter = perMinute(10);
    const error = await simulateTraffic(limiter, [{ type: 'burst', count: 1 }, pattern as TrafficPattern]).catch((e: unknown) => e);
    expect(isLimitRateError(error, 'ERR_LIMITRATE_INVALID_REQUEST')).toBe(true);
    expect((error as Error).message).toContain(message);
    expect(getCurrentUsage(limiter, 'test-user')).toBe(0);
  });
});
