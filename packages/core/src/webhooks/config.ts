// Validates webhook endpoint configs and fills in defaults, reporting every problem with its path.
import { ConfigError, type ConfigIssue } from '../errors/index.js';
import type { LimitRateEventType } from '../events/types.js';
import { secretKeyBytes } from './signature.js';
import type { WebhookConfig, WebhookSenderOptions } from './types.js';

/** Every event type, checked against the union at compile time (a new type must be added here). */
const EVENT_TYPES = {
  allowed: true,
  rate_exceeded: true,
  cost_exceeded: true,
  token_limit_exceeded: true,
  slowdown_applied: true,
  ip_blocked: true,
  store_error: true,
  store_circuit: true,
  store_fallback: true,
  callback_error: true,
  usage_recorded: true,
  unknown_plan: true,
  webhook_failed: true,
  webhook_dropped: true,
} as const satisfies Record<LimitRateEventType, true>;

const ALL_TYPES = Object.keys(EVENT_TYPES) as LimitRateEventType[];

/** Events the sender emits itself: sent only to endpoints that list them explicitly. */
export function isSenderEvent(type: LimitRateEventType): type is 'webhook_failed' | 'webhook_dropped' {
  return type === 'webhook_failed' || type === 'webhook_dropped';
}

/** `'*'`: every type but the sender's own. */
const STAR_TYPES: readonly LimitRateEventType[] = ALL_TYPES.filter((t) => !isSenderEvent(t));
/** The default: `'*'` without `allowed`, which fires on every request. */
const DEFAULT_TYPES: readonly LimitRateEventType[] = STAR_TYPES.filter((t) => t !== 'allowed');

/** Headers the sender sets itself. */
const RESERVED_HEADERS = new Set(['content-type', 'webhook-id', 'webhook-timestamp', 'webhook-signature']);
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HTTP_URL = /^https?:\/\/[^\s/?#]+(?:[/?#]\S*)?$/i;
/** setTimeout's largest delay. */
const MAX_TIMER_MS = 2_147_483_647;

/** One endpoint, validated, with every default applied. */
export interface ResolvedEndpoint {
  url: string;
  /** v3 `webhookUrl`: one unsigned POST per event, the body being the event. */
  legacy: boolean;
  /** Key bytes of each signing secret (empty: unsigned). */
  secrets: Uint8Array[];
  accepts: ReadonlySet<LimitRateEventType>;
  batchSize: number;
  flushIntervalMs: number;
  maxQueue: number;
  maxRetries: number;
  timeoutMs: number;
  retryDelayMs: number;
  maxRetryDelayMs: number;
  closeTimeoutMs: number;
  headers: Record<string, string>;
}

class Issues {
  readonly list: ConfigIssue[] = [];
  bad(path: string, message: string, hint: string): void {
    this.list.push({ path, code: 'ERR_LIMITRATE_INVALID_CONFIG', message, hint });
  }
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

function checkUrl(issues: Issues, path: string, url: unknown): url is string {
  if (typeof url === 'string' && HTTP_URL.test(url)) return true;
  issues.bad(path, `must be an absolute http: or https: URL, got ${show(url)}`, "For example 'https://example.com/hooks/limitrate'");
  return false;
}

function number(issues: Issues, path: string, value: unknown, fallback: number, opts: { min: number; integer?: boolean; max?: number }): number {
  if (value === undefined) return fallback;
  const max = opts.max ?? MAX_TIMER_MS;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < opts.min || value > max || (opts.integer === true && !Number.isInteger(value))) {
    issues.bad(path, `must be ${opts.integer === true ? 'an integer' : 'a number'} from ${opts.min} to ${max}, got ${show(value)}`, `Leave it out for the default (${fallback})`);
    return fallback;
  }
  return value;
}

function eventTypes(issues: Issues, path: string, value: unknown): ReadonlySet<LimitRateEventType> {
  if (value === undefined) return new Set(DEFAULT_TYPES);
  if (value === '*') return new Set(STAR_TYPES);
  if (!Array.isArray(value) || value.length === 0) {
    issues.bad(path, `must be '*' or a non-empty array of event types, got ${show(value)}`, `Leave it out for every type but 'allowed', or list some of: ${ALL_TYPES.join(', ')}`);
    return new Set(DEFAULT_TYPES);
  }
  const types = new Set<LimitRateEventType>();
  value.forEach((t: unknown, i) => {
    if (typeof t === 'string' && Object.prototype.hasOwnProperty.call(EVENT_TYPES, t)) types.add(t as LimitRateEventType);
    else issues.bad(`${path}[${i}]`, `is not an event type: ${show(t)}`, `Use one of: ${ALL_TYPES.join(', ')}`);
  });
  return types;
}

function headerMap(issues: Issues, path: string, value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    issues.bad(path, `must be an object of header names to values, got ${show(value)}`, "For example { authorization: 'Bearer ...' }");
    return {};
  }
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(value)) {
    if (!HEADER_NAME.test(name)) issues.bad(`${path}[${JSON.stringify(name)}]`, 'is not a valid HTTP header name', 'Use letters, digits and - only');
    else if (RESERVED_HEADERS.has(name.toLowerCase())) issues.bad(`${path}[${JSON.stringify(name)}]`, 'is set by the sender', 'Remove it: the sender sends content-type and the webhook-* headers itself');
    else if (typeof v !== 'string' || /[\r\n\0]/.test(v)) issues.bad(`${path}[${JSON.stringify(name)}]`, 'must be a string without line breaks', 'Give the header value as a string');
    else out[name] = v;
  }
  return out;
}

function secrets(issues: Issues, path: string, value: unknown): Uint8Array[] {
  if (value === undefined) return [];
  const list: unknown[] = Array.isArray(value) ? value : [value];
  if (list.length === 0) issues.bad(path, 'must not be an empty array', 'Leave it out to send unsigned requests, or give one secret');
  const out: Uint8Array[] = [];
  list.forEach((s, i) => {
    try {
      out.push(secretKeyBytes(s, Array.isArray(value) ? `${path}[${i}]` : path));
    } catch (error) {
      if (error instanceof ConfigError) issues.list.push(...error.issues);
      else throw error;
    }
  });
  return out;
}

const KNOWN_KEYS = new Set(['url', 'secret', 'events', 'batchSize', 'flushIntervalMs', 'maxQueue', 'maxRetries', 'timeoutMs', 'retryDelayMs', 'maxRetryDelayMs', 'headers']);

/** Validates the sender's configs and options; throws one ConfigError listing every problem. */
export function resolveEndpoints(configs: readonly WebhookConfig[], options: WebhookSenderOptions): ResolvedEndpoint[] {
  const { issues, out } = resolve(configs, options);
  if (issues.length > 0) throw new ConfigError(issues);
  return out;
}

/**
 * Every problem of webhook configs (`webhooks[i].…` paths) and of a legacy `webhookUrl`,
 * without throwing: for adapters that report all their option problems at once.
 */
export function webhookConfigIssues(configs: unknown, legacyUrl?: unknown): ConfigIssue[] {
  const found = resolve((configs ?? []) as readonly WebhookConfig[], legacyUrl === undefined ? {} : { legacyUrl: legacyUrl as string }).issues;
  return found.map((i) => (i.path === 'legacyUrl' ? { ...i, path: 'webhookUrl' } : i));
}

function resolve(configs: readonly WebhookConfig[], options: WebhookSenderOptions): { issues: ConfigIssue[]; out: ResolvedEndpoint[] } {
  const issues = new Issues();
  const out: ResolvedEndpoint[] = [];
  const closeTimeoutMs = options.closeTimeoutMs === undefined ? undefined : number(issues, 'closeTimeoutMs', options.closeTimeoutMs, 10_000, { min: 0 });
  if (!Array.isArray(configs)) {
    issues.bad('webhooks', `must be an array of webhook configs, got ${show(configs)}`, "For example [{ url: 'https://example.com/hooks', secret: 'whsec_...' }]");
  } else {
    configs.forEach((raw: unknown, i) => {
      const path = `webhooks[${i}]`;
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
        issues.bad(path, `must be an object, got ${show(raw)}`, "For example { url: 'https://example.com/hooks' }");
        return;
      }
      const config = raw as Record<string, unknown>;
      for (const key of Object.keys(config)) {
        if (!KNOWN_KEYS.has(key)) issues.list.push({ path: `${path}.${key}`, code: 'ERR_LIMITRATE_UNKNOWN_OPTION', message: 'is not a webhook option', hint: `Use only: ${[...KNOWN_KEYS].join(', ')}` });
      }
      checkUrl(issues, `${path}.url`, config.url);
      const timeoutMs = number(issues, `${path}.timeoutMs`, config.timeoutMs, 5000, { min: 1 });
      const retryDelayMs = number(issues, `${path}.retryDelayMs`, config.retryDelayMs, 250, { min: 0 });
      out.push({
        url: config.url as string,
        legacy: false,
        secrets: secrets(issues, `${path}.secret`, config.secret),
        accepts: eventTypes(issues, `${path}.events`, config.events),
        batchSize: number(issues, `${path}.batchSize`, config.batchSize, 20, { min: 1, integer: true, max: 10_000 }),
        flushIntervalMs: number(issues, `${path}.flushIntervalMs`, config.flushIntervalMs, 1000, { min: 0 }),
        maxQueue: number(issues, `${path}.maxQueue`, config.maxQueue, 1000, { min: 1, integer: true, max: 10_000_000 }),
        maxRetries: number(issues, `${path}.maxRetries`, config.maxRetries, 5, { min: 0, integer: true, max: 100 }),
        timeoutMs,
        retryDelayMs,
        maxRetryDelayMs: Math.max(retryDelayMs, number(issues, `${path}.maxRetryDelayMs`, config.maxRetryDelayMs, 30_000, { min: 0 })),
        closeTimeoutMs: closeTimeoutMs ?? Math.max(timeoutMs * 2, 10_000),
        headers: headerMap(issues, `${path}.headers`, config.headers),
      });
    });
  }
  if (options.legacyUrl !== undefined && checkUrl(issues, 'legacyUrl', options.legacyUrl)) {
    out.push({
      url: options.legacyUrl,
      legacy: true,
      secrets: [],
      accepts: new Set(DEFAULT_TYPES),
      batchSize: 1,
      flushIntervalMs: 0,
      maxQueue: 1000,
      maxRetries: 5,
      timeoutMs: 5000,
      retryDelayMs: 250,
      maxRetryDelayMs: 30_000,
      closeTimeoutMs: closeTimeoutMs ?? 10_000,
      headers: {},
    });
  }
  if (options.clock !== undefined && typeof options.clock?.now !== 'function') issues.bad('clock', 'must have a now() method', 'Use systemClock or manualClock()');
  if (options.fetch !== undefined && typeof options.fetch !== 'function') issues.bad('fetch', `must be a function, got ${show(options.fetch)}`, 'Leave it out to use the global fetch');
  if (options.random !== undefined && typeof options.random !== 'function') issues.bad('random', `must be a function, got ${show(options.random)}`, 'Leave it out to use Math.random');
  if (options.fetch === undefined && typeof fetch !== 'function') issues.bad('fetch', 'is needed: this runtime has no global fetch', 'Pass a fetch implementation in the options');
  return { issues: issues.list, out };
}
