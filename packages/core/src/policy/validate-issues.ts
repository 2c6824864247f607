// The validation toolkit: an issue collector with typed checks, and the helpers that make
// messages readable (paths, value descriptions, "did you mean" suggestions).
import type { ConfigIssue } from '../errors/index.js';

export type Obj = Record<string, unknown>;

/** Largest safe window count: the store keeps counts as doubles, exact up to 2^53. */
export const MAX_COUNT = 1e12;

export const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
export const isFn = (v: unknown): boolean => typeof v === 'function';
export const show = (v: unknown): string => {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'function') return 'a function';
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'an object';
  return String(v);
};
export const prop = (path: string, key: string): string => (/^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`);

/** Levenshtein distance, for "did you mean" hints. */
function distance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0]!;
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j]!;
      dp[j] = Math.min(dp[j]! + 1, dp[j - 1]! + 1, prev + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length]!;
}

export function suggestion(key: string, known: readonly string[]): string {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = distance(key, k);
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(key.length / 4)) ? `Did you mean "${best}"?` : `Known options: ${known.join(', ')}`;
}

export class Issues {
  readonly list: ConfigIssue[] = [];
  bad(path: string, message: string, hint: string): void {
    this.list.push({ path, code: 'ERR_LIMITRATE_INVALID_CONFIG', message, hint });
  }
  unknown(path: string, key: string, known: readonly string[]): void {
    this.list.push({ path: prop(path, key), code: 'ERR_LIMITRATE_UNKNOWN_OPTION', message: `unknown option "${key}"`, hint: suggestion(key, known) });
  }
  unsupported(path: string, message: string, hint: string): void {
    this.list.push({ path, code: 'ERR_LIMITRATE_UNSUPPORTED_OPTION', message, hint });
  }
  keys(path: string, obj: Obj, known: readonly string[]): void {
    for (const k of Object.keys(obj)) if (!known.includes(k)) this.unknown(path, k, known);
  }
  positiveInt(path: string, v: unknown, hint: string): void {
    if (v === undefined) return;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_COUNT) this.bad(path, `must be a whole number from 1 to ${MAX_COUNT}, got ${show(v)}`, hint);
  }
  nonNegativeInt(path: string, v: unknown, hint: string): void {
    if (v === undefined) return;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_COUNT) this.bad(path, `must be a whole number >= 0, got ${show(v)}`, hint);
  }
  positive(path: string, v: unknown, hint: string, max = Number.MAX_SAFE_INTEGER): void {
    if (v === undefined) return;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > max) this.bad(path, `must be a number above 0${max < Number.MAX_SAFE_INTEGER ? ` and at most ${max}` : ''}, got ${show(v)}`, hint);
  }
  oneOf(path: string, v: unknown, values: readonly string[]): void {
    if (v === undefined) return;
    if (typeof v !== 'string' || !values.includes(v)) this.bad(path, `must be one of ${values.map((x) => `"${x}"`).join(', ')}, got ${show(v)}`, `Use ${values.map((x) => `'${x}'`).join(' or ')}`);
  }
  fn(path: string, v: unknown, hint: string): void {
    if (v !== undefined && !isFn(v)) this.bad(path, `must be a function, got ${show(v)}`, hint);
  }
  bool(path: string, v: unknown): void {
    if (v !== undefined && typeof v !== 'boolean') this.bad(path, `must be true or false, got ${show(v)}`, 'Use a boolean');
  }
}
