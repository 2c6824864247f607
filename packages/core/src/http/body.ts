// The bodies of refused requests (429, 403, 503): LimitRate v3's JSON or RFC 9457 problem
// details. Their wording is in messages.ts.
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
import { clean, deciding, echo, endpointParts, endpointPhrase, formatNumber, primary, rateLimitMessage } from './messages.js';

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
