// Rate-limit response headers for a RateLimitResult: LimitRate v3's set, legacy X-RateLimit-*, the IETF structured fields, and Retry-After.
//
// The structured fields follow draft-ietf-httpapi-ratelimit-headers-10 (27 September 2025,
// https://datatracker.ietf.org/doc/draft-ietf-httpapi-ratelimit-headers/10/), the newest
// revision whose text we could read (a -11 of May 2026 is listed by the datatracker):
//
//   RateLimit-Policy: "rate-1m";q=10;w=60, "tokens-1h";q=50000;qu="tokens";w=3600
//   RateLimit: "rate-1m";r=3;t=42
//
// Both are Lists (RFC 9651) of Items whose value is a String naming the policy. Policy
// parameters: q (quota, Integer >= 0, required), qu (quota unit, String, default
// "requests"; registered: "requests", "content-bytes", "concurrent-requests"), w (window,
// Integer seconds > 0), pk (partition key, Byte Sequence). RateLimit parameters: r
// (remaining, Integer >= 0, required), t (seconds until more quota is available, Integer
// >= 0), pk. We never send pk: the partition is the caller itself, and a key derived from
// a user id or IP would disclose it (the draft's privacy and security considerations).
import type { LimitStatus, RateLimitResult } from '../types.js';

/**
 * Which rate-limit headers to send.
 * - `'v3'` (default): what LimitRate v3 sent, `RateLimit-Limit` / `-Remaining` / `-Reset`,
 *   plus `X-RateLimit-Limit` / `-Remaining` / `-Reset`.
 * - `'draft'`: the IETF `RateLimit-Policy` and `RateLimit` structured fields.
 * - `'legacy'`: `X-RateLimit-*` only. `'both'`: draft and legacy. `false`: none.
 *
 * @example
 * ```ts
 * const mode: HeaderMode = 'draft';
 * rateLimitHeaders(result, { mode });
 * ```
 */
export type HeaderMode = 'v3' | 'draft' | 'legacy' | 'both' | false;

/**
 * Options of {@link rateLimitHeaders}.
 *
 * @example
 * ```ts
 * const options: HeaderOptions = { mode: 'both', now: Date.now() };
 * ```
 */
export interface HeaderOptions {
  /** Which headers (default `'v3'`). */
  mode?: HeaderMode;
  /** The time (ms) that absolute reset times count from (default `result.timestamp`). */
  now?: number;
}

/** The largest magnitude of an sf-integer (RFC 9651, section 3.3.1). */
const SF_INTEGER_MAX = 999_999_999_999_999;
const MICROS_PER_DOLLAR = 1_000_000;

/**
 * The name a limit has in `RateLimit-Policy` and `RateLimit` (and in the problem details'
 * `violated-policies`): its id with `:` as `-`, so `rate:1m` is `rate-1m`, `tokens:1h` is
 * `tokens-1h`, `cost:1d` is `cost-1d`, `rate:bucket` is `rate-bucket`. Stable across
 * responses, as the draft asks of policy names.
 *
 * @example
 * ```ts
 * rateLimitPolicyName(result.limits[0]); // 'rate-1m'
 * ```
 */
export function rateLimitPolicyName(status: Pick<LimitStatus, 'id'>): string {
  const name = String(status.id)
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return name === '' ? 'limit' : name.slice(0, 64);
}

/**
 * The rate-limit headers for a result, as `[name, value]` pairs in sending order.
 * A result without limits (an unlimited plan or endpoint, a failed store, an unknown
 * plan) gets no rate-limit headers in any mode. `Retry-After` is not included: send it
 * on 429 and 503 responses from {@link retryAfterSeconds}.
 *
 * Every number is an integer (remaining rounded down, reset times up), except that the
 * v3 and legacy headers describe a cost cap in dollars, as LimitRate v3 did
 * (`RateLimit-Limit: 0.5` for a $0.50 cap): they carry no unit, and rounding dollars to
 * integers would turn every cap below $1 into 0. The draft fields, which do carry a unit,
 * give cost caps in whole micro-dollars (`qu="usd-micros"`).
 *
 * @example
 * ```ts
 * const result = await limiter.check({ userId: 'u1', endpoint: 'POST|/api/chat' });
 * for (const [name, value] of rateLimitHeaders(result)) res.setHeader(name, value);
 * // RateLimit-Limit: 10, RateLimit-Remaining: 9, RateLimit-Reset: 60,
 * // X-RateLimit-Limit: 10, X-RateLimit-Remaining: 9, X-RateLimit-Reset: 1767225660
 *
 * rateLimitHeaders(result, { mode: 'draft' });
 * // [['RateLimit-Policy', '"rate-1m";q=10;w=60'], ['RateLimit', '"rate-1m";r=9;t=60']]
 * ```
 */
export function rateLimitHeaders(result: RateLimitResult, options: HeaderOptions = {}): Array<[name: string, value: string]> {
  const { mode = 'v3', now } = options ?? {};
  const out: Array<[string, string]> = [];
  if (mode === false || result === null || typeof result !== 'object') return out;
  const limits = Array.isArray(result.limits) ? result.limits : [];
  if (limits.length === 0) return out;
  if (mode === 'draft' || mode === 'both') draftHeaders(result, limits, out);
  if (mode === 'v3' || mode === 'legacy' || mode === 'both') {
    const trio = classicValues(result, limits, now);
    if (trio !== undefined) {
      if (mode === 'v3') {
        // LimitRate v3 sent RateLimit-Reset as an absolute time; the draft it followed
        // (draft-ietf-httpapi-ratelimit-headers up to -06) defines it as delta seconds, and
        // that is what we send now: a deliberate fix.
        out.push(['RateLimit-Limit', trio.limit], ['RateLimit-Remaining', trio.remaining], ['RateLimit-Reset', String(trio.resetIn)]);
      }
      // X-RateLimit-Reset is an absolute Unix time in seconds (GitHub, express-rate-limit).
      out.push(['X-RateLimit-Limit', trio.limit], ['X-RateLimit-Remaining', trio.remaining], ['X-RateLimit-Reset', String(trio.resetAt)]);
    }
  }
  return out;
}

/**
 * Seconds a refused client should wait before retrying, for `Retry-After` on 429 and 503
 * responses; `undefined` when no `Retry-After` should be sent.
 *
 * - A request refused by a limit: `result.retryAfter`, as whole seconds, at least 1.
 * - A request larger than the limit itself (`blockedBy.exceedsCapacity`): `undefined`,
 *   since waiting cannot help; likewise a request refused for naming an unknown plan.
 * - A request refused because the store or a callback failed (`store_error`,
 *   `callback_error`): 1, a short pause before trying again.
 * - A request that was let through (`allowed`), including one slowed down
 *   (`slowdown`, served after the delay), one only logged, and any in dry run:
 *   `undefined`, because the response is not a refusal.
 *
 * @example
 * ```ts
 * const wait = retryAfterSeconds(result);
 * if (wait !== undefined) res.setHeader('Retry-After', String(wait));
 * ```
 */
export function retryAfterSeconds(result: RateLimitResult): number | undefined {
  if (result === null || typeof result !== 'object' || result.allowed !== false) return undefined;
  if (result.reason === 'store_error' || result.reason === 'callback_error') return 1;
  if (result.blockedBy?.exceedsCapacity === true) return undefined;
  return wholeSeconds(result.retryAfter);
}

/** Positive whole seconds (at least 1), or undefined for anything that is not a finite number >= 0. */
function wholeSeconds(s: number | undefined): number | undefined {
  if (typeof s !== 'number' || !Number.isFinite(s) || s < 0) return undefined;
  return Math.min(SF_INTEGER_MAX, Math.max(1, Math.ceil(s)));
}

/** The values of the three classic headers, or undefined when they cannot be given honestly. */
function classicValues(result: RateLimitResult, limits: readonly LimitStatus[], now: number | undefined): { limit: string; remaining: string; resetIn: number; resetAt: number } | undefined {
  const { limit, remaining, resetInSeconds } = result;
  if (typeof limit !== 'number' || !Number.isFinite(limit) || typeof remaining !== 'number' || Number.isNaN(remaining)) return undefined;
  const cost = primaryStatus(result, limits)?.kind === 'cost';
  const resetIn = nonNegative(Math.ceil(finiteOr(resetInSeconds, 0)));
  const base = typeof now === 'number' && Number.isFinite(now) ? now : finiteOr(result.timestamp, 0);
  return {
    limit: cost ? dollars(limit) : String(nonNegative(Math.floor(limit))),
    remaining: cost ? dollars(remaining) : String(nonNegative(Math.floor(remaining))),
    resetIn,
    resetAt: nonNegative(Math.ceil((base + resetIn * 1000) / 1000)),
  };
}

/** Appends `RateLimit-Policy` (every limit) and `RateLimit` (the limit that matters). */
function draftHeaders(result: RateLimitResult, limits: readonly LimitStatus[], out: Array<[string, string]>): void {
  let policies = '';
  for (const s of limits) {
    let item = `${quotedName(s.id)};q=${sfInteger(quota(s, s.limit))}`;
    const unit = quotaUnit(s);
    if (unit !== undefined) item += `;qu="${unit}"`;
    const w = windowSeconds(s.windowMs);
    if (w !== undefined) item += `;w=${sfInteger(w)}`;
    policies = policies === '' ? item : `${policies}, ${item}`;
  }
  out.push(['RateLimit-Policy', policies]);
  const s = primaryStatus(result, limits);
  if (s === undefined) return;
  // t: when more quota is available. Once exceeded, the limit's own wait is that moment
  // (for buckets and sliding windows it comes before the full reset); this also keeps
  // Retry-After no earlier than t, as the draft asks (section 6).
  let t = nonNegative(Math.ceil(finiteOr(s.resetInSeconds, 0)));
  if (s.exceeded && typeof s.retryAfterSeconds === 'number' && Number.isFinite(s.retryAfterSeconds)) t = Math.min(t, nonNegative(Math.ceil(s.retryAfterSeconds)));
  out.push(['RateLimit', `${quotedName(s.id)};r=${sfInteger(quota(s, s.remaining))};t=${sfInteger(t)}`]);
}

/** Policy names as sf-strings, by limit id: a handful of ids per app, so kept (bounded). */
let quotedNames = new Map<string, string>();

/** `"rate-1m"`: the policy name of a limit id, quoted (its characters need no escaping). */
function quotedName(id: string): string {
  const key = String(id);
  let q = quotedNames.get(key);
  if (q === undefined) {
    q = sfString(rateLimitPolicyName({ id: key }));
    if (quotedNames.size >= 1000) quotedNames = new Map();
    quotedNames.set(key, q);
  }
  return q;
}

/**
 * The limit `result.current` / `limit` / `remaining` describe: the one that decided
 * (`blockedBy`), else the one the result's numbers were taken from (the one closest to
 * running out).
 */
function primaryStatus(result: RateLimitResult, limits: readonly LimitStatus[]): LimitStatus | undefined {
  if (result.blockedBy !== undefined && result.blockedBy !== null) return result.blockedBy;
  for (const s of limits) {
    if (s.limit === result.limit && s.remaining === result.remaining && s.used === result.current) return s;
  }
  // Not found (a hand-made result): the lowest share remaining, as the limiter picks it.
  let best: LimitStatus | undefined;
  let bestRatio = Infinity;
  for (const s of limits) {
    const ratio = s.limit > 0 ? s.remaining / s.limit : 0;
    if (best === undefined || ratio < bestRatio) {
      best = s;
      bestRatio = ratio;
    }
  }
  return best;
}

/** A limit's quantity in its draft quota units: micro-dollars for cost, whole units otherwise. */
function quota(s: LimitStatus, value: number): number {
  if (typeof value !== 'number' || Number.isNaN(value)) return 0;
  // Cost values are whole micro-dollars divided by a million: rounding recovers them exactly.
  const units = s.kind === 'cost' ? Math.round(value * MICROS_PER_DOLLAR) : Math.floor(value);
  return nonNegative(units);
}

/**
 * The `qu` parameter: omitted for requests (the default unit). "tokens" and "usd-micros"
 * are not (yet) in the draft's quota-unit registry; the draft lets clients ignore what
 * they do not understand, and a unit is more honest than passing tokens off as requests.
 */
function quotaUnit(s: LimitStatus): string | undefined {
  if (s.kind === 'cost' || s.unit === 'usd') return 'usd-micros';
  if (s.kind === 'tokens' || s.unit === 'tokens') return 'tokens';
  return undefined;
}

/** `w`: whole seconds, at least 1 (the draft forbids 0); undefined when unknown. */
function windowSeconds(windowMs: number): number | undefined {
  if (typeof windowMs !== 'number' || !Number.isFinite(windowMs) || windowMs <= 0) return undefined;
  return Math.max(1, Math.ceil(windowMs / 1000));
}

/** Dollars as a plain decimal with at most six places, no exponent, no float noise: `0.5`, `1`, `0.000001`. */
function dollars(value: number): string {
  const micros = nonNegative(Math.round(finiteOr(value, 0) * MICROS_PER_DOLLAR));
  const whole = Math.floor(micros / MICROS_PER_DOLLAR);
  const frac = String(micros % MICROS_PER_DOLLAR).padStart(6, '0').replace(/0+$/, '');
  return frac === '' ? String(whole) : `${whole}.${frac}`;
}

function finiteOr(n: unknown, fallback: number): number {
  return typeof n === 'number' && Number.isFinite(n) ? n : fallback;
}

/** Clamps into [0, SF_INTEGER_MAX] (NaN becomes 0). */
function nonNegative(n: number): number {
  if (!(n > 0)) return 0;
  return n > SF_INTEGER_MAX ? SF_INTEGER_MAX : n;
}

/** An sf-integer: a whole number within +-999,999,999,999,999 (RFC 9651, 4.1.4). */
function sfInteger(n: number): string {
  const v = Number.isFinite(n) ? Math.trunc(n) : 0;
  return String(Math.max(-SF_INTEGER_MAX, Math.min(SF_INTEGER_MAX, v)));
}

/** An sf-string (RFC 9651, 4.1.6): printable ASCII, with `"` and `\` escaped; anything else becomes `?`. */
function sfString(s: string): string {
  return `"${s.replace(/[^\x20-\x7e]/g, '?').replace(/["\\]/g, '\\$&')}"`;
}

