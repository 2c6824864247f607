// Durations for options (analytics retention, flush interval) and the testing package: milliseconds, or readable strings such
// as '30 seconds', '1 minute', '2h' and '1h 30m'.
import { RequestError } from '../errors/index.js';

/**
 * A duration: a number of milliseconds, or a string of one or more `<number><unit>` parts
 * (units ms, s, m, h, d, w, also spelled out: `seconds`, `minute`, `hrs`...).
 *
 * @example
 * ```ts
 * const durations: Duration[] = [1500, '30 seconds', '1 minute', '2h', '1h 30m', '1.5 days'];
 * ```
 */
export type Duration = number | string;

const MS_PER: Record<string, number> = {};
for (const [ms, names] of [
  [1, ['ms', 'msec', 'msecs', 'millisecond', 'milliseconds']],
  [1000, ['s', 'sec', 'secs', 'second', 'seconds']],
  [60_000, ['m', 'min', 'mins', 'minute', 'minutes']],
  [3_600_000, ['h', 'hr', 'hrs', 'hour', 'hours']],
  [86_400_000, ['d', 'day', 'days']],
  [604_800_000, ['w', 'wk', 'wks', 'week', 'weeks']],
] as const) {
  for (const name of names) MS_PER[name] = ms;
}

const PART = /(\d+(?:\.\d+)?|\.\d+)\s*([a-z]+)/y;
const SEPARATOR = /(?:\s*,\s*|\s+and\s+|\s*)/y;
const ACCEPTED = "a number of milliseconds (1500) or a string such as '30 seconds', '1 minute', '2h' or '1h 30m' (units: ms, s, m, h, d, w)";

function invalid(what: string, input: unknown, why: string): RequestError {
  const shown = typeof input === 'string' ? JSON.stringify(input) : String(input);
  return new RequestError(`${what} ${shown} is not a valid duration: ${why}`, `Use ${ACCEPTED}`);
}

/**
 * Milliseconds in a duration. Throws a RequestError (`ERR_LIMITRATE_INVALID_REQUEST`) that
 * lists the accepted forms for anything else, negative durations included.
 *
 * @example
 * ```ts
 * parseDuration('1 minute'); // 60000
 * parseDuration('1h 30m');   // 5400000
 * parseDuration(1500);       // 1500
 * ```
 */
export function parseDuration(input: Duration, what = 'duration'): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) throw invalid(what, input, 'it is not a finite number');
    if (input < 0) throw invalid(what, input, 'it is negative');
    return input;
  }
  if (typeof input !== 'string') throw invalid(what, input, `it is ${input === null ? 'null' : typeof input}`);
  const text = input.trim().toLowerCase();
  if (text === '') throw invalid(what, input, 'it is empty');
  if (/^\d+(?:\.\d+)?$/.test(text)) return Number(text);
  let total = 0;
  let at = 0;
  while (at < text.length) {
    PART.lastIndex = at;
    const part = PART.exec(text);
    if (part === null) throw invalid(what, input, text.startsWith('-') ? 'it is negative' : `cannot read "${text.slice(at)}"`);
    const unit = MS_PER[part[2]!];
    if (unit === undefined) throw invalid(what, input, `"${part[2]}" is not a unit`);
    total += Number(part[1]) * unit;
    at = PART.lastIndex;
    SEPARATOR.lastIndex = at;
    SEPARATOR.exec(text);
    at = SEPARATOR.lastIndex;
  }
  return total;
}
