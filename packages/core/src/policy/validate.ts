// Configuration validation in one place: every wrong or unknown option is reported with
// its path, a coded error and a hint, all at once, when the limiter is constructed.
import { ConfigError, type ConfigIssue } from '../errors/index.js';
import { isFn, isObject, Issues, prop, show, suggestion } from './validate-issues.js';
import { validateOverrideLimits, validatePolicies } from './validate-rules.js';

const STORE_TYPES = ['memory', 'redis', 'upstash'];

/** Options a RateLimiter understands. */
export const CORE_OPTIONS = [
  'policies',
  'store',
  'clock',
  'defaultPlan',
  'onUnknownPlan',
  'userOverrides',
  'getUserOverride',
  'userOverrideTimeoutMs',
  'onStoreError',
  'onRedisError',
  'storeTimeoutMs',
  'dryRun',
  'dryRunLogger',
  'onEvent',
  'metrics',
  'tracing',
  'analytics',
] as const;

/** Options that belong to an HTTP adapter, not to the framework-free RateLimiter. */
export const ADAPTER_OPTIONS = [
  'identifyUser',
  'identifyPlan',
  'identifyOrg',
  'trustProxy',
  'trustedProxyCount',
  'ipv6Subnet',
  'ipAllowlist',
  'ipBlocklist',
  'webhookUrl',
  'webhooks',
  'upgradeHint',
  'skip',
  'headers',
  'identifyTokenUsage',
  'extractTokenUsage',
  'trackEndpoints',
  'priority',
  'skipSuccessfulRequests',
  'skipFailedRequests',
  'problemDetails',
] as const;

/** Planned v4 features that later releases add; until then they are refused, not ignored. */
export const LATER_OPTIONS = ['hierarchy', 'geographic', 'circuitBreaker', 'adaptive', 'queueing', 'costOptimization', 'smart'] as const;

const INSTRUMENT_HOOKS = ['attach', 'onCheck', 'onTimedCheck', 'onStoreOperation', 'startCheck'];

/** A `metrics` or `tracing` value: an instrumentation object from a LimitRate package (or your own). */
function validateInstrumentation(issues: Issues, path: string, value: unknown, kind: 'metrics' | 'tracing'): void {
  const hint = kind === 'metrics' ? 'Use prometheusMetrics() from @limitrate/prometheus or datadogMetrics() from @limitrate/datadog (or an object with name and onCheck)' : 'Use opentelemetryTracing() from @limitrate/opentelemetry (or an object with name and startCheck)';
  if (!isObject(value)) {
    issues.bad(path, `must be an instrumentation object, got ${show(value)}`, hint);
    return;
  }
  if (typeof value.name !== 'string' || value.name === '') issues.bad(prop(path, 'name'), `must be a non-empty string, got ${show(value.name)}`, 'Name it: errors and events report it');
  for (const hook of INSTRUMENT_HOOKS) issues.fn(prop(path, hook), value[hook], hint);
  if (!INSTRUMENT_HOOKS.some((h) => value[h] !== undefined)) issues.bad(path, `has none of ${INSTRUMENT_HOOKS.join(', ')}, so it would do nothing`, hint);
  if (value.counts !== undefined && typeof value.counts !== 'boolean') issues.bad(prop(path, 'counts'), `must be true or false, got ${show(value.counts)}`, 'true keeps check counts for it to read at export (checkCounts())');
  if (value.counts === true && value.attach === undefined) issues.bad(prop(path, 'counts'), 'is true but there is no attach() to read the counts through, so they would never be read', 'Add attach(limiter) and read limiter.checkCounts() when you export');
  const rate = value.timingsPerSecond;
  if (rate !== undefined && !(typeof rate === 'number' && rate > 0 && (Number.isFinite(rate) || rate === Infinity))) {
    issues.bad(prop(path, 'timingsPerSecond'), `must be a number > 0 (or Infinity), got ${show(rate)}`, 'At most this many timed checks a second (default 100); Infinity times every check');
  }
}

/** Validates a user override returned at run time (by getUserOverride). Returns the issues. */
export function validateUserOverride(value: unknown, path = 'getUserOverride()'): ConfigIssue[] {
  const issues = new Issues();
  if (value === null || value === undefined) return [];
  if (!isObject(value)) issues.bad(path, `must return an override object, null or undefined, got ${show(value)}`, 'For example { maxPerMinute: 100 }');
  else validateOverrideLimits(issues, path, value, true);
  return issues.list;
}

function validateStore(issues: Issues, store: unknown): void {
  if (store === undefined) return;
  if (!isObject(store)) {
    issues.bad('store', `must be a store config or a Store instance, got ${show(store)}`, "Use { type: 'memory' } or a store object such as new MemoryStore()");
    return;
  }
  if (isFn(store.consume)) {
    if (!isFn(store.reset)) issues.bad('store.reset', 'is missing: a Store needs consume() and reset()', 'Implement reset(selector) (see the Store interface)');
    if (typeof store.name !== 'string' || store.name === '') issues.bad('store.name', `must be a non-empty string, got ${show(store.name)}`, 'Name the store (e.g. "redis"): events and metrics report it');
    return;
  }
  if ('client' in store && store.type === undefined) {
    // { client }: a Redis client, as { type: 'redis', client }.
    validateRemoteStore(issues, store, 'redis');
    return;
  }
  if (store.type === undefined) {
    issues.bad('store.type', 'is missing', `Say which store: { type: 'memory' }${store.url !== undefined ? ", { type: 'redis', url } or { type: 'upstash', url, token }" : ''}`);
    issues.keys('store', store, ['type', 'maxKeys', 'cleanupIntervalMs']);
    return;
  }
  issues.oneOf('store.type', store.type, STORE_TYPES);
  if (store.type === 'redis' || store.type === 'upstash') {
    validateRemoteStore(issues, store, store.type);
    return;
  }
  if (store.type === 'memory') {
    issues.keys('store', store, ['type', 'maxKeys', 'cleanupIntervalMs']);
    if (store.maxKeys !== undefined && (typeof store.maxKeys !== 'number' || !Number.isInteger(store.maxKeys) || store.maxKeys < 16)) {
      issues.bad('store.maxKeys', `must be a whole number of at least 16, got ${show(store.maxKeys)}`, 'Size it above your number of active clients, e.g. 100000');
    }
    if (store.cleanupIntervalMs !== undefined && (typeof store.cleanupIntervalMs !== 'number' || !(store.cleanupIntervalMs >= 0) || !Number.isFinite(store.cleanupIntervalMs))) {
      issues.bad('store.cleanupIntervalMs', `must be a number of ms >= 0, got ${show(store.cleanupIntervalMs)}`, 'Use 0 to turn the sweep timer off');
    }
  }
}

/** Options core passes on to RedisStore / UpstashStore, which check the values themselves. */
const REMOTE_STORE_KEYS = {
  redis: ['url', 'client', 'keyPrefix', 'commandTimeoutMs', 'hashTags', 'maxBatch'],
  upstash: ['url', 'token', 'client', 'keyPrefix', 'timeoutMs'],
} as const;

function validateRemoteStore(issues: Issues, store: Record<string, unknown>, type: 'redis' | 'upstash'): void {
  issues.keys('store', store, [...(store.type === undefined ? [] : ['type']), ...REMOTE_STORE_KEYS[type]]);
  for (const field of ['url', 'token', 'keyPrefix'] as const) {
    const value = store[field];
    if (value !== undefined && typeof value !== 'string') issues.bad(`store.${field}`, `must be a string, got ${show(value)}`, field === 'url' ? (type === 'redis' ? "Use e.g. 'redis://127.0.0.1:6379'" : 'Use the https:// REST URL from the Upstash console') : `Pass the ${field} as a string`);
  }
  if ('client' in store && (store.client === null || (typeof store.client !== 'object' && typeof store.client !== 'function'))) {
    issues.bad('store.client', `must be a ${type === 'redis' ? 'Redis (ioredis)' : '@upstash/redis'} client, got ${show(store.client)}`, type === 'redis' ? "Pass e.g. new Redis(url) from 'ioredis'" : "Pass e.g. new Redis({ url, token }) from '@upstash/redis'");
  }
  if (store.client !== undefined && (store.url !== undefined || store.token !== undefined)) {
    issues.bad('store.client', `comes with ${store.url !== undefined ? 'url' : 'token'}: give one or the other`, 'Pass your client, or the connection details for the store to connect itself');
  }
}

/**
 * Validates a RateLimiter configuration and throws a {@link ConfigError} listing every
 * problem. Returns nothing when the configuration is valid.
 *
 * @example
 * ```ts
 * validateConfig({ policies: { free: { rate: { maxPerMinute: 10 } } } }); // ok
 * ```
 */
export function validateConfig(config: unknown, options: ValidationOptions = {}): void {
  const adapterKeys = options.adapterKeys ?? [];
  const issues = new Issues();
  if (!isObject(config)) {
    issues.bad('(config)', `must be an object, got ${show(config)}`, 'Pass { policies: { ... } }');
    throw new ConfigError(issues.list);
  }
  for (const key of Object.keys(config)) {
    if ((CORE_OPTIONS as readonly string[]).includes(key) || adapterKeys.includes(key)) continue;
    if ((ADAPTER_OPTIONS as readonly string[]).includes(key)) {
      issues.unsupported(key, `"${key}" is an HTTP adapter option, which the framework-free RateLimiter does not use`, 'Pass it to an adapter such as @limitrate/express, or put the value on each check() request');
    } else if ((LATER_OPTIONS as readonly string[]).includes(key)) {
      issues.unsupported(key, `"${key}" is not available in this release`, 'Remove it for now; it arrives in a later release');
    } else {
      const hint = suggestion(key, [...CORE_OPTIONS, ...ADAPTER_OPTIONS]);
      const adapterHint = ADAPTER_OPTIONS.find((a) => hint.includes(`"${a}"`));
      issues.list.push({
        path: prop('(config)', key),
        code: 'ERR_LIMITRATE_UNKNOWN_OPTION',
        message: `unknown option "${key}"`,
        hint: adapterHint ? `${hint} (an HTTP adapter option)` : hint.startsWith('Did') ? hint : suggestion(key, [...CORE_OPTIONS]),
      });
    }
  }
  // Unknown top-level keys read better without the "(config)" prefix.
  for (const i of issues.list) {
    if (i.path.startsWith('(config).')) i.path = i.path.slice('(config).'.length);
    else if (i.path.startsWith('(config)[')) i.path = i.path.slice('(config)'.length);
  }

  if (config.policies === undefined) issues.bad('policies', 'is required', "Add policies: { free: { rate: { maxPerMinute: 10 } } }");
  else validatePolicies(issues, config.policies, options.concurrency ?? false);
  validateStore(issues, config.store);

  if (config.clock !== undefined && !(isObject(config.clock) && isFn(config.clock.now))) {
    issues.bad('clock', `must be an object with a now() method, got ${show(config.clock)}`, 'Use systemClock or manualClock() from @limitrate/core');
  }
  if (config.defaultPlan !== undefined) {
    if (typeof config.defaultPlan !== 'string') issues.bad('defaultPlan', `must be a plan name, got ${show(config.defaultPlan)}`, 'Name one of your plans');
    else if (isObject(config.policies) && !Object.prototype.hasOwnProperty.call(config.policies, config.defaultPlan)) {
      issues.bad('defaultPlan', `names "${config.defaultPlan}", which is not a plan in policies`, `Use one of: ${Object.keys(config.policies).join(', ')}`);
    }
  }
  issues.oneOf('onUnknownPlan', config.onUnknownPlan, ['default', 'allow', 'block']);
  if (config.userOverrides !== undefined) {
    if (!isObject(config.userOverrides)) {
      issues.bad('userOverrides', `must be an object keyed by user id, got ${show(config.userOverrides)}`, "For example { 'user-1': { maxPerMinute: 100 } }");
    } else {
      for (const [user, o] of Object.entries(config.userOverrides)) {
        const path = prop('userOverrides', user);
        if (!isObject(o)) issues.bad(path, `must be an object, got ${show(o)}`, 'For example { maxPerMinute: 100 }');
        else validateOverrideLimits(issues, path, o, true);
      }
    }
  }
  issues.fn('getUserOverride', config.getUserOverride, 'getUserOverride(userId, request) returns an override, null or undefined (or a promise of one)');
  issues.positive('userOverrideTimeoutMs', config.userOverrideTimeoutMs, 'How long getUserOverride may take, in ms', 60_000);
  issues.oneOf('onStoreError', config.onStoreError, ['allow', 'block']);
  issues.oneOf('onRedisError', config.onRedisError, ['allow', 'block']);
  if (config.onStoreError !== undefined && config.onRedisError !== undefined && config.onStoreError !== config.onRedisError) {
    issues.bad('onRedisError', `("${String(config.onRedisError)}") contradicts onStoreError ("${String(config.onStoreError)}")`, 'onRedisError is the v3 name of onStoreError; set only one');
  }
  issues.positive('storeTimeoutMs', config.storeTimeoutMs, 'How long a store call may take before the onStoreError policy applies, in ms', 60_000);
  issues.bool('dryRun', config.dryRun);
  issues.fn('dryRunLogger', config.dryRunLogger, 'dryRunLogger(event) receives what would have been blocked or slowed');
  issues.fn('onEvent', config.onEvent, 'onEvent(event) receives every event');
  if (config.metrics !== undefined) {
    if (Array.isArray(config.metrics)) config.metrics.forEach((m, i) => validateInstrumentation(issues, `metrics[${i}]`, m, 'metrics'));
    else validateInstrumentation(issues, 'metrics', config.metrics, 'metrics');
  }
  if (config.tracing !== undefined) validateInstrumentation(issues, 'tracing', config.tracing, 'tracing');

  issues.list.push(...(options.extraIssues ?? []));
  if (issues.list.length > 0) throw new ConfigError(issues.list);
}

/** How an adapter widens validation to the options it handles itself. */
export interface ValidationOptions {
  /** Top-level keys the caller validates (they are not reported as unknown or unsupported). */
  adapterKeys?: readonly string[];
  /** Accept (and check) endpoint `concurrency` rules: the caller enforces them. */
  concurrency?: boolean;
  /** The caller's own issues, reported together with these in one ConfigError. */
  extraIssues?: readonly ConfigIssue[];
}
