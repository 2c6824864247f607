// The test clock: shared time moved by advanceTime/setTime/resetTime, clocks of their own
// for limiters that must not move with it, and nothing that runs in the background.
import { isLimitRateError, manualClock } from '@limitrate/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { advanceTime, createTestClock, currentTime, resetTime, setTime, TEST_EPOCH, testClock } from './clock.js';
import { createTestLimiter } from './test-limiter.js';
import { expectAllowed, expectBlocked } from './assertions.js';
import { makeRequests } from './requests.js';

afterEach(() => resetTime());

describe('the shared test clock', () => {
  it('starts at TEST_EPOCH, a day boundary, and moves only when told', () => {
    resetTime();
    expect(currentTime()).toBe(TEST_EPOCH);
    expect(TEST_EPOCH % 86_400_000).toBe(0);
    expect(currentTime()).toBe(TEST_EPOCH);
    advanceTime('1 minute');
    advanceTime(1500);
    advanceTime('2h');
    expect(currentTime() - TEST_EPOCH).toBe(60_000 + 1500 + 7_200_000);
    expect(testClock.now()).toBe(currentTime());
  });

  it('jumps with setTime (numbers and Dates, backwards too) and goes back with resetTime', () => {
    setTime(new Date('2030-06-01T12:00:00Z'));
    expect(new Date(currentTime()).toISOString()).toBe('2030-06-01T12:00:00.000Z');
    setTime(1000);
    expect(currentTime()).toBe(1000);
    resetTime();
    expect(currentTime()).toBe(TEST_EPOCH);
  });

  it('refuses bad durations and times with coded errors', () => {
    expect(() => advanceTime('soon')).toThrow(/advanceTime\(\) "soon" is not a valid duration.*'30 seconds', '1 minute', '2h'/);
    expect(() => advanceTime(-1)).toThrow('advanceTime() moves time forward only, got -1. Use setTime() to jump back in time');
    expect(() => setTime(new Date('nope'))).toThrow('setTime() needs a timestamp in ms or a valid Date, got an invalid Date');
    try {
      setTime(Number.NaN);
    } catch (e) {
      expect(isLimitRateError(e, 'ERR_LIMITRATE_INVALID_REQUEST')).toBe(true);
    }
    expect(currentTime()).toBe(TEST_EPOCH);
  });

  it('drives every test limiter created without a clock', async () => {
    const a = createTestLimiter({ policies: { free: { rate: { maxPerMinute: 1 } } } });
    const b = createTestLimiter({ policies: { free: { rate: { maxPerHour: 1 } } } });
    expect(a.clock).toBe(testClock);
    await makeRequests(a, 1);
    await makeRequests(b, 1);
    advanceTime('1 minute');
    await expectAllowed(a);
    await expectBlocked(b);
    advanceTime('1 hour');
    await expectAllowed(b);
  });
});

describe('clocks of their own', () => {
  it('move independently of the shared clock', async () => {
    const clock = createTestClock(Date.UTC(2030, 0, 1));
    const limiter = createTestLimiter({ policies: { free: { rate: { maxPerMinute: 1 } } }, clock });
    expect(limiter.clock).toBe(clock);
    await makeRequests(limiter, 1);
    advanceTime('1 hour');
    await expectBlocked(limiter);
    clock.advance('1 minute');
    await expectAllowed(limiter);
    expect(clock.now()).toBe(Date.UTC(2030, 0, 1, 0, 1));
    clock.reset();
    expect(clock.now()).toBe(clock.start);
  });

  it("accept core's manualClock, and refuse a clock the tests cannot move", () => {
    expect(createTestLimiter({ policies: { free: { rate: { maxPerMinute: 1 } } }, clock: manualClock(0) }).clock.now()).toBe(0);
    expect(() => createTestLimiter({ policies: { free: { rate: { maxPerMinute: 1 } } }, clock: { now: () => 0 } })).toThrow(
      /clock: must be a clock the tests can move \(advance and set\), such as createTestClock\(\)\. Leave it out to use the shared clock/,
    );
  });
});

describe('nothing in the background', () => {
  it('creating and using test limiters starts no timer', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const limiter = createTestLimiter({ policies: { free: { rate: { maxPerMinute: 5 }, cost: { hourlyCap: 1, estimateCost: () => 0.1 } } }, store: { type: 'memory' } });
    await makeRequests(limiter, 20, { user: 'u' });
    advanceTime('1 day');
    await makeRequests(limiter, 20, { user: 'u' });
    expect(timers()).toBe(before);
  });

  it('decides by the test clock, not the wall clock', async () => {
    const limiter = createTestLimiter({ policies: { free: { rate: { maxPerSecond: 1 } } } });
    await makeRequests(limiter, 1);
    // The wall clock jumps an hour: the limiter's second has not passed.
    const now = vi.spyOn(Date, 'now').mockReturnValue(Date.now() + 3_600_000);
    try {
      await expectBlocked(limiter);
    } finally {
      now.mockRestore();
    }
    const r = await limiter.peek({ userId: 'test-user' });
    expect(r.timestamp).toBe(TEST_EPOCH);
  });
});
