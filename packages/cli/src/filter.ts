// Filters typed by people (`user:alice`, `plan:free`, `endpoint:/api/chat`, bare text): the
// part the source applies (ReportFilter) and the bare text the CLI applies to the tables.
import { usageError } from './errors.js';
import type { ReportFilter } from './report-types.js';

/** A parsed filter: fields the source filters on, and text that narrows the tables shown. */
export interface ViewFilter {
  /** Sent to the source (user, plan and endpoint: case-insensitive substrings, all must match). */
  readonly query: Readonly<ReportFilter>;
  /** Bare words (lower-cased): a table row is kept when each one is part of one of the row's names. */
  readonly text: readonly string[];
}

/** Longest filter value the inspector accepts. */
const MAX_VALUE = 200;
const KEYS = ['user', 'plan', 'endpoint'] as const;
type Key = (typeof KEYS)[number];

/**
 * The filter that filters nothing.
 *
 * @example
 * ```ts
 * viewOf(report, NO_FILTER); // every row
 * ```
 */
export const NO_FILTER: ViewFilter = Object.freeze({ query: Object.freeze({}), text: Object.freeze([]) });

/**
 * Parses filter terms: `user:`, `plan:`, `endpoint:` (each once), `any:` or bare text.
 * Throws a usage error (`ERR_LIMITRATE_CLI_USAGE`) naming the bad term.
 *
 * @example
 * ```ts
 * parseFilterTerms(['plan:free', 'chat']);
 * // { query: { plan: 'free' }, text: ['chat'] }
 * ```
 */
export function parseFilterTerms(terms: readonly string[]): ViewFilter {
  const query: ReportFilter = {};
  const text: string[] = [];
  for (const raw of terms) {
    const term = raw.trim();
    if (term === '') continue;
    const colon = term.indexOf(':');
    const key = colon > 0 ? term.slice(0, colon).toLowerCase() : undefined;
    const value = colon > 0 ? term.slice(colon + 1).trim() : term;
    if (key !== undefined && value === '') throw usageError(`filter ${JSON.stringify(term)} has no value: write ${key}:<text>`);
    if (value.length > MAX_VALUE) throw usageError(`filter ${JSON.stringify(term.slice(0, 40))}… is longer than ${MAX_VALUE} characters`);
    if (key === undefined || key === 'any') {
      text.push(value.toLowerCase());
    } else if ((KEYS as readonly string[]).includes(key)) {
      const k = key as Key;
      if (query[k] !== undefined && query[k] !== value) {
        throw usageError(`filter ${k}: given twice (${JSON.stringify(query[k])} and ${JSON.stringify(value)}): the source filters on one ${k} at a time`);
      }
      query[k] = value;
    } else {
      throw usageError(
        `filter ${JSON.stringify(term)}: unknown field ${JSON.stringify(key)}. Use user:<text>, plan:<text>, endpoint:<text>, or bare text (any:<text> for text containing ':')`,
      );
    }
  }
  return { query, text };
}

/**
 * Parses a line typed in the dashboard's filter prompt (terms separated by spaces).
 *
 * @example
 * ```ts
 * parseFilterLine('plan:free user:alice'); // { query: { plan: 'free', user: 'alice' }, text: [] }
 * ```
 */
export function parseFilterLine(line: string): ViewFilter {
  return parseFilterTerms(line.split(/\s+/));
}

/**
 * True when the filter narrows nothing.
 *
 * @example
 * ```ts
 * isEmptyFilter(parseFilterLine('')); // true
 * ```
 */
export function isEmptyFilter(filter: ViewFilter): boolean {
  return filter.text.length === 0 && KEYS.every((k) => filter.query[k] === undefined);
}

/**
 * The filter as people type it, for the header (`''` when it filters nothing).
 *
 * @example
 * ```ts
 * describeFilter({ query: { plan: 'free' }, text: ['chat'] }); // 'plan:free chat'
 * ```
 */
export function describeFilter(filter: ViewFilter): string {
  const parts: string[] = [];
  for (const k of KEYS) {
    const v = filter.query[k];
    if (v !== undefined) parts.push(`${k}:${v}`);
  }
  for (const t of filter.text) parts.push(t.includes(':') ? `any:${t}` : t);
  return parts.join(' ');
}

/**
 * True when every bare word is part of (case-insensitively) one of the names.
 *
 * @example
 * ```ts
 * matchesText(['chat'], ['POST|/api/chat']); // true
 * ```
 */
export function matchesText(text: readonly string[], names: readonly string[]): boolean {
  if (text.length === 0) return true;
  const lowered = names.map((n) => n.toLowerCase());
  return text.every((t) => lowered.some((n) => n.includes(t)));
}
