// Options of the shared HTTP layer (what every framework adapter accepts on top of the
// RateLimiter's own), and their validation: one ConfigError for everything wrong.
import type { RateLimiterConfig } from '../config.js';
import type { ConfigIssue } from '../errors/index.js';
import { ADAPTER_OPTIONS } from '../policy/validate.js';
import type { WebhookConfig } from '../webhooks/index.js';
import { webhookConfigIssues } from '../webhooks/config.js';
import type { HeaderMode } from './headers.js';
import { compileCidrList } from './ip.js';

/**
 * Options of an HTTP adapter (`limitrate(options)` in @limitrate/express and friends).
 * `TReq` / `TRes` are the framework's request and response types.
 *
 * @example
 * ```ts
 * const options: HttpLimiterOptions<Request, Response> = {
 *   identifyUser: (req) => req.user?.id ?? req.ip,
 *   identifyPlan: (req) => req.user?.plan ?? 'free',
 *   policies: { free: { rate: { maxPerMinute: 60 } } },
 * };
 * ```
 */
export interface HttpLimiterOptions<TReq, TRes = unknown> extends RateLimiterConfig<TReq> {
  /** Who is counted (default: the client IP, IPv6 by subnet). */
  identifyUser?: (req: TReq) => string | Promise<string>;
  /** The caller's plan (default: the default plan). */
  identifyPlan?: (req: TReq) => string | Promise<string>;
  /** Trust X-Forwarded-For: `true` trusts every hop (spoofable), a number trusts that many proxies. Default false. */
  trustProxy?: boolean | number;
  /** How many proxies in front of the app append to X-Forwarded-For (picks the right hop). */
  trustedProxyCount?: number;
  /** IPv6 clients are counted by this prefix length (default 56); false counts full addresses. */
  ipv6Subnet?: number | false;
  /** Addresses or CIDR ranges that skip every check. */
  ipAllowlist?: readonly string[];
  /** Addresses or CIDR ranges refused with 403. */
  ipBlocklist?: readonly string[];
  /** Rate-limit headers: 'v3' (default: RateLimit-* and X-RateLimit-*), 'draft' (IETF structured fields), 'legacy', 'both', or false. */
  headers?: HeaderMode;
  /** Added to 429 bodies: a string, or a function of the plan. */
  upgradeHint?: string | ((plan: string) => string | undefined | null);
  /** Send refusals as RFC 9457 application/problem+json. */
  problemDetails?: boolean;
  /** Requests for which this returns true are not limited at all. */
  skip?: (req: TReq) => boolean | Promise<boolean>;
  /** Do not count requests that succeed (status < 400). */
  skipSuccessfulRequests?: boolean;
  /** Do not count requests that fail (status >= 400, or the connection closes early). */
  skipFailedRequests?: boolean;
  /** The request's token count, known before it runs. */
  identifyTokenUsage?: (req: TReq) => number | undefined | Promise<number | undefined>;
  /** The tokens the response actually used: charged or refunded against the estimate. */
  extractTokenUsage?: (res: TRes, req: TReq) => number | undefined | Promise<number | undefined>;
  /** LimitRate v3: POST every event to this URL (one event per request, unsigned). */
  webhookUrl?: string;
  /** Signed, batched webhooks (Standard Webhooks headers). */
  webhooks?: readonly WebhookConfig[];
  /** Queue priority of concurrency-limited requests: lower first (default 5). */
  priority?: number | ((req: TReq) => number);
  /** How long identifyUser, identifyPlan, skip, identifyTokenUsage and extractTokenUsage may take (default 1,000 ms). */
  callbackTimeoutMs?: number;
}

/** The options the HTTP layer handles itself (passed over by the core validation). */
export const HTTP_OPTIONS = [
  'identifyUser',
  'identifyPlan',
  'trustProxy',
  'trustedProxyCount',
  'ipv6Subnet',
  'ipAllowlist',
  'ipBlocklist',
  'headers',
  'upgradeHint',
  'problemDetails',
  'skip',
  'skipSuccessfulRequests',
  'skipFailedRequests',
  'identifyTokenUsage',
  'extractTokenUsage',
  'webhookUrl',
  'webhooks',
  'priority',
  'callbackTimeoutMs',
] as const;

/** Adapter options that later releases implement, with what to say about them. */
const LATER: Record<string, string> = {
  identifyOrg: 'hierarchical (organization) limits arrive in a later release',
  trackEndpoints: 'endpoint analytics arrive with the CLI dashboard in a later release',
};

const HEADER_MODES = ['v3', 'draft', 'legacy', 'both'];
const FN = 'must be a function';

type Obj = Record<string, unknown>;
const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : typeof v === 'function' ? 'a function' : Array.isArray(v) ? 'an array' : v === null ? 'null' : typeof v === 'object' ? 'an object' : String(v));

function bad(path: string, message: string, hint: string): ConfigIssue {
  return { path, code: 'ERR_LIMITRATE_INVALID_CONFIG', message, hint };
}

/** The problems with the HTTP-layer options (core options are validated by the RateLimiter). */
export function httpOptionIssues(options: Obj): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const [key, why] of Object.entries(LATER)) {
    if (options[key] !== undefined) issues.push({ path: key, code: 'ERR_LIMITRATE_UNSUPPORTED_OPTION', message: `"${key}" is not available in this release: ${why}`, hint: 'Remove it for now' });
  }
  for (const key of ['identifyUser', 'identifyPlan', 'skip', 'identifyTokenUsage', 'extractTokenUsage'] as const) {
    if (options[key] !== undefined && typeof options[key] !== 'function') issues.push(bad(key, `${FN}, got ${show(options[key])}`, `Pass (req) => ... ; see the ${key} option in the docs`));
  }
  const tp = options.trustProxy;
  if (tp !== undefined && typeof tp !== 'boolean' && !(typeof tp === 'number' && Number.isInteger(tp) && tp >= 0 && tp <= 32)) {
    issues.push(bad('trustProxy', `must be true, false or a number of proxies (0 to 32), got ${show(tp)}`, 'Use trustedProxyCount: 1 behind one proxy (such as nginx or a load balancer)'));
  }
  const tc = options.trustedProxyCount;
  if (tc !== undefined && !(typeof tc === 'number' && Number.isInteger(tc) && tc >= 0 && tc <= 32)) {
    issues.push(bad('trustedProxyCount', `must be a whole number of proxies from 0 to 32, got ${show(tc)}`, 'Count the proxies that append to X-Forwarded-For in front of the app'));
  }
  const sub = options.ipv6Subnet;
  if (sub !== undefined && sub !== false && !(typeof sub === 'number' && Number.isInteger(sub) && sub >= 1 && sub <= 128)) {
    issues.push(bad('ipv6Subnet', `must be a prefix length from 1 to 128, or false, got ${show(sub)}`, 'The default 56 counts one customer network as one client'));
  }
  for (const key of ['ipAllowlist', 'ipBlocklist'] as const) {
    const list = options[key];
    if (list === undefined) continue;
    if (!Array.isArray(list)) {
      issues.push(bad(key, `must be an array of addresses or CIDR ranges, got ${show(list)}`, "For example ['10.0.0.0/8', '2001:db8::/32', '203.0.113.7']"));
      continue;
    }
    const { invalid } = compileCidrList(list.filter((e): e is string => typeof e === 'string'));
    list.forEach((entry, i) => {
      if (typeof entry !== 'string' || invalid.includes(entry)) {
        issues.push(bad(`${key}[${i}]`, `is not an IP address or CIDR range: ${show(entry)}`, 'Write 203.0.113.7, 10.0.0.0/8 or 2001:db8::/32'));
      }
    });
  }
  if (options.headers !== undefined && options.headers !== false && !HEADER_MODES.includes(options.headers as string)) {
    issues.push(bad('headers', `must be 'v3', 'draft', 'legacy', 'both' or false, got ${show(options.headers)}`, "'draft' sends the IETF RateLimit and RateLimit-Policy fields"));
  }
  const hint = options.upgradeHint;
  if (hint !== undefined && typeof hint !== 'string' && typeof hint !== 'function') issues.push(bad('upgradeHint', `must be a string or a function of the plan, got ${show(hint)}`, "For example (plan) => plan === 'free' ? 'Upgrade to Pro for 10x the limit' : undefined"));
  for (const key of ['problemDetails', 'skipSuccessfulRequests', 'skipFailedRequests'] as const) {
    if (options[key] !== undefined && typeof options[key] !== 'boolean') issues.push(bad(key, `must be true or false, got ${show(options[key])}`, 'Use a boolean'));
  }
  // The webhook sender's own validation, so the adapter accepts exactly what the sender does.
  if (options.webhookUrl !== undefined || options.webhooks !== undefined) issues.push(...webhookConfigIssues(options.webhooks, options.webhookUrl));
  const pr = options.priority;
  if (pr !== undefined && typeof pr !== 'function' && !(typeof pr === 'number' && Number.isFinite(pr))) issues.push(bad('priority', `must be a number or a function of the request, got ${show(pr)}`, 'Lower numbers are served first (default 5)'));
  const ct = options.callbackTimeoutMs;
  if (ct !== undefined && !(typeof ct === 'number' && Number.isFinite(ct) && ct > 0 && ct <= 60_000)) issues.push(bad('callbackTimeoutMs', `must be a number of ms above 0 and at most 60000, got ${show(ct)}`, 'How long identifyUser and the other callbacks may take'));
  return issues;
}

/** Every adapter-level key the HTTP layer accepts or refuses itself (not left to the core). */
export const HTTP_VALIDATED_KEYS: readonly string[] = [...HTTP_OPTIONS, ...Object.keys(LATER)];

/** Options the RateLimiter understands: everything else belongs to the HTTP layer. */
export function coreConfigOf<TReq, TRes>(options: HttpLimiterOptions<TReq, TRes>): RateLimiterConfig<TReq> {
  const core: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) if (!HTTP_VALIDATED_KEYS.includes(k) && !(ADAPTER_OPTIONS as readonly string[]).includes(k)) core[k] = v;
  return core as unknown as RateLimiterConfig<TReq>;
}
