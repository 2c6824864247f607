// Unit tests of --interval / --timeout parsing.
import { describe, expect, it } from 'vitest';
import { parseInterval } from './interval.js';

describe('parseInterval', () => {
  it('reads durations and bare seconds', () => {
    expect(parseInterval('2s')).toBe(2000);
    expect(parseInterval('500ms')).toBe(500);
    expect(parseInterval('1m')).toBe(60_000);
    expect(parseInterval('5')).toBe(5000);
    expect(parseInterval('1.5')).toBe(1500);
    expect(parseInterval('1m 30s')).toBe(90_000);
  });

  it('refuses nonsense and out-of-range values with a usage error', () => {
    for (const bad of ['', 'fast', '-1s', '5 parsecs', '10ms', '2h']) {
      expect(() => parseInterval(bad)).toThrow(expect.objectContaining({ code: 'ERR_LIMITRATE_CLI_USAGE' }));
    }
    expect(() => parseInterval('fast', '--timeout')).toThrow(/--timeout "fast" is not a duration/);
  });
});
