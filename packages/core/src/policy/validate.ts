// Configuration validation in one place: every wrong or unknown option is reported with
// its path, a coded error and a hint, all at once, when the limiter is constructed.
import { ALGORITHMS } from '../algorithms/types.js';
import { ConfigError, type ConfigIssue } from '../errors/index.js';
import { parseEndpointPattern } from './endpoint.js';

type Obj = Record<string, unknown>;

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
  'metrics',
  'tracing',
] as const;

/** Planned v4 features that later releases add; until then they are refused, not ignored. */
export const LATER_OPTIONS = ['hierarchy', 'geographic', 'circuitBreaker', 'adaptive', 'queueing', 'costOptimization', 'smart'] as const;

const ACTIONS = ['block', 'slowdown', 'allow-and-log'];
const RATE_FIELDS = [
  'maxPerSecond',
  'maxPerMinute',
  'maxPerHour',
  'maxPerDay',
  'burst',
  'maxTokensPerMinute',
  'maxTokensPerHour',
  'maxTokensPerDay',
  'algorithm',
  'capacity',
  'refillRate',
  'initialTokens',
  'leakRate',
  'actionOnExceed',
  'slowdownMs',
];
const WINDOW_FIELDS = ['maxPerSecond', 'maxPerMinute', 'maxPerHour', 'maxPerDay'];
const TOKEN_FIELDS = ['maxTokensPerMinute', 'maxTokensPerHour', 'maxTokensPerDay'];
const COST_FIELDS = ['estimateCost', 'hourlyCap', 'dailyCap', 'algorithm', 'actionOnExceed', 'slowdownMs', 'costEstimationTimeoutMs'];
const OVERRIDE_LIMIT_FIELDS = [...WINDOW_FIELDS, 'burst', ...TOKEN_FIELDS, 'hourlyCap', 'dailyCap'];
const STORE_TYPES = ['memory', 'redis', 'upstash'];
/** Largest safe window count: the store keeps counts as doubles, exact up to 2^53. */
const MAX_COUNT = 1e12;

const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isFn = (v: unknown): boolean => typeof v === 'function';
const show = (v: unknown): string => {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'function') return 'a function';
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'an object';
  return String(v);
};
const prop = (path: string, key: string): string => (/^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`);

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

function suggestion(key: string, known: readonly string[]): string {
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

class Issues {
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

/** A cap in dollars: at least one micro-dollar (costs are counted in micro-dollars). */
function cap(issues: Issues, path: string, v: unknown): void {
  if (v === undefined) return;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0.000001 || v > 1e9) {
    issues.bad(path, `must be a number of dollars from 0.000001 to 1000000000, got ${show(v)}`, 'Caps are in dollars (counted in micro-dollars), e.g. 0.10');
  }
}

function validateAction(issues: Issues, path: string, rule: Obj): void {
  issues.oneOf(`${path}.actionOnExceed`, rule.actionOnExceed, ACTIONS);
  if (rule.slowdownMs !== undefined) {
    const v = rule.slowdownMs;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 60_000) {
      issues.bad(`${path}.slowdownMs`, `must be a whole number of milliseconds from 0 to 60000, got ${show(v)}`, 'A slowdown longer than a minute would hold connections open; use "block" instead');
    } else if (rule.actionOnExceed !== 'slowdown') {
      issues.bad(`${path}.slowdownMs`, 'is set but actionOnExceed is not "slowdown"', "Set actionOnExceed: 'slowdown', or remove slowdownMs");
    }
  }
}

function validateRateRule(issues: Issues, path: string, rule: unknown): void {
  if (!isObject(rule)) {
    issues.bad(path, `must be an object, got ${show(rule)}`, 'For example { maxPerMinute: 60 }');
    return;
  }
  issues.keys(path, rule, RATE_FIELDS);
  for (const f of [...WINDOW_FIELDS, ...TOKEN_FIELDS]) issues.positiveInt(`${path}.${f}`, rule[f], 'Limits count whole requests or tokens');
  issues.nonNegativeInt(`${path}.burst`, rule.burst, 'burst is the number of extra requests allowed on top of each maxPer* limit');
  issues.oneOf(`${path}.algorithm`, rule.algorithm, ALGORITHMS);
  issues.positive(`${path}.capacity`, rule.capacity, 'capacity is the most units admitted at once');
  issues.positive(`${path}.refillRate`, rule.refillRate, 'refillRate is tokens added per second, e.g. 0.1 = one every 10 s');
  issues.positive(`${path}.leakRate`, rule.leakRate, 'leakRate is units drained per second');
  validateAction(issues, path, rule);

  // A misspelt algorithm is reported once; the checks that depend on it would only repeat it.
  if (rule.algorithm !== undefined && !(ALGORITHMS as readonly unknown[]).includes(rule.algorithm)) return;
  const algorithm = typeof rule.algorithm === 'string' ? rule.algorithm : 'fixed-window';
  const hasWindow = WINDOW_FIELDS.some((f) => rule[f] !== undefined);
  const hasTokens = TOKEN_FIELDS.some((f) => rule[f] !== undefined);
  const isBucket = algorithm === 'token-bucket' || algorithm === 'leaky-bucket' || algorithm === 'gcra';
  if (rule.capacity !== undefined && !isBucket) {
    issues.bad(`${path}.capacity`, `does not apply to the ${algorithm} algorithm`, "Use maxPer* with burst, or algorithm: 'token-bucket', 'leaky-bucket' or 'gcra'");
  } else if (typeof rule.capacity === 'number' && rule.capacity > 0 && rule.capacity < 1) {
    issues.bad(`${path}.capacity`, `(${rule.capacity}) is below 1, so not even one request could ever pass`, 'Use a capacity of at least 1');
  }
  if (rule.burst !== undefined && rule.capacity !== undefined && isBucket) {
    issues.bad(`${path}.burst`, 'has no effect when capacity is set', 'capacity already is the most units admitted at once; remove burst or fold it into capacity');
  }
  if (rule.refillRate !== undefined && algorithm !== 'token-bucket') {
    issues.bad(`${path}.refillRate`, `only applies to algorithm 'token-bucket' (this rule uses ${algorithm})`, "Set algorithm: 'token-bucket'");
  }
  if (rule.leakRate !== undefined && algorithm !== 'leaky-bucket') {
    issues.bad(`${path}.leakRate`, `only applies to algorithm 'leaky-bucket' (this rule uses ${algorithm})`, "Set algorithm: 'leaky-bucket'");
  }
  if (rule.initialTokens !== undefined) {
    // The capacity the bucket will have: explicit, or each maxPer* window's limit + burst.
    const windows = WINDOW_FIELDS.map((f) => rule[f]).filter((v): v is number => typeof v === 'number');
    const burst = typeof rule.burst === 'number' ? rule.burst : 0;
    const capacity = typeof rule.capacity === 'number' ? rule.capacity : windows.length > 0 ? Math.min(...windows) + burst : undefined;
    if (algorithm !== 'token-bucket') {
      issues.bad(`${path}.initialTokens`, `only applies to algorithm 'token-bucket' (this rule uses ${algorithm})`, "Set algorithm: 'token-bucket'");
    } else if (typeof rule.initialTokens !== 'number' || !Number.isFinite(rule.initialTokens) || rule.initialTokens < 0) {
      issues.bad(`${path}.initialTokens`, `must be a number >= 0, got ${show(rule.initialTokens)}`, 'Use 0 to start empty, or leave it out to start full');
    } else if (capacity !== undefined && rule.initialTokens > capacity) {
      issues.bad(`${path}.initialTokens`, `(${rule.initialTokens}) is larger than the bucket's capacity (${capacity})`, 'A bucket cannot hold more than its capacity');
    }
  }
  if (hasWindow && (rule.refillRate !== undefined || rule.leakRate !== undefined)) {
    issues.bad(path, 'sets both a maxPer* limit and a refillRate/leakRate', 'Give the rate once: either maxPerMinute (and friends) or refillRate/leakRate with capacity');
  }
  if (!hasWindow && algorithm === 'token-bucket' && (rule.refillRate !== undefined) !== (rule.capacity !== undefined)) {
    issues.bad(path, 'a token bucket needs both capacity and refillRate', "For example { algorithm: 'token-bucket', capacity: 10, refillRate: 0.1 }");
  }
  if (!hasWindow && algorithm === 'leaky-bucket' && (rule.leakRate !== undefined) !== (rule.capacity !== undefined)) {
    issues.bad(path, 'a leaky bucket needs both capacity and leakRate', "For example { algorithm: 'leaky-bucket', capacity: 50, leakRate: 5 }");
  }
  const hasBucket = rule.capacity !== undefined && (rule.refillRate !== undefined || rule.leakRate !== undefined);
  if (!hasWindow && !hasTokens && !hasBucket && !issues.list.some((i) => i.path.startsWith(path))) {
    issues.bad(path, 'sets no limit', 'Add maxPerSecond, maxPerMinute, maxPerHour, maxPerDay or a maxTokensPer* field');
  }
}

function validateCostRule(issues: Issues, path: string, rule: unknown): void {
  if (!isObject(rule)) {
    issues.bad(path, `must be an object, got ${show(rule)}`, 'For example { estimateCost: (req) => 0.002, dailyCap: 1 }');
    return;
  }
  issues.keys(path, rule, COST_FIELDS);
  issues.fn(`${path}.estimateCost`, rule.estimateCost, 'estimateCost(req) returns the request cost in dollars');
  cap(issues, `${path}.hourlyCap`, rule.hourlyCap);
  cap(issues, `${path}.dailyCap`, rule.dailyCap);
  issues.oneOf(`${path}.algorithm`, rule.algorithm, ALGORITHMS);
  issues.positive(`${path}.costEstimationTimeoutMs`, rule.costEstimationTimeoutMs, 'How long estimateCost may take, in ms', 60_000);
  validateAction(issues, path, rule);
  if (rule.hourlyCap === undefined && rule.dailyCap === undefined) {
    issues.bad(path, 'sets no cap', 'Add hourlyCap and/or dailyCap (in dollars)');
  }
}

const HIERARCHY_LEVELS = ['organization', 'team', 'user'];

function without(obj: Obj, keys: readonly string[]): Obj {
  return Object.fromEntries(Object.entries(obj).filter(([k]) => !keys.includes(k)));
}

/** Hierarchical limits (organization/team/user) come in a later release. */
function hierarchyLevels(issues: Issues, path: string, obj: Obj): void {
  for (const level of HIERARCHY_LEVELS) {
    if (obj[level] !== undefined) {
      issues.unsupported(prop(path, level), 'hierarchical (organization/team/user) limits are not available in this release', 'Remove it for now; hierarchy arrives in a later release');
    }
  }
}

/** `maxPerMinute` and friends written directly on a plan or endpoint instead of under rate/cost. */
function misplacedRuleFields(issues: Issues, path: string, obj: Obj): void {
  for (const key of Object.keys(obj)) {
    if (RATE_FIELDS.includes(key) && key !== 'algorithm' && key !== 'actionOnExceed' && key !== 'slowdownMs') {
      issues.list.push({ path: prop(path, key), code: 'ERR_LIMITRATE_UNKNOWN_OPTION', message: `"${key}" belongs inside a rate rule`, hint: `Write rate: { ${key}: ... }` });
    } else if (COST_FIELDS.includes(key)) {
      issues.list.push({ path: prop(path, key), code: 'ERR_LIMITRATE_UNKNOWN_OPTION', message: `"${key}" belongs inside a cost rule`, hint: `Write cost: { ${key}: ... }` });
    } else if (key === 'algorithm' || key === 'actionOnExceed' || key === 'slowdownMs') {
      issues.list.push({ path: prop(path, key), code: 'ERR_LIMITRATE_UNKNOWN_OPTION', message: `"${key}" belongs inside a rate or cost rule`, hint: `Write rate: { ${key}: ... } (or cost: { ... })` });
    }
  }
}

function validateEndpointPolicy(issues: Issues, path: string, policy: unknown): void {
  if (!isObject(policy)) {
    issues.bad(path, `must be an object, got ${show(policy)}`, 'For example { rate: { maxPerMinute: 10 } }, or {} for no limits');
    return;
  }
  hierarchyLevels(issues, path, policy);
  misplacedRuleFields(issues, path, policy);
  issues.keys(path, without(policy, [...HIERARCHY_LEVELS, ...RATE_FIELDS, ...COST_FIELDS]), ['rate', 'cost', 'concurrency']);
  if (policy.rate !== undefined) validateRateRule(issues, `${path}.rate`, policy.rate);
  if (policy.cost !== undefined) validateCostRule(issues, `${path}.cost`, policy.cost);
  if (policy.concurrency !== undefined) {
    issues.unsupported(
      `${path}.concurrency`,
      'in-flight (concurrency) limits need to see a request finish, which the framework-free RateLimiter cannot',
      'Use them through an HTTP adapter such as @limitrate/express',
    );
  }
}

function validatePolicies(issues: Issues, policies: unknown): void {
  if (!isObject(policies)) {
    issues.bad('policies', `must be an object of plans, got ${show(policies)}`, "For example policies: { free: { rate: { maxPerMinute: 10 } } }");
    return;
  }
  if (Object.keys(policies).length === 0) issues.bad('policies', 'has no plans', "Add at least one plan, e.g. free: { rate: { maxPerMinute: 10 } }");
  for (const [planName, plan] of Object.entries(policies)) {
    const path = prop('policies', planName);
    if (!isObject(plan)) {
      issues.bad(path, `must be an object, got ${show(plan)}`, 'A plan has endpoints, defaults, or the rate/cost shorthand');
      continue;
    }
    hierarchyLevels(issues, path, plan);
    misplacedRuleFields(issues, path, plan);
    issues.keys(path, without(plan, [...HIERARCHY_LEVELS, ...RATE_FIELDS, ...COST_FIELDS]), ['endpoints', 'defaults', 'rate', 'cost']);
    if (plan.defaults !== undefined && (plan.rate !== undefined || plan.cost !== undefined)) {
      issues.bad(path, 'sets both defaults and the rate/cost shorthand', 'The shorthand means defaults; use one of them');
    }
    if (plan.rate !== undefined) validateRateRule(issues, `${path}.rate`, plan.rate);
    if (plan.cost !== undefined) validateCostRule(issues, `${path}.cost`, plan.cost);
    if (plan.defaults !== undefined) validateEndpointPolicy(issues, `${path}.defaults`, plan.defaults);
    if (plan.endpoints !== undefined) {
      if (!isObject(plan.endpoints)) {
        issues.bad(`${path}.endpoints`, `must be an object keyed "METHOD|/path", got ${show(plan.endpoints)}`, "For example endpoints: { 'POST|/api/chat': { rate: { maxPerMinute: 10 } } }");
        continue;
      }
      const seen = new Map<string, string>();
      for (const [key, policy] of Object.entries(plan.endpoints)) {
        const epath = prop(`${path}.endpoints`, key);
        const parsed = parseEndpointPattern(key);
        if (typeof parsed === 'string') {
          issues.bad(epath, `is not a valid endpoint key: ${parsed}`, 'Write endpoint keys as "METHOD|/path"; paths may use :params and * wildcards');
          continue;
        }
        // Same method and same segments (parameter names do not matter) = the same endpoint.
        const shape = parsed.anyPath ? parsed.key : `${parsed.method}|${parsed.kinds.map((k, i) => (k === 0 ? parsed.segments[i] : `\u0000${k}`)).join('/')}`;
        const dup = seen.get(shape);
        if (dup !== undefined) {
          issues.bad(epath, `matches exactly the same requests as "${dup}" (keys are case-insensitive, ignore trailing slashes and parameter names)`, 'Merge the two entries');
        }
        seen.set(shape, key);
        validateEndpointPolicy(issues, epath, policy);
      }
    }
  }
}

function validateOverrideLimits(issues: Issues, path: string, o: Obj, allowNested: boolean): void {
  issues.keys(path, o, allowNested ? [...OVERRIDE_LIMIT_FIELDS, 'reason', 'endpoints'] : OVERRIDE_LIMIT_FIELDS);
  for (const f of [...WINDOW_FIELDS, ...TOKEN_FIELDS]) issues.positiveInt(`${path}.${f}`, o[f], 'Override limits are whole numbers');
  issues.nonNegativeInt(`${path}.burst`, o.burst, 'burst is a whole number >= 0');
  cap(issues, `${path}.hourlyCap`, o.hourlyCap);
  cap(issues, `${path}.dailyCap`, o.dailyCap);
  if (allowNested) {
    if (o.reason !== undefined && typeof o.reason !== 'string') issues.bad(`${path}.reason`, `must be a string, got ${show(o.reason)}`, 'reason is a note for audit logs');
    if (o.endpoints !== undefined) {
      if (!isObject(o.endpoints)) {
        issues.bad(`${path}.endpoints`, `must be an object keyed "METHOD|/path", got ${show(o.endpoints)}`, 'Key it like policies endpoints');
      } else {
        for (const [key, limits] of Object.entries(o.endpoints)) {
          const epath = prop(`${path}.endpoints`, key);
          const parsed = parseEndpointPattern(key);
          if (typeof parsed === 'string') issues.bad(epath, `is not a valid endpoint key: ${parsed}`, 'Write endpoint keys as "METHOD|/path"');
          else if (!isObject(limits)) issues.bad(epath, `must be an object, got ${show(limits)}`, 'For example { maxPerMinute: 100 }');
          else validateOverrideLimits(issues, epath, limits, false);
        }
      }
    }
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
  if ('client' in store) {
    issues.unsupported('store.client', 'Redis-like clients need the Redis store package', 'Install @limitrate/redis and pass its store');
    return;
  }
  if (store.type === undefined) {
    issues.bad('store.type', 'is missing', `Say which store: { type: 'memory' }${store.url !== undefined ? ", or for a URL install @limitrate/redis or @limitrate/upstash" : ''}`);
    issues.keys('store', store, ['type', 'maxKeys', 'cleanupIntervalMs']);
    return;
  }
  issues.oneOf('store.type', store.type, STORE_TYPES);
  if (store.type === 'redis' || store.type === 'upstash') {
    issues.unsupported(
      'store.type',
      `the ${store.type} store is not part of @limitrate/core`,
      `Install @limitrate/${store.type} and pass its store instance (store: ${store.type === 'redis' ? 'new RedisStore(...)' : 'new UpstashStore(...)'})`,
    );
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

/**
 * Validates a RateLimiter configuration and throws a {@link ConfigError} listing every
 * problem. Returns nothing when the configuration is valid.
 *
 * @example
 * ```ts
 * validateConfig({ policies: { free: { rate: { maxPerMinute: 10 } } } }); // ok
 * ```
 */
export function validateConfig(config: unknown): void {
  const issues = new Issues();
  if (!isObject(config)) {
    issues.bad('(config)', `must be an object, got ${show(config)}`, 'Pass { policies: { ... } }');
    throw new ConfigError(issues.list);
  }
  for (const key of Object.keys(config)) {
    if ((CORE_OPTIONS as readonly string[]).includes(key)) continue;
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
  else validatePolicies(issues, config.policies);
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

  if (issues.list.length > 0) throw new ConfigError(issues.list);
}
