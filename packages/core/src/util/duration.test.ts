// parseDuration: milliseconds, readable strings and compound strings; anything else is a
// coded error that lists the accepted forms.
import { isLimitRateError } from '../errors/index.js';
import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    [1500, 1500],
    [0, 0],
    ['1500', 1500],
    ['1 minute', 60_000],
    ['30 seconds', 30_000],
    ['2h', 7_200_000],
    ['1h 30m', 5_400_000],
    ['1h30m', 5_400_000],
    ['1 hour, 30 minutes and 15 seconds', 5_415_000],
    ['1.5 days', 129_600_000],
    ['500ms', 500],
    ['2 Weeks', 1_209_600_000],
    ['  10 sec  ', 10_000],
    ['1 hr', 3_600_000],
  ])('%j is %d ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it.each([['-5'], ['5 parsecs'], ['minute'], [''], ['1 minute 30'], [-1], [Number.NaN], [Infinity]])('refuses %j with the accepted forms', (input) => {
    let error: unknown;
    try {
      parseDuration(input);
    } catch (e) {
      error = e;
    }
    expect(isLimitRateError(error, 'ERR_LIMITRATE_INVALID_REQUEST')).toBe(true);
    expect((error as Error).message).toMatch(/is not a valid duration: .+\. Use a number of milliseconds \(1500\) or a string such as '30 seconds', '1 minute', '2h' or '1h 30m' \(units: ms, s, m, h, d, w\)$/);
  });

  it('says what was wrong and names the caller', () => {
    expect(() => parseDuration('5 parsecs', 'advanceTime()')).toThrow('advanceTime() "5 parsecs" is not a valid duration: "parsecs" is not a unit');
    expect(() => parseDuration(null as unknown as string)).toThrow('duration null is not a valid duration: it is null');
    expect(() => parseDuration('-5s')).toThrow('it is negative');
  });
});
