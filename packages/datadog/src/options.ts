// datadogMetrics() options: their types, defaults and validation (coded ConfigErrors).
import { ConfigError, type ConfigIssue } from '@limitrate/core';
import { normalizeGlobalTags } from './tags.js';

/** Options of `datadogMetrics()`. Give `host`/`port` (DogStatsD, the default) or `apiKey` (agentless), not both. */
export interface DatadogMetricsOptions {
  /** DogStatsD agent host. Default: `DD_AGENT_HOST` from the environment, else `localhost`. */
  host?: string;
  /** DogStatsD agent UDP port. Default: `DD_DOGSTATSD_PORT`, else 8125. */
  port?: number;
  /** Agentless: a Datadog API key. Metrics are posted over HTTPS to the Datadog API instead of sent to an agent. */
  apiKey?: string;
  /** Agentless: the Datadog site (`datadoghq.com`, `datadoghq.eu`, `us3.datadoghq.com`, `us5.datadoghq.com`, `ap1.datadoghq.com`, `ddog-gov.com`). Default: `DD_SITE`, else `datadoghq.com`. */
  site?: string;
  /** Agentless: the API base URL, overriding `site` (a proxy, or a test server). Default `https://api.<site>`. */
  apiUrl?: string;
  /** Prefix of every metric name. Default `limitrate.`. */
  prefix?: string;
  /** Tags added to every metric: `['env:prod', 'service:api']` or `{ env: 'prod' }`. */
  globalTags?: readonly string[] | Readonly<Record<string, string>>;
  /** How often aggregated metrics are sent, in ms. Default 10 000. 0 sends only on `flush()` and close. */
  flushIntervalMs?: number;
  /**
   * At most this many checks a second are timed for `check.duration` (default 100): every
   * check below that rate, else one in N, each timing sent with sample rate 1/N. `Infinity`
   * times every check. The most any instrumentation of the limiter asks for applies.
   */
  timingsPerSecond?: number;
  /** Tag check metrics with `user:<id>`. Default false: user ids are unbounded and may be personal data, and each check then goes through a per-check hook (costs more per check). */
  tagUsers?: boolean;
  /** With `tagUsers`: how many distinct users get their own tag; later ones are tagged `user:other`. Default 100. */
  maxUsers?: number;
  /** How many plan/endpoint(/user) series are kept; beyond it, checks are counted under `endpoint:other`. Default 1000. */
  maxSeries?: number;
  /** Called when sending fails (socket error, HTTP error). Default: `console.warn`, at most once a minute. Never throws into the app. */
  onError?: (error: Error) => void;
}

/** The options with their defaults applied. */
export interface ResolvedOptions {
  mode: 'dogstatsd' | 'agentless';
  host: string;
  port: number;
  apiKey: string;
  apiUrl: string;
  prefix: string;
  globalTags: string[];
  flushIntervalMs: number;
  timingsPerSecond: number;
  tagUsers: boolean;
  maxUsers: number;
  maxSeries: number;
  onError: ((error: Error) => void) | undefined;
}

const KNOWN = new Set([
  'host', 'port', 'apiKey', 'site', 'apiUrl', 'prefix', 'globalTags', 'flushIntervalMs', 'timingsPerSecond', 'tagUsers', 'maxUsers', 'maxSeries', 'onError',
]);

function env(name: string): string | undefined {
  const p = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  const v = p?.env?.[name];
  return v === undefined || v === '' ? undefined : v;
}

function isPositiveInt(v: unknown, min: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min;
}

/**
 * Checks the options and applies defaults; throws a `ConfigError` listing every problem.
 *
 * @example
 * ```js
 * resolveOptions({ port: 8125, prefix: 'api.' }); // { mode: 'dogstatsd', host: 'localhost', ... }
 * ```
 */
export function resolveOptions(options: DatadogMetricsOptions = {}): ResolvedOptions {
  const issues: ConfigIssue[] = [];
  const bad = (path: string, message: string, hint: string) => issues.push({ path: `datadogMetrics.${path}`, code: 'ERR_LIMITRATE_INVALID_CONFIG', message, hint });
  if (options === null || typeof options !== 'object') {
    throw new ConfigError([{ path: 'datadogMetrics', code: 'ERR_LIMITRATE_INVALID_CONFIG', message: 'options must be an object', hint: 'Call datadogMetrics({ host, port }) or datadogMetrics({ apiKey, site })' }]);
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) {
      issues.push({ path: `datadogMetrics.${key}`, code: 'ERR_LIMITRATE_UNKNOWN_OPTION', message: `unknown option "${key}"`, hint: `Known options: ${[...KNOWN].join(', ')}` });
    }
  }
  const o = options;
  const agentless = o.apiKey !== undefined;
  if (agentless) {
    if (typeof o.apiKey !== 'string' || o.apiKey.trim() === '') bad('apiKey', 'must be a non-empty string', 'Pass a Datadog API key (Organization settings > API keys), e.g. process.env.DD_API_KEY');
    if (o.host !== undefined || o.port !== undefined) bad(o.host !== undefined ? 'host' : 'port', 'cannot be combined with apiKey', 'Give host/port to send to a Datadog agent (DogStatsD), or apiKey/site to post to the API without an agent, not both');
  } else {
    if (o.site !== undefined || o.apiUrl !== undefined) bad(o.site !== undefined ? 'site' : 'apiUrl', 'needs apiKey', 'site and apiUrl are for the agentless mode: add apiKey, or remove them to send DogStatsD to an agent');
  }
  if (o.host !== undefined && (typeof o.host !== 'string' || o.host.trim() === '' || /\s/.test(o.host))) bad('host', 'must be a host name or IP address', "e.g. 'localhost', '127.0.0.1' or the agent's service name");
  const envPort = env('DD_DOGSTATSD_PORT');
  const port = o.port ?? (envPort !== undefined ? Number(envPort) : 8125);
  if (!agentless && (!isPositiveInt(port, 1) || port > 65535)) bad('port', `must be an integer from 1 to 65535 (got ${String(port)})`, 'The DogStatsD port of the agent is 8125 unless configured otherwise');
  const site = o.site ?? env('DD_SITE') ?? 'datadoghq.com';
  if (typeof site !== 'string' || !/^[a-z0-9.-]+\.[a-z]+$/i.test(site)) bad('site', `must be a Datadog site such as "datadoghq.com" (got ${JSON.stringify(site)})`, 'Use the site of your Datadog account: datadoghq.com, datadoghq.eu, us3.datadoghq.com, us5.datadoghq.com, ap1.datadoghq.com or ddog-gov.com');
  let apiUrl = '';
  if (o.apiUrl !== undefined) {
    try {
      const u = new URL(o.apiUrl);
      if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('protocol');
      apiUrl = o.apiUrl.replace(/\/+$/, '');
    } catch {
      bad('apiUrl', `must be an http(s) URL (got ${JSON.stringify(o.apiUrl)})`, 'e.g. "https://api.datadoghq.eu" or a proxy in front of it');
    }
  } else {
    apiUrl = `https://api.${site}`;
  }
  const prefix = o.prefix ?? 'limitrate.';
  if (typeof prefix !== 'string' || !/^([A-Za-z][A-Za-z0-9_.]*)?$/.test(prefix)) bad('prefix', `must start with a letter and hold only letters, digits, "_" and "." (got ${JSON.stringify(prefix)})`, "Datadog metric names allow letters, digits, underscores and periods, e.g. 'myapp.ratelimit.'");
  let globalTags: string[] = [];
  if (o.globalTags !== undefined) {
    const gt = o.globalTags as unknown;
    const okArray = Array.isArray(gt) && gt.every((t) => typeof t === 'string' && t !== '');
    const okRecord = gt !== null && typeof gt === 'object' && !Array.isArray(gt) && Object.values(gt).every((v) => typeof v === 'string');
    if (!okArray && !okRecord) bad('globalTags', 'must be an array of "key:value" strings or an object of string values', "e.g. ['env:prod', 'service:api'] or { env: 'prod' }");
    else globalTags = normalizeGlobalTags(o.globalTags);
  }
  const flushIntervalMs = o.flushIntervalMs ?? 10_000;
  if (typeof flushIntervalMs !== 'number' || !Number.isFinite(flushIntervalMs) || flushIntervalMs < 0 || (flushIntervalMs > 0 && flushIntervalMs < 100)) {
    bad('flushIntervalMs', `must be 0 or a number of ms of at least 100 (got ${String(flushIntervalMs)})`, 'Datadog aggregates per 10 s; 10000 is a good value, 0 sends only on flush() and close');
  }
  const timingsPerSecond = o.timingsPerSecond ?? 100;
  if (typeof timingsPerSecond !== 'number' || !(timingsPerSecond > 0)) {
    bad('timingsPerSecond', `must be a number > 0, or Infinity (got ${String(timingsPerSecond)})`, 'At most this many checks a second are timed (default 100); Infinity times every check');
  }
  if (o.tagUsers !== undefined && typeof o.tagUsers !== 'boolean') bad('tagUsers', 'must be a boolean', 'true tags check metrics with user ids (bounded by maxUsers)');
  const maxUsers = o.maxUsers ?? 100;
  if (!isPositiveInt(maxUsers, 1)) bad('maxUsers', `must be a positive integer (got ${String(maxUsers)})`, 'Each user tag is a custom metric series in Datadog, which is billed: keep it small');
  const maxSeries = o.maxSeries ?? 1000;
  if (!isPositiveInt(maxSeries, 1)) bad('maxSeries', `must be a positive integer (got ${String(maxSeries)})`, 'The number of plan/endpoint series kept in memory, e.g. 1000');
  if (o.onError !== undefined && typeof o.onError !== 'function') bad('onError', 'must be a function', 'e.g. (error) => logger.warn(error)');
  if (issues.length > 0) throw new ConfigError(issues);
  return {
    mode: agentless ? 'agentless' : 'dogstatsd',
    host: o.host ?? env('DD_AGENT_HOST') ?? 'localhost',
    port,
    apiKey: o.apiKey ?? '',
    apiUrl,
    prefix,
    globalTags,
    flushIntervalMs,
    timingsPerSecond,
    tagUsers: o.tagUsers ?? false,
    maxUsers,
    maxSeries,
    onError: o.onError,
  };
}
