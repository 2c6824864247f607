// The bodies of refused requests (429, 403, 503): LimitRate v3's JSON or RFC 9457 problem details, and their messages.
//
// Problem types are those of draft-ietf-httpapi-ratelimit-headers-10, section 5 (IANA
// "HTTP Problem Types" registrations, section 9.2): "quota-exceeded" (title "Quota
// Exceeded", recommended status 429) and "temporary-reduced-capacity" ("Temporary Reduced
// Capacity", 503), each with the extension member "violated-policies", an array of the
// names of the policies whose quota was exceeded. The draft's third type,
// "abnormal-usage-detected", describes abuse detection, which LimitRate does not do, so it
// is not used. Refusals that are not about quota (a blocked IP, an unknown plan) use
// RFC 9457's "about:blank" with the status phrase as title.
import type { LimitStatus, RateLimitResult } from '../types.js';
import { rateLimitPolicyName, retryAfterSeconds } from './headers.js';

/**
 * Options of {@link refusal} and {@link ipBlockedRefusal}.
 *
 * @example
 * ```ts
 * const options: RefusalOptions = {
 *   upgradeHint: (plan) => (plan === 'free' ? 'Upgrade to Pro for 10x the limits: https://example.com/pricing' : null),
 *   problemDetails: true,
 *   instance: '/api/chat',
 * };
 * ```
 */
export interface RefusalOptions {
  /**
   * Added as `upgrade_hint` to 429 bodies: a string, or a function of the plan name.
   * A function returning `null`, `undefined` or `''` (or throwing) adds nothing.
   */
  upgradeHint?: string | ((plan: string) => string | undefined | null) | undefined;
  /** Answer with RFC 9457 `application/problem+json` instead of LimitRate's JSON body. */
  problemDetails?: boolean | undefined;
  /** Problem details only: the `instance` member (a URI reference for this occurrence). */
  instance?: string | undefined;
}

/**
 * A refusal ready to send: status, `Content-Type` and a JSON-serialisable body.
 *
 * @example
 * ```ts
 * const { status, contentType, body }: Refusal = refusal(result);
 * res.status(status).type(contentType).send(JSON.stringify(body));
 * ```
 */
export interface Refusal {
  status: 429 | 403 | 503;
  contentType: 'application/json' | 'application/problem+json';
  body: Record<string, unknown>;
}

/** Problem type URIs registered by draft-ietf-httpapi-ratelimit-headers-10 (section 9.2). */
const QUOTA_EXCEEDED = 'https://iana.org/assignments/http-problem-types#quota-exceeded';
const TEMPORARY_REDUCED_CAPACITY = 'https://iana.org/assignments/http-problem-types#temporary-reduced-capacity';

const KIND_REASON = { rate: 'rate_limited', tokens: 'token_limit_exceeded', cost: 'cost_exceeded' } as const;
type LimitReason = (typeof KIND_REASON)[keyof typeof KIND_REASON];

/** Longest user-provided string (plan, endpoint, IP) echoed in a body. */
const MAX_ECHO = 200;
const MAX_INSTANCE = 2048;
const MICROS_PER_DOLLAR = 1_000_000;

/**
 * The response for a refused request.
 *
 * - **429** for a limit (`reason` `'rate_limited'`, `'token_limit_exceeded'` or
 *   `'cost_exceeded'`, from the limit that refused), with `used` and `allowed` from that
 *   limit (dollars for a spending cap) and `upgrade_hint` when configured.
 * - **503** when the store or `estimateCost` failed and the failure policy blocked
 *   (`reason` `'store_unavailable'` for both: to the client, rate limiting is down for a
 *   moment; `retry_after_seconds` 1).
 * - **403** for a plan that does not exist under `onUnknownPlan: 'block'` (`reason`
 *   `'unknown_plan'`): the client is not allowed in at all, waiting or retrying changes
 *   nothing, so 429 would mislead.
 *
 * The LimitRate v3 body is `{ ok: false, reason, message, retry_after_seconds, used,
 * allowed, plan, endpoint, upgrade_hint? }`; with `problemDetails: true` it is an RFC 9457
 * problem (`type`, `title`, `status`, `detail`, `instance?`, `violated-policies` for quota)
 * with `reason`, `retry_after_seconds`, `plan`, `endpoint`, `limit`, `used`, `remaining`
 * and `upgrade_hint?` as extension members. Send `Retry-After` from
 * {@link retryAfterSeconds}.
 *
 * @example
 * ```ts
 * const result = await limiter.check({ userId: 'u1', plan: 'free', endpoint: 'POST|/api/chat' });
 * if (!result.allowed) {
 *   const { status, contentType, body } = refusal(result, { upgradeHint: 'Upgrade to Pro: https://example.com/pricing' });
 *   // 429 application/json
 *   // { ok: false, reason: 'rate_limited', message: 'Free plan allows 10 requests per minute on POST /api/chat. Try again in 42 seconds.',
 *   //   retry_after_seconds: 42, used: 10, allowed: 10, plan: 'free', endpoint: 'POST|/api/chat', upgrade_hint: 'Upgrade to Pro: ...' }
 * }
 * ```
 */
export function refusal(result: RateLimitResult, options: RefusalOptions = {}): Refusal {
  const r: Partial<RateLimitResult> = result !== null && typeof result === 'object' ? result : {};
  const opts: RefusalOptions = options !== null && typeof options === 'object' ? options : {};
  const message = rateLimitMessage(result);
  const plan = echo(r.plan);
  const endpoint = echo(r.endpoint);
  if (r.reason === 'store_error' || r.reason === 'callback_error') {
    return respond(503, opts, message, {
      type: TEMPORARY_REDUCED_CAPACITY,
      title: 'Temporary Reduced Capacity',
      reason: 'store_unavailable',
      retry: 1,
      plan,
      endpoint,
    });
  }
  if (r.reason === 'unknown_plan') {
    return respond(403, opts, message, { type: 'about:blank', title: 'Forbidden', reason: 'unknown_plan', retry: null, plan, endpoint });
  }
  const s = deciding(r) ?? primary(r);
  const retry = retryAfterSeconds(result) ?? null;
  const limitOf = s === undefined ? r.limit : s.limit;
  const usedOf = s === undefined ? r.current : s.used;
  const remainingOf = s === undefined ? r.remaining : s.remaining;
  const cost = s?.kind === 'cost';
  const hint = upgradeHint(opts.upgradeHint, typeof r.plan === 'string' ? r.plan : '');
  return respond(429, opts, message, {
    type: QUOTA_EXCEEDED,
    title: 'Quota Exceeded',
    reason: limitReason(r, s),
    retry,
    plan,
    endpoint,
    limit: amount(limitOf, cost),
    used: amount(usedOf, cost),
    remaining: amount(remainingOf, cost),
    violated: violatedPolicies(r, s),
    hint,
  });
}

/**
 * The 403 response for a request from a blocked IP address (`ipBlocklist`): `reason`
 * `'ip_blocked'`, no `Retry-After` (`retry_after_seconds: null`). Problem details use
 * `about:blank` with the title `Forbidden`.
 *
 * @example
 * ```ts
 * if (isBlocked(ip)) {
 *   const { status, contentType, body } = ipBlockedRefusal(ip);
 *   // 403 application/json
 *   // { ok: false, reason: 'ip_blocked', message: 'Requests from 203.0.113.7 are blocked.', retry_after_seconds: null, ... }
 * }
 * ```
 */
export function ipBlockedRefusal(ip: string, options: RefusalOptions = {}): Refusal {
  const shown = echo(ip);
  const message = shown === '' ? 'Requests from your IP address are blocked.' : `Requests from ${shown} are blocked.`;
  const opts: RefusalOptions = options !== null && typeof options === 'object' ? options : {};
  return respond(403, opts, message, { type: 'about:blank', title: 'Forbidden', reason: 'ip_blocked', retry: null, plan: null, endpoint: null });
}

/**
 * The 429 for a request that found no free in-flight slot (an endpoint's `concurrency`
 * rule): all `max` slots were busy, the queue was full, or it waited `queueTimeout` in
 * vain. `used` and `allowed` are `max`; `retry_after_seconds` is 1. Problem details use
 * the quota-exceeded type. `upgrade_hint` is added as for other 429s.
 *
 * @example
 * ```ts
 * busyRefusal({ refused: 'full', max: 2, plan: 'free', endpoint: 'POST|/api/chat' });
 * // { status: 429, contentType: 'application/json', body: { ok: false, reason: 'rate_limited',
 * //   message: 'Too many requests in progress on POST /api/chat (at most 2 at once). Try again in 1 second.', ... } }
 * ```
 */
export function busyRefusal(x: { refused: 'full' | 'queue_full' | 'timeout' | 'cancelled'; max: number; plan: string; endpoint: string }, options: RefusalOptions = {}): Refusal {
  const opts: RefusalOptions = options !== null && typeof options === 'object' ? options : {};
  const plan = echo(x.plan);
  const endpoint = echo(x.endpoint);
  const where = endpointPhrase(endpointParts(endpoint));
  const runs = x.max === 1 ? '1 request runs' : `${formatNumber(x.max)} requests run`;
  const message =
    x.refused === 'timeout'
      ? `Waited too long for a free slot${where} (${runs} at once). Try again in 1 second.`
      : x.refused === 'cancelled'
        ? `The request was cancelled while it waited for a free slot${where}.`
        : `Too many requests in progress${where} (at most ${formatNumber(x.max)} at once). Try again in 1 second.`;
  return respond(429, opts, message, {
    type: QUOTA_EXCEEDED,
    title: 'Quota Exceeded',
    reason: 'rate_limited',
    retry: 1,
    plan,
    endpoint,
    limit: x.max,
    used: x.max,
    remaining: 0,
    hint: upgradeHint(opts.upgradeHint, plan),
  });
}

/**
 * The 503 for a request the limiter could not decide (fail-closed): the temporary
 * reduced capacity problem type, `reason: 'store_unavailable'`, `retry_after_seconds: 1`.
 */
export function unavailableRefusal(message: string, where: { plan: string; endpoint: string }, options: RefusalOptions = {}): Refusal {
  const opts: RefusalOptions = options !== null && typeof options === 'object' ? options : {};
  return respond(503, opts, message, {
    type: TEMPORARY_REDUCED_CAPACITY,
    title: 'Temporary Reduced Capacity',
    reason: 'store_unavailable',
    retry: 1,
    plan: echo(where.plan),
    endpoint: echo(where.endpoint),
  });
}

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

// ---------------------------------------------------------------------------------------

interface Shape {
  type: string;
  title: string;
  reason: string;
  retry: number | null;
  plan: string | null;
  endpoint: string | null;
  limit?: number | null;
  used?: number | null;
  remaining?: number | null;
  violated?: string[];
  hint?: string | undefined;
}

/** Builds the v3 body or the problem details from one description. */
function respond(status: Refusal['status'], opts: RefusalOptions, message: string, x: Shape): Refusal {
  if (opts.problemDetails === true) {
    const body: Record<string, unknown> = { type: x.type, title: x.title, status, detail: message };
    if (typeof opts.instance === 'string' && opts.instance !== '') body.instance = clean(opts.instance, MAX_INSTANCE);
    if (x.violated !== undefined && x.violated.length > 0) body['violated-policies'] = x.violated;
    body.reason = x.reason;
    body.retry_after_seconds = x.retry;
    body.plan = x.plan;
    body.endpoint = x.endpoint;
    body.limit = x.limit ?? null;
    body.used = x.used ?? null;
    body.remaining = x.remaining ?? null;
    if (x.hint !== undefined) body.upgrade_hint = x.hint;
    return { status, contentType: 'application/problem+json', body };
  }
  const body: Record<string, unknown> = {
    ok: false,
    reason: x.reason,
    message,
    retry_after_seconds: x.retry,
    used: x.used ?? null,
    allowed: x.limit ?? null,
    plan: x.plan,
    endpoint: x.endpoint,
  };
  if (x.hint !== undefined) body.upgrade_hint = x.hint;
  return { status, contentType: 'application/json', body };
}

/** The limit that refused (or slowed, or logged) the request. */
function deciding(r: Partial<RateLimitResult>): LimitStatus | undefined {
  const s = r.blockedBy;
  return s !== null && typeof s === 'object' ? s : undefined;
}

/** Without a deciding limit: the one the result's numbers describe (closest to running out). */
function primary(r: Partial<RateLimitResult>): LimitStatus | undefined {
  const limits = Array.isArray(r.limits) ? r.limits.filter((l) => l !== null && typeof l === 'object') : [];
  return limits.find((l) => l.limit === r.limit && l.remaining === r.remaining && l.used === r.current) ?? limits[0];
}

function limitReason(r: Partial<RateLimitResult>, s: LimitStatus | undefined): LimitReason {
  if (s !== undefined && Object.prototype.hasOwnProperty.call(KIND_REASON, s.kind)) return KIND_REASON[s.kind];
  if (r.reason === 'token_limit_exceeded' || r.reason === 'cost_exceeded') return r.reason;
  return 'rate_limited';
}

/** Names (as in RateLimit-Policy) of every exceeded limit, the deciding one first. */
function violatedPolicies(r: Partial<RateLimitResult>, s: LimitStatus | undefined): string[] {
  const names: string[] = [];
  if (s !== undefined && s.exceeded === true) names.push(rateLimitPolicyName(s));
  const limits = Array.isArray(r.limits) ? r.limits : [];
  for (const l of limits) {
    if (l === null || typeof l !== 'object' || l.exceeded !== true) continue;
    const name = rateLimitPolicyName(l);
    if (!names.includes(name)) names.push(name);
  }
  return names;
}

function upgradeHint(hint: RefusalOptions['upgradeHint'], plan: string): string | undefined {
  let value: unknown = hint;
  if (typeof hint === 'function') {
    try {
      value = hint(plan);
    } catch {
      return undefined; // a throwing hint must not turn a 429 into a 500
    }
  }
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A number for a body: dollars rounded to the micro-dollar (no float noise), null when not finite. */
function amount(n: unknown, cost: boolean): number | null {
  if (typeof n !== 'number' || !Number.isFinite(n)) return null;
  return cost ? Math.round(n * MICROS_PER_DOLLAR) / MICROS_PER_DOLLAR : n;
}

// --- messages ----------------------------------------------------------------------------

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
function endpointParts(endpoint: string): { method: string; path: string } {
  const bar = endpoint.indexOf('|');
  const method = bar < 0 ? '' : endpoint.slice(0, bar).trim();
  const path = (bar < 0 ? endpoint : endpoint.slice(bar + 1)).trim();
  return { method: method === '*' ? '' : method, path: path === '*' ? '' : path };
}

/** ` on POST /api/chat`, ` on /api/chat` (any method), ` on GET requests` (any path), or `` (`*|*`). */
function endpointPhrase({ method, path }: { method: string; path: string }): string {
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
function formatNumber(n: number): string {
  if (typeof n !== 'number' || Number.isNaN(n)) return '0';
  if (!Number.isFinite(n)) return n > 0 ? 'unlimited' : '0';
  const negative = n < 0;
  const hundredths = Math.round(Math.abs(n) * 100);
  const whole = Math.floor(hundredths / 100);
  const frac = String(hundredths % 100).padStart(2, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${group(whole)}${frac === '' ? '' : `.${frac}`}`;
}

/** `$1.00`, `$0.50`, `$0.0025`, `$1,234.50`: two decimals at least, six at most. */
function formatUsd(d: number): string {
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
function echo(value: unknown): string {
  if (typeof value !== 'string' && typeof value !== 'number') return '';
  return clean(String(value), MAX_ECHO);
}

/** Replaces unsafe characters and cuts to `max` code points (never inside a surrogate pair), marking the cut with `…`. */
function clean(value: string, max: number): string {
  // Only the head matters: 4 * max code units hold more than max code points.
  const head = value.length > 4 * max ? value.slice(0, 4 * max) : value;
  const safe = head.replace(UNSAFE, '\ufffd');
  if (safe.length <= max && head === value) return safe;
  const chars = Array.from(safe);
  if (chars.length <= max && head === value) return safe;
  return `${chars.slice(0, max - 1).join('')}…`;
}
