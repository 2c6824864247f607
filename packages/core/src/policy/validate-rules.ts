// Validation of policies: plans, endpoint keys, rate and cost rules, actions and user
// overrides, each problem reported with its path, code and hint.
import { ALGORITHMS } from '../algorithms/types.js';
import { parseEndpointPattern } from './endpoint.js';
import { isObject, Issues, prop, show, type Obj } from './validate-issues.js';

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

/** In-flight limits of an endpoint (enforced by the HTTP layer). */
function validateConcurrency(issues: Issues, path: string, rule: unknown): void {
  if (!isObject(rule)) {
    issues.bad(path, `must be an object, got ${show(rule)}`, 'For example { max: 5, actionOnExceed: "queue", queueTimeout: 30000 }');
    return;
  }
  issues.keys(path, rule, ['max', 'queueTimeout', 'maxQueueSize', 'actionOnExceed']);
  if (rule.max === undefined) issues.bad(`${path}.max`, 'is required', 'The most requests of this endpoint in flight at once, e.g. 5');
  issues.positiveInt(`${path}.max`, rule.max, 'A whole number of requests in flight at once');
  if (rule.queueTimeout !== undefined && (typeof rule.queueTimeout !== 'number' || !Number.isFinite(rule.queueTimeout) || rule.queueTimeout < 0 || rule.queueTimeout > 600_000)) {
    issues.bad(`${path}.queueTimeout`, `must be a number of ms from 0 to 600000, got ${show(rule.queueTimeout)}`, 'How long a queued request may wait for a slot');
  }
  issues.nonNegativeInt(`${path}.maxQueueSize`, rule.maxQueueSize, 'How many requests may wait for a slot (0: none)');
  issues.oneOf(`${path}.actionOnExceed`, rule.actionOnExceed, ['queue', 'block']);
}

function validateEndpointPolicy(issues: Issues, path: string, policy: unknown, concurrency: boolean): void {
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
    if (concurrency) {
      validateConcurrency(issues, `${path}.concurrency`, policy.concurrency);
    } else {
      issues.unsupported(
        `${path}.concurrency`,
        'in-flight (concurrency) limits need to see a request finish, which the framework-free RateLimiter cannot',
        'Use them through an HTTP adapter such as @limitrate/express',
      );
    }
  }
}

export function validatePolicies(issues: Issues, policies: unknown, concurrency = false): void {
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
    if (plan.defaults !== undefined) validateEndpointPolicy(issues, `${path}.defaults`, plan.defaults, concurrency);
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
        validateEndpointPolicy(issues, epath, policy, concurrency);
      }
    }
  }
}

export function validateOverrideLimits(issues: Issues, path: string, o: Obj, allowNested: boolean): void {
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
