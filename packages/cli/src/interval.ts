// The dashboard's refresh interval from the command line: '5s', '500ms', '1m' or a number of seconds.
import { parseDuration } from '@limitrate/core';
import { usageError } from './errors.js';

/** The shortest refresh the dashboard accepts (the inspector is cheap, but not free). */
export const MIN_INTERVAL_MS = 100;
/** The longest: one hour. */
export const MAX_INTERVAL_MS = 3_600_000;

/**
 * Milliseconds of an interval flag. A bare number is seconds (`--interval 2` is two
 * seconds); otherwise any duration `@limitrate/core` reads (`500ms`, `2s`, `1m`, `1m 30s`).
 * Throws a usage error (`ERR_LIMITRATE_CLI_USAGE`) for anything else or out of 100 ms..1 h.
 *
 * @example
 * ```ts
 * parseInterval('2s');    // 2000
 * parseInterval('500ms'); // 500
 * parseInterval('1.5');   // 1500
 * ```
 */
export function parseInterval(text: string, flag = '--interval'): number {
  const trimmed = text.trim();
  let ms: number;
  if (/^\d+(?:\.\d+)?$/.test(trimmed)) {
    ms = Number(trimmed) * 1000;
  } else {
    try {
      ms = parseDuration(trimmed, flag);
    } catch {
      throw usageError(`${flag} ${JSON.stringify(text)} is not a duration: use for example 5s, 500ms, 1m or a number of seconds`);
    }
  }
  if (ms < MIN_INTERVAL_MS || ms > MAX_INTERVAL_MS) {
    throw usageError(`${flag} ${JSON.stringify(text)} is out of range: use from ${MIN_INTERVAL_MS}ms to 1h`);
  }
  return Math.round(ms);
}
