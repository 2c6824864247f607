// The messages of refused (and slowed, or logged) requests, in plain English: which plan's
// which limit on which endpoint, and when to try again. Every value taken from a request
// (plan, endpoint) is echoed bounded and stripped of control characters.
import type { LimitStatus, RateLimitResult } from '../types.js';
import { retryAfterSeconds } from './headers.js';

/** Longest user-provided string (plan, endpoint, IP) echoed in a body. */
const MAX_ECHO = 200;
const MICROS_PER_DOLLAR = 1_000_000;

/**
 * A sentence or two saying what happened to a request, for bodies and logs. It names the
 * plan (capitalised), the endpoint (`METHOD /path`), the limit in its own terms (requests,
 * tokens or dollars; per second, minute, hour, day, or a bucket's burst and refill rate)
 * and what to do: when to try again, or that retrying will not help because the request
 * is larger than the limit. User-provided strings are cut to 200 characters and stripped
 * of control characters. Never throws.
 *
 * @example
 * ```ts
 * rateLimitMessage(result);
 * // 'Free plan allows 10 requests per minute on POST /api/chat. Try again in 42 seconds.'
 * // 'Free plan allows 50,000 tokens per hour on POST /api/chat. Try again in 18 minutes.'
 * // "Free plan's daily spending cap of $1.00 on POST /api/chat is reached. Try again in 5 hours."
 * // 'Free plan allows 50,000 tokens per hour on POST /api/chat. This request alone is larger than the limit, so retrying it will not help.'
 * ```
 */
export function rateLimitMessage(result: RateLimitResult): string {
  if (result === null || typeof result !== 'object') return 'Too many requests. Try again later.';
  const ep = endpointParts(echo(result.endpoint));
  const where = endpointPhrase(ep);
  const request = requestPhrase(ep);
  if (result.reason === 'store_error' || result.reason === 'callback_error') {
    if (result.allowed === false) return `Rate limiting is temporarily unavailable, so ${request} could not be served. Try again in 1 second.`;
    return `Rate limiting is temporarily unavailable; ${request} was let through without a limit check.`;
  }
  if (result.reason === 'unknown_plan') {
    const plan = echo(result.plan);
    return result.allowed === false
      ? `The plan "${plan}" is not recognised, so ${request} is refused.`
      : `The plan "${plan}" is not recognised; ${request} was let through without limits.`;
  }
  const plan = planLabel(result.plan);
  const s = deciding(result);
  if (s === undefined) {
    const p = primary(result);
    if (p === undefined) return `No rate limits apply to ${request} on ${plan.name === 'Your plan' ? 'your plan' : `the ${plan.name}`}.`;
    return `${describe(p, plan, where, 'state')} ${remainingPhrase(p)}`;
  }
  if (s.exceedsCapacity) {
    return `${describe(s, plan, where, 'oversized')} This request alone is larger than the limit, so retrying it will not help.`;
  }
  const text = describe(s, plan, where, 'exceeded');
  switch (result.action) {
    case 'slowdown':
      return `${text} This request was slowed down${result.slowdownMs > 0 ? ` by ${formatNumber(result.slowdownMs)} ms` : ''}.`;
    case 'allow-and-log':
      return `${text} This request was let through and logged.`;
    default: {
      const wait = result.allowed === false ? retryAfterSeconds(result) : wholeSeconds(result.retryAfter ?? s.retryAfterSeconds);
      return `${text} ${wait === undefined ? 'Try again later.' : `Try again in ${formatDuration(wait)}.`}`;
    }
  }
}

/** The limit that refused (or slowed, or logged) the request. */
export function deciding(r: Partial<RateLimitResult>): LimitStatus | undefined {
  const s = r.blockedBy;
  return s !== null && typeof s === 'object' ? s : undefined;
}

/** Without a deciding limit: the one the result's numbers describe (closest to running out). */
export function primary(r: Partial<RateLimitResult>): LimitStatus | undefined {
  const limits = Array.isArray(r.limits) ? r.limits.filter((l) => l !== null && typeof l === 'object') : [];
  return limits.find((l) => l.limit === r.limit && l.remaining === r.remaining && l.used === r.current) ?? limits[0];
}

interface PlanLabel {
  /** `Free plan` */
  name: string;
  /** `Free plan's` */
  possessive: string;
}

function planLabel(plan: unknown): PlanLabel {
  const p = echo(plan).trim();
  if (p === '') return { name: 'Your plan', possessive: "Your plan's" };
  const first = String.fromCodePoint(p.codePointAt(0)!);
  const name = `${first.toUpperCase()}${p.slice(first.length)} plan`;
  return { name, possessive: `${name}'s` };
}

/** An endpoint key's method and path, each '' when it is `*` (any) or missing. */
export function endpointParts(endpoint: string): { method: string; path: string } {
  const bar = endpoint.indexOf('|');
  const method = bar < 0 ? '' : endpoint.slice(0, bar).trim();
  const path = (bar < 0 ? endpoint : endpoint.slice(bar + 1)).trim();
  return { method: method === '*' ? '' : method, path: path === '*' ? '' : path };
}

/** ` on POST /api/chat`, ` on /api/chat` (any method), ` on GET requests` (any path), or `` (`*|*`). */
export function endpointPhrase({ method, path }: { method: string; path: string }): string {
  if (path === '') return method === '' ? '' : ` on ${method} requests`;
  return method === '' ? ` on ${path}` : ` on ${method} ${path}`;
}

/** `this request to POST /api/chat`, `this request to /api/chat`, `this GET request`, or `this request`. */
function requestPhrase({ method, path }: { method: string; path: string }): string {
  if (path === '') return method === '' ? 'this request' : `this ${method} request`;
  return method === '' ? `this request to ${path}` : `this request to ${method} ${path}`;
}

const BUCKET_ALGORITHMS = new Set(['token-bucket', 'leaky-bucket', 'gcra']);

/** The limit's first sentence. */
function describe(s: LimitStatus, plan: PlanLabel, where: string, state: 'state' | 'exceeded' | 'oversized'): string {
  if (s.kind === 'cost') {
    const adjective = windowAdjective(s.windowMs);
    const cap = adjective === undefined ? `spending cap of ${formatUsd(s.limit)}${spaced(perWindow(s.windowMs))}` : `${adjective} spending cap of ${formatUsd(s.limit)}`;
    if (state === 'exceeded') return `${plan.possessive} ${cap}${where} ${s.remaining > 0 ? 'would be exceeded by this request' : 'is reached'}.`;
    return `${plan.name} has a ${cap}${where}.`;
  }
  const unit = s.kind === 'tokens' ? 'token' : 'request';
  const n = s.limit;
  if (s.kind === 'rate' && (s.window === 'bucket' || BUCKET_ALGORITHMS.has(s.algorithm))) {
    if (s.window === 'bucket') {
      // windowMs is the time to refill the whole bucket: the rate is limit / windowMs.
      const refill = refillRate(n, s.windowMs);
      return `${plan.name} allows a burst of ${count(n, unit)}${where}${refill === '' ? '' : `, refilled at ${refill}`}.`;
    }
    const per = windowAdjectiveRate(s.windowMs);
    return `${plan.name} allows bursts of up to ${count(n, unit)}${where}${per === '' ? '' : `, refilled at a steady ${per} rate`}.`;
  }
  return `${plan.name} allows ${count(n, unit)}${spaced(perWindow(s.windowMs))}${where}.`;
}

function remainingPhrase(s: LimitStatus): string {
  if (s.kind === 'cost') return `${formatUsd(Math.max(0, s.remaining))} of it remains.`;
  const left = Math.max(0, Math.floor(finite(s.remaining)));
  return `${count(left, s.kind === 'tokens' ? 'token' : 'request')} remaining.`;
}

const UNITS: ReadonlyArray<readonly [number, string]> = [
  [86_400_000, 'day'],
  [3_600_000, 'hour'],
  [60_000, 'minute'],
  [1000, 'second'],
];

/** `per minute`, `every 5 minutes`, or `` when the window is unknown. */
function perWindow(windowMs: number): string {
  if (typeof windowMs !== 'number' || !Number.isFinite(windowMs) || windowMs <= 0) return '';
  for (const [ms, name] of UNITS) {
    if (windowMs === ms) return `per ${name}`;
    if (windowMs % ms === 0) return `every ${formatNumber(windowMs / ms)} ${name}s`;
  }
  return `every ${formatNumber(windowMs / 1000)} seconds`;
}

/** `hourly`, `daily`, ... for a cost cap's window, or undefined for any other window. */
function windowAdjective(windowMs: number): string | undefined {
  switch (windowMs) {
    case 1000:
      return 'per-second';
    case 60_000:
      return 'per-minute';
    case 3_600_000:
      return 'hourly';
    case 86_400_000:
      return 'daily';
    default:
      return undefined;
  }
}

/** `per-minute` (for "a steady per-minute rate"), or `` for an odd window. */
function windowAdjectiveRate(windowMs: number): string {
  for (const [ms, name] of UNITS) if (windowMs === ms) return `per-${name}`;
  return '';
}

/** `2 per second`, `30 per minute`, `1.5 per hour`, ... for a bucket of `capacity` refilled in `windowMs`. */
function refillRate(capacity: number, windowMs: number): string {
  if (!Number.isFinite(capacity) || capacity <= 0 || !Number.isFinite(windowMs) || windowMs <= 0) return '';
  const perMs = capacity / windowMs;
  for (const [ms, name] of [...UNITS].reverse()) {
    if (perMs * ms >= 1 || ms === 86_400_000) return `${formatNumber(perMs * ms)} per ${name}`;
  }
  return '';
}

function spaced(s: string): string {
  return s === '' ? '' : ` ${s}`;
}

/** `1 request`, `50,000 tokens`, `unlimited requests`. */
function count(n: number, unit: string): string {
  if (n === 1) return `1 ${unit}`;
  return `${formatNumber(n)} ${unit}s`;
}

/** Thousands separators, at most two decimals; `unlimited` for Infinity. */
export function formatNumber(n: number): string {
  if (typeof n !== 'number' || Number.isNaN(n)) return '0';
  if (!Number.isFinite(n)) return n > 0 ? 'unlimited' : '0';
  const negative = n < 0;
  const hundredths = Math.round(Math.abs(n) * 100);
  const whole = Math.floor(hundredths / 100);
  const frac = String(hundredths % 100).padStart(2, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${group(whole)}${frac === '' ? '' : `.${frac}`}`;
}

/** `$1.00`, `$0.50`, `$0.0025`, `$1,234.50`: two decimals at least, six at most. */
export function formatUsd(d: number): string {
  if (typeof d !== 'number' || Number.isNaN(d)) return '$0.00';
  if (!Number.isFinite(d)) return d > 0 ? 'an unlimited amount' : '$0.00';
  const micros = Math.round(Math.abs(d) * MICROS_PER_DOLLAR);
  const whole = Math.floor(micros / MICROS_PER_DOLLAR);
  const frac = String(micros % MICROS_PER_DOLLAR).padStart(6, '0').replace(/0{1,4}$/, '');
  return `${d < 0 ? '-' : ''}$${group(whole)}.${frac}`;
}

function group(whole: number): string {
  return String(whole).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Rounded up so clients never come back early: `42 seconds`, `18 minutes`, `5 hours`, `3 days`. */
function formatDuration(seconds: number): string {
  const s = Math.max(1, Math.ceil(seconds));
  const plural = (n: number, unit: string) => `${group(n)} ${unit}${n === 1 ? '' : 's'}`;
  if (s < 120) return plural(s, 'second');
  if (s < 7200) return plural(Math.ceil(s / 60), 'minute');
  if (s < 172_800) return plural(Math.ceil(s / 3600), 'hour');
  return plural(Math.ceil(s / 86_400), 'day');
}

function wholeSeconds(s: number | undefined): number | undefined {
  if (typeof s !== 'number' || !Number.isFinite(s) || s < 0) return undefined;
  return Math.max(1, Math.ceil(s));
}

function finite(n: number): number {
  return typeof n === 'number' && Number.isFinite(n) ? n : 0;
}

// --- echoing user-provided strings ---------------------------------------------------------

/**
 * Control characters (C0, DEL, C1), line and paragraph separators, bidirectional
 * overrides and isolates, and unpaired surrogates: none may reach a message.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** A user-provided value as a safe, bounded string ('' for anything that is not a string or number). */
export function echo(value: unknown): string {
  if (typeof value !== 'string' && typeof value !== 'number') return '';
  return clean(String(value), MAX_ECHO);
}

/** Replaces unsafe characters and cuts to `max` code points (never inside a surrogate pair), marking the cut with `…`. */
export function clean(value: string, max: number): string {
  // Only the head matters: 4 * max code units hold more than max code points.
  const head = value.length > 4 * max ? value.slice(0, 4 * max) : value;
  const safe = head.replace(UNSAFE, '\ufffd');
  if (safe.length <= max && head === value) return safe;
  const chars = Array.from(safe);
  if (chars.length <= max && head === value) return safe;
  return `${chars.slice(0, max - 1).join('')}…`;
}
