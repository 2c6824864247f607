// The table of bad configurations for validate.test.ts, and the small builders it uses:
// each row is a config, the error code it must raise and the exact path of the issue.
import type { ConfigIssue } from '../errors/index.js';
import { MemoryStore } from '../stores/memory.js';
import type { Store } from '../stores/types.js';

export type Code = ConfigIssue['code'];
export const INVALID: Code = 'ERR_LIMITRATE_INVALID_CONFIG';
export const UNKNOWN: Code = 'ERR_LIMITRATE_UNKNOWN_OPTION';
export const UNSUPPORTED: Code = 'ERR_LIMITRATE_UNSUPPORTED_OPTION';

export interface BadRow {
  name: string;
  config: unknown;
  code: Code;
  /** Exact path of the issue. */
  path: string;
  /** Optional text the issue's hint must contain (e.g. a "Did you mean" suggestion). */
  hint?: string;
  /** Optional text the issue's message must contain. */
  message?: string;
}

/** Builds a config: one plan `free` with the given rate rule as its shorthand. */
export const rate = (rule: unknown): unknown => ({ policies: { free: { rate: rule } } });
export const RATE = 'policies.free.rate';
/** Builds a config: one plan `free` with the given cost rule as its shorthand. */
export const cost = (rule: unknown): unknown => ({ policies: { free: { cost: rule } } });
export const COST = 'policies.free.cost';
/** Builds a config: one plan `free` with the given endpoints. */
export const endpoints = (eps: Record<string, unknown>): unknown => ({ policies: { free: { endpoints: eps } } });
export const EP = (key: string): string => `policies.free.endpoints[${JSON.stringify(key)}]`;
export const CHAT = EP('POST|/api/chat');
/** A valid base config to hang one bad top-level option on. */
export const POLICIES = { free: { rate: { maxPerMinute: 10 } }, pro: { rate: { maxPerMinute: 100 } } };
export const withTop = (extra: Record<string, unknown>): unknown => ({ policies: POLICIES, ...extra });
export const estimateCost = (): number => 0.002;

const policyRows: BadRow[] = [
  { name: 'policies missing', config: {}, code: INVALID, path: 'policies', message: 'required' },
  { name: 'policies is an array', config: { policies: [] }, code: INVALID, path: 'policies' },
  { name: 'policies is a string', config: { policies: 'free' }, code: INVALID, path: 'policies' },
  { name: 'policies is null', config: { policies: null }, code: INVALID, path: 'policies' },
  { name: 'policies is empty', config: { policies: {} }, code: INVALID, path: 'policies', message: 'no plans' },
  { name: 'plan is a number', config: { policies: { free: 10 } }, code: INVALID, path: 'policies.free' },
  { name: 'plan is null', config: { policies: { free: null } }, code: INVALID, path: 'policies.free' },
  { name: 'plan is an array', config: { policies: { free: [] } }, code: INVALID, path: 'policies.free' },
  { name: 'plan name that needs quoting is not an object', config: { policies: { 'pro-plan': 'fast' } }, code: INVALID, path: 'policies["pro-plan"]' },
  { name: 'plan-level typo "endpoint"', config: { policies: { free: { endpoint: {} } } }, code: UNKNOWN, path: 'policies.free.endpoint', hint: 'Did you mean "endpoints"?' },
  { name: 'plan-level typo "default"', config: { policies: { free: { default: { rate: { maxPerMinute: 1 } } } } }, code: UNKNOWN, path: 'policies.free.default', hint: 'Did you mean "defaults"?' },
  {
    name: 'both defaults and the rate shorthand',
    config: { policies: { free: { defaults: { rate: { maxPerMinute: 60 } }, rate: { maxPerMinute: 10 } } } },
    code: INVALID,
    path: 'policies.free',
    message: 'both defaults and',
  },
  {
    name: 'both defaults and the cost shorthand',
    config: { policies: { free: { defaults: { rate: { maxPerMinute: 60 } }, cost: { dailyCap: 1 } } } },
    code: INVALID,
    path: 'policies.free',
  },
  { name: 'endpoints is an array', config: { policies: { free: { endpoints: [] } } }, code: INVALID, path: 'policies.free.endpoints' },
  { name: 'endpoint policy is a number', config: endpoints({ 'POST|/api/chat': 10 }), code: INVALID, path: CHAT },
  { name: 'endpoint policy is null', config: endpoints({ 'POST|/api/chat': null }), code: INVALID, path: CHAT },
  { name: 'defaults is a string', config: { policies: { free: { defaults: 'strict' } } }, code: INVALID, path: 'policies.free.defaults' },
  { name: 'endpoint policy typo "rates"', config: endpoints({ 'POST|/api/chat': { rates: { maxPerMinute: 1 } } }), code: UNKNOWN, path: `${CHAT}.rates`, hint: 'Did you mean "rate"?' },
];

const limitRows: BadRow[] = [
  { name: 'maxPerMinute negative', config: rate({ maxPerMinute: -1 }), code: INVALID, path: `${RATE}.maxPerMinute` },
  { name: 'maxPerMinute zero', config: rate({ maxPerMinute: 0 }), code: INVALID, path: `${RATE}.maxPerMinute` },
  { name: 'maxPerMinute fractional', config: rate({ maxPerMinute: 1.5 }), code: INVALID, path: `${RATE}.maxPerMinute` },
  { name: 'maxPerMinute NaN', config: rate({ maxPerMinute: Number.NaN }), code: INVALID, path: `${RATE}.maxPerMinute`, message: 'NaN' },
  { name: 'maxPerMinute Infinity', config: rate({ maxPerMinute: Infinity }), code: INVALID, path: `${RATE}.maxPerMinute` },
  { name: 'maxPerMinute a string', config: rate({ maxPerMinute: '10' }), code: INVALID, path: `${RATE}.maxPerMinute`, message: '"10"' },
  { name: 'maxPerMinute above 1e12', config: rate({ maxPerMinute: 1e13 }), code: INVALID, path: `${RATE}.maxPerMinute` },
  {
    name: 'maxPerMinute negative in an endpoint',
    config: endpoints({ 'POST|/api/chat': { rate: { maxPerMinute: -10 } } }),
    code: INVALID,
    path: `${CHAT}.rate.maxPerMinute`,
  },
  { name: 'maxPerSecond negative', config: endpoints({ 'POST|/api/chat': { rate: { maxPerSecond: -5 } } }), code: INVALID, path: `${CHAT}.rate.maxPerSecond` },
  { name: 'maxPerHour zero (in defaults)', config: { policies: { free: { defaults: { rate: { maxPerHour: 0 } } } } }, code: INVALID, path: 'policies.free.defaults.rate.maxPerHour' },
  { name: 'maxPerDay fractional', config: rate({ maxPerDay: 2.5 }), code: INVALID, path: `${RATE}.maxPerDay` },
  { name: 'maxTokensPerMinute negative', config: rate({ maxTokensPerMinute: -1 }), code: INVALID, path: `${RATE}.maxTokensPerMinute` },
  { name: 'maxTokensPerHour zero', config: rate({ maxTokensPerHour: 0 }), code: INVALID, path: `${RATE}.maxTokensPerHour` },
  { name: 'maxTokensPerDay a string', config: rate({ maxTokensPerDay: 'lots' }), code: INVALID, path: `${RATE}.maxTokensPerDay` },
  { name: 'burst negative', config: rate({ maxPerMinute: 10, burst: -1 }), code: INVALID, path: `${RATE}.burst` },
  { name: 'burst fractional', config: rate({ maxPerMinute: 10, burst: 0.5 }), code: INVALID, path: `${RATE}.burst` },
  { name: 'rate is a number', config: rate(10), code: INVALID, path: RATE },
  { name: 'rule with no limit', config: rate({}), code: INVALID, path: RATE, message: 'sets no limit' },
  { name: 'rule with only burst and an action', config: rate({ burst: 5, actionOnExceed: 'block' }), code: INVALID, path: RATE, message: 'sets no limit' },
  { name: 'unknown rate field with "Did you mean" (maxPerMinutes)', config: rate({ maxPerMinutes: 10 }), code: UNKNOWN, path: `${RATE}.maxPerMinutes`, hint: 'Did you mean "maxPerMinute"?' },
];

const algorithmRows: BadRow[] = [
  { name: 'unknown algorithm', config: rate({ algorithm: 'sliding_window', maxPerMinute: 10 }), code: INVALID, path: `${RATE}.algorithm`, hint: "'sliding-window'" },
  { name: 'capacity on (implicit) fixed-window', config: rate({ maxPerMinute: 10, capacity: 20 }), code: INVALID, path: `${RATE}.capacity` },
  { name: 'capacity on sliding-window', config: rate({ algorithm: 'sliding-window', maxPerMinute: 10, capacity: 20 }), code: INVALID, path: `${RATE}.capacity` },
  { name: 'refillRate without token-bucket', config: rate({ algorithm: 'leaky-bucket', capacity: 10, refillRate: 1 }), code: INVALID, path: `${RATE}.refillRate`, hint: "'token-bucket'" },
  { name: 'refillRate with no algorithm', config: rate({ maxPerMinute: 10, refillRate: 1 }), code: INVALID, path: `${RATE}.refillRate` },
  { name: 'leakRate without leaky-bucket', config: rate({ algorithm: 'token-bucket', capacity: 10, refillRate: 1, leakRate: 1 }), code: INVALID, path: `${RATE}.leakRate`, hint: "'leaky-bucket'" },
  { name: 'initialTokens > capacity', config: rate({ algorithm: 'token-bucket', capacity: 10, refillRate: 1, initialTokens: 11 }), code: INVALID, path: `${RATE}.initialTokens` },
  { name: 'initialTokens negative', config: rate({ algorithm: 'token-bucket', capacity: 10, refillRate: 1, initialTokens: -1 }), code: INVALID, path: `${RATE}.initialTokens` },
  { name: 'initialTokens without token-bucket', config: rate({ maxPerMinute: 10, initialTokens: 5 }), code: INVALID, path: `${RATE}.initialTokens` },
  { name: 'token bucket missing refillRate', config: rate({ algorithm: 'token-bucket', capacity: 10 }), code: INVALID, path: RATE, message: 'capacity and refillRate' },
  { name: 'token bucket missing capacity', config: rate({ algorithm: 'token-bucket', refillRate: 0.1 }), code: INVALID, path: RATE, message: 'capacity and refillRate' },
  { name: 'leaky bucket missing leakRate', config: rate({ algorithm: 'leaky-bucket', capacity: 50 }), code: INVALID, path: RATE, message: 'capacity and leakRate' },
  { name: 'both maxPer* and refillRate', config: rate({ algorithm: 'token-bucket', maxPerMinute: 10, capacity: 10, refillRate: 1 }), code: INVALID, path: RATE, message: 'both' },
  { name: 'both maxPer* and leakRate', config: rate({ algorithm: 'leaky-bucket', maxPerMinute: 10, capacity: 10, leakRate: 1 }), code: INVALID, path: RATE, message: 'both' },
  { name: 'capacity zero', config: rate({ algorithm: 'token-bucket', capacity: 0, refillRate: 1 }), code: INVALID, path: `${RATE}.capacity` },
  { name: 'refillRate negative', config: rate({ algorithm: 'token-bucket', capacity: 10, refillRate: -0.1 }), code: INVALID, path: `${RATE}.refillRate` },
  { name: 'leakRate Infinity', config: rate({ algorithm: 'leaky-bucket', capacity: 10, leakRate: Infinity }), code: INVALID, path: `${RATE}.leakRate` },
];

const actionRows: BadRow[] = [
  { name: 'bad actionOnExceed', config: rate({ maxPerMinute: 10, actionOnExceed: 'deny' }), code: INVALID, path: `${RATE}.actionOnExceed`, hint: "'allow-and-log'" },
  { name: "concurrency's 'queue' action on a rate rule", config: rate({ maxPerMinute: 10, actionOnExceed: 'queue' }), code: INVALID, path: `${RATE}.actionOnExceed` },
  { name: 'slowdownMs above 60000', config: rate({ maxPerMinute: 10, actionOnExceed: 'slowdown', slowdownMs: 60_001 }), code: INVALID, path: `${RATE}.slowdownMs` },
  { name: 'slowdownMs negative', config: rate({ maxPerMinute: 10, actionOnExceed: 'slowdown', slowdownMs: -1 }), code: INVALID, path: `${RATE}.slowdownMs` },
  { name: 'slowdownMs fractional', config: rate({ maxPerMinute: 10, actionOnExceed: 'slowdown', slowdownMs: 1.5 }), code: INVALID, path: `${RATE}.slowdownMs` },
  { name: 'slowdownMs without slowdown (default action)', config: rate({ maxPerMinute: 10, slowdownMs: 500 }), code: INVALID, path: `${RATE}.slowdownMs`, hint: "actionOnExceed: 'slowdown'" },
  { name: "slowdownMs with actionOnExceed 'block'", config: rate({ maxPerMinute: 10, actionOnExceed: 'block', slowdownMs: 500 }), code: INVALID, path: `${RATE}.slowdownMs` },
];

const costRows: BadRow[] = [
  { name: 'cost rule without caps', config: cost({ estimateCost }), code: INVALID, path: COST, message: 'no cap' },
  { name: 'estimateCost not a function', config: cost({ estimateCost: 0.002, dailyCap: 1 }), code: INVALID, path: `${COST}.estimateCost` },
  { name: 'hourlyCap negative', config: cost({ estimateCost, hourlyCap: -0.1 }), code: INVALID, path: `${COST}.hourlyCap` },
  { name: 'dailyCap zero', config: cost({ estimateCost, dailyCap: 0 }), code: INVALID, path: `${COST}.dailyCap` },
  { name: 'dailyCap a string', config: cost({ estimateCost, dailyCap: '1.00' }), code: INVALID, path: `${COST}.dailyCap` },
  { name: 'cost actionOnExceed invalid', config: cost({ dailyCap: 1, actionOnExceed: 'warn' }), code: INVALID, path: `${COST}.actionOnExceed` },
  { name: 'cost slowdownMs without slowdown', config: cost({ dailyCap: 1, slowdownMs: 100 }), code: INVALID, path: `${COST}.slowdownMs` },
  { name: 'costEstimationTimeoutMs zero', config: cost({ dailyCap: 1, costEstimationTimeoutMs: 0 }), code: INVALID, path: `${COST}.costEstimationTimeoutMs` },
  { name: 'cost is a number', config: cost(1), code: INVALID, path: COST },
  { name: 'cost field from the hierarchy sketch (maxPerMonth)', config: cost({ maxPerMonth: 100 }), code: UNKNOWN, path: `${COST}.maxPerMonth` },
  {
    name: 'cost cap in an endpoint negative',
    config: endpoints({ 'POST|/api/chat': { cost: { estimateCost, hourlyCap: -1 } } }),
    code: INVALID,
    path: `${CHAT}.cost.hourlyCap`,
  },
];

const endpointKeyRows: BadRow[] = [
  { name: "endpoint key without '|'", config: endpoints({ 'POST /api/chat': {} }), code: INVALID, path: EP('POST /api/chat'), message: 'METHOD|/path' },
  { name: 'endpoint key with a bad method', config: endpoints({ 'FETCH|/api': {} }), code: INVALID, path: EP('FETCH|/api'), message: 'not an HTTP method' },
  { name: 'endpoint key with an empty method', config: endpoints({ '|/api': {} }), code: INVALID, path: EP('|/api') },
  { name: "endpoint path without leading '/'", config: endpoints({ 'GET|api/users': {} }), code: INVALID, path: EP('GET|api/users'), message: 'must start with "/"' },
  { name: 'endpoint with an empty path', config: endpoints({ 'GET|': {} }), code: INVALID, path: EP('GET|') },
  { name: "'*' mixed into a segment", config: endpoints({ 'GET|/files/*.png': {} }), code: INVALID, path: EP('GET|/files/*.png'), message: 'whole segment' },
  { name: "':' without a name", config: endpoints({ 'GET|/users/:': {} }), code: INVALID, path: EP('GET|/users/:'), message: 'without a name' },
  { name: 'endpoint with a query string', config: endpoints({ 'GET|/search?q=1': {} }), code: INVALID, path: EP('GET|/search?q=1'), message: 'query string' },
  { name: 'endpoint with a fragment', config: endpoints({ 'GET|/docs#intro': {} }), code: INVALID, path: EP('GET|/docs#intro') },
  { name: 'empty endpoint key', config: endpoints({ '': {} }), code: INVALID, path: EP('') },
  {
    name: "duplicate endpoints after normalisation ('post|/api' vs 'POST|/api/')",
    config: endpoints({ 'post|/api': { rate: { maxPerMinute: 1 } }, 'POST|/api/': { rate: { maxPerMinute: 2 } } }),
    code: INVALID,
    path: EP('POST|/api/'),
    message: 'the same requests as "post|/api"',
  },
  {
    name: 'duplicate endpoints differing in path case and repeated slashes',
    config: endpoints({ 'GET|/Users//list': {}, 'get|/users/list': {} }),
    code: INVALID,
    path: EP('get|/users/list'),
  },
  {
    name: 'concurrency in core (endpoint)',
    config: endpoints({ 'POST|/api/chat': { concurrency: { max: 5, actionOnExceed: 'queue' } } }),
    code: UNSUPPORTED,
    path: `${CHAT}.concurrency`,
    hint: 'adapter',
  },
  {
    name: 'concurrency in core (defaults)',
    config: { policies: { free: { defaults: { concurrency: { max: 5 } } } } },
    code: UNSUPPORTED,
    path: 'policies.free.defaults.concurrency',
  },
];

const unknownOptionRows: BadRow[] = [
  { name: 'top-level typo "polices"', config: { polices: { free: { rate: { maxPerMinute: 10 } } } }, code: UNKNOWN, path: 'polices', hint: 'Did you mean "policies"?' },
  { name: 'top-level typo "onStoreErorr"', config: withTop({ onStoreErorr: 'allow' }), code: UNKNOWN, path: 'onStoreErorr', hint: 'Did you mean "onStoreError"?' },
  { name: 'top-level wrong case "dryrun"', config: withTop({ dryrun: true }), code: UNKNOWN, path: 'dryrun', hint: 'Did you mean "dryRun"?' },
  { name: 'top-level "storeTimeout"', config: withTop({ storeTimeout: 100 }), code: UNKNOWN, path: 'storeTimeout', hint: 'Did you mean "storeTimeoutMs"?' },
  { name: 'top-level nonsense key', config: withTop({ banana: 1 }), code: UNKNOWN, path: 'banana', hint: 'policies' },
  { name: 'memory store typo "maxKey"', config: withTop({ store: { type: 'memory', maxKey: 100 } }), code: UNKNOWN, path: 'store.maxKey', hint: 'Did you mean "maxKeys"?' },
];

/** Adapter-only options (v3 top-level options that the framework-free RateLimiter refuses). */
const ADAPTER_ONLY: Record<string, unknown> = {
  identifyUser: (req: { ip: string }) => req.ip,
  identifyPlan: () => 'free',
  identifyOrg: () => 'org',
  trustProxy: true,
  trustedProxyCount: 1,
  ipAllowlist: ['127.0.0.1'],
  ipBlocklist: ['10.0.0.1'],
  webhookUrl: 'https://example.com/hook',
  upgradeHint: 'Upgrade to pro',
  skip: () => false,
  headers: 'both',
  identifyTokenUsage: () => 0,
  extractTokenUsage: () => 0,
};
const adapterRows: BadRow[] = Object.entries(ADAPTER_ONLY).map(([key, value]) => ({
  name: `adapter-only option ${key}`,
  config: withTop({ [key]: value }),
  code: UNSUPPORTED,
  path: key,
  message: 'HTTP adapter option',
}));

/** Later-phase (ROADMAP phase 5) options, with values from ROADMAP's examples. */
const LATER: Record<string, unknown> = {
  hierarchy: { enabled: true, levels: ['organization', 'user'] },
  geographic: { enabled: true, extractRegion: () => 'us-east', regions: { 'us-east': { rate: { maxPerMinute: 100 } } }, global: { rate: { maxPerMinute: 250 } } },
  circuitBreaker: { enabled: true, errorThreshold: 0.5, timeout: 30_000, halfOpenRequests: 3, resetTimeout: 60_000 },
  adaptive: { enabled: true, learnFrom: 'usage-patterns', adjustEvery: '1 hour', rules: [] },
  queueing: { enabled: true, maxQueueSize: 100, maxWaitTime: 30_000, strategy: 'fifo' },
  costOptimization: { enabled: true, strategies: [] },
  smart: true,
};
const laterRows: BadRow[] = [
  ...Object.entries(LATER).map(([key, value]) => ({
    name: `later-phase option ${key}`,
    config: withTop({ [key]: value }),
    code: UNSUPPORTED,
    path: key,
    hint: 'later release',
  })),
  ...['organization', 'team', 'user'].map((level) => ({
    name: `plan-level ${level}`,
    config: { policies: { free: { [level]: { rate: { maxPerDay: 10_000 } }, rate: { maxPerMinute: 10 } } } },
    code: UNSUPPORTED,
    path: `policies.free.${level}`,
    hint: 'later release',
  })),
];

const memory = new MemoryStore({ cleanupIntervalMs: 0 });
const storeRows: BadRow[] = [
  { name: "store type 'redis' with a numeric url", config: withTop({ store: { type: 'redis', url: 6379 } }), code: INVALID, path: 'store.url', hint: 'redis://' },
  { name: "store type 'redis' with an unknown option", config: withTop({ store: { type: 'redis', url: 'redis://localhost:6379', tiemout: 5 } }), code: UNKNOWN, path: 'store.tiemout' },
  { name: "store type 'upstash' with a token that is not a string", config: withTop({ store: { type: 'upstash', url: 'https://x.upstash.io', token: 42 } }), code: INVALID, path: 'store.token' },
  { name: "store type 'upstash' with a client and a url", config: withTop({ store: { type: 'upstash', url: 'https://x.upstash.io', client: {} } }), code: INVALID, path: 'store.client' },
  { name: 'store.client that is a string', config: withTop({ store: { client: 'redis://localhost' } }), code: INVALID, path: 'store.client' },
  { name: 'store type unknown', config: withTop({ store: { type: 'memcached' } }), code: INVALID, path: 'store.type' },
  { name: 'store is a string', config: withTop({ store: 'memory' }), code: INVALID, path: 'store' },
  { name: 'store.maxKeys < 16', config: withTop({ store: { type: 'memory', maxKeys: 15 } }), code: INVALID, path: 'store.maxKeys' },
  { name: 'store.maxKeys fractional', config: withTop({ store: { type: 'memory', maxKeys: 100.5 } }), code: INVALID, path: 'store.maxKeys' },
  { name: 'store.cleanupIntervalMs negative', config: withTop({ store: { type: 'memory', cleanupIntervalMs: -1 } }), code: INVALID, path: 'store.cleanupIntervalMs' },
  {
    name: 'store object missing reset',
    config: withTop({ store: { name: 'custom', consume: (...a: Parameters<Store['consume']>) => memory.consume(...a) } }),
    code: INVALID,
    path: 'store.reset',
  },
  { name: 'store with a client and an unknown option', config: withTop({ store: { client: {}, prefix: 'x:' } }), code: UNKNOWN, path: 'store.prefix', hint: 'keyPrefix' },
];

const topLevelRows: BadRow[] = [
  { name: 'clock without now', config: withTop({ clock: {} }), code: INVALID, path: 'clock' },
  { name: 'clock.now not a function', config: withTop({ clock: { now: 5 } }), code: INVALID, path: 'clock' },
  { name: 'clock given as a function', config: withTop({ clock: () => 0 }), code: INVALID, path: 'clock' },
  { name: 'defaultPlan not in policies', config: withTop({ defaultPlan: 'enterprise' }), code: INVALID, path: 'defaultPlan', hint: 'free, pro' },
  { name: 'defaultPlan not a string', config: withTop({ defaultPlan: 1 }), code: INVALID, path: 'defaultPlan' },
  { name: 'onUnknownPlan invalid', config: withTop({ onUnknownPlan: 'reject' }), code: INVALID, path: 'onUnknownPlan' },
  { name: 'onStoreError invalid', config: withTop({ onStoreError: 'fail-open' }), code: INVALID, path: 'onStoreError' },
  { name: 'onRedisError invalid', config: withTop({ onRedisError: 'ignore' }), code: INVALID, path: 'onRedisError' },
  { name: 'onRedisError contradicting onStoreError', config: withTop({ onStoreError: 'allow', onRedisError: 'block' }), code: INVALID, path: 'onRedisError', message: 'contradicts' },
  { name: 'storeTimeoutMs zero', config: withTop({ storeTimeoutMs: 0 }), code: INVALID, path: 'storeTimeoutMs' },
  { name: 'storeTimeoutMs negative', config: withTop({ storeTimeoutMs: -100 }), code: INVALID, path: 'storeTimeoutMs' },
  { name: 'storeTimeoutMs above a minute', config: withTop({ storeTimeoutMs: 120_000 }), code: INVALID, path: 'storeTimeoutMs' },
  { name: 'storeTimeoutMs a string', config: withTop({ storeTimeoutMs: '1000' }), code: INVALID, path: 'storeTimeoutMs' },
  { name: 'userOverrideTimeoutMs zero', config: withTop({ userOverrideTimeoutMs: 0 }), code: INVALID, path: 'userOverrideTimeoutMs' },
  { name: 'userOverrides is an array', config: withTop({ userOverrides: [] }), code: INVALID, path: 'userOverrides' },
  { name: 'userOverrides entry not an object', config: withTop({ userOverrides: { u1: 100 } }), code: INVALID, path: 'userOverrides.u1' },
  { name: 'userOverrides negative limit', config: withTop({ userOverrides: { u1: { maxPerMinute: -1 } } }), code: INVALID, path: 'userOverrides.u1.maxPerMinute' },
  { name: 'userOverrides id that needs quoting', config: withTop({ userOverrides: { 'a@b.com': { maxPerDay: 0 } } }), code: INVALID, path: 'userOverrides["a@b.com"].maxPerDay' },
  { name: 'userOverrides typo with "Did you mean"', config: withTop({ userOverrides: { u1: { maxPerMinutes: 5 } } }), code: UNKNOWN, path: 'userOverrides.u1.maxPerMinutes', hint: 'Did you mean "maxPerMinute"?' },
  { name: 'userOverrides rule-only field (algorithm)', config: withTop({ userOverrides: { u1: { algorithm: 'gcra' } } }), code: UNKNOWN, path: 'userOverrides.u1.algorithm' },
  { name: 'userOverrides negative hourlyCap', config: withTop({ userOverrides: { u1: { hourlyCap: -1 } } }), code: INVALID, path: 'userOverrides.u1.hourlyCap' },
  { name: 'userOverrides reason not a string', config: withTop({ userOverrides: { u1: { maxPerMinute: 5, reason: 42 } } }), code: INVALID, path: 'userOverrides.u1.reason' },
  { name: 'userOverrides bad endpoint key', config: withTop({ userOverrides: { u1: { endpoints: { chat: { maxPerMinute: 5 } } } } }), code: INVALID, path: 'userOverrides.u1.endpoints.chat' },
  {
    name: 'userOverrides endpoint entry not an object',
    config: withTop({ userOverrides: { u1: { endpoints: { 'POST|/api/chat': 5 } } } }),
    code: INVALID,
    path: 'userOverrides.u1.endpoints["POST|/api/chat"]',
  },
  {
    name: 'userOverrides reason inside an endpoint entry',
    config: withTop({ userOverrides: { u1: { endpoints: { 'POST|/api/chat': { maxPerMinute: 5, reason: 'x' } } } } }),
    code: UNKNOWN,
    path: 'userOverrides.u1.endpoints["POST|/api/chat"].reason',
  },
  {
    name: 'userOverrides endpoint entry with a bad limit',
    config: withTop({ userOverrides: { u1: { endpoints: { 'POST|/api/chat': { maxTokensPerDay: 1.5 } } } } }),
    code: INVALID,
    path: 'userOverrides.u1.endpoints["POST|/api/chat"].maxTokensPerDay',
  },
  { name: 'getUserOverride not a function', config: withTop({ getUserOverride: { u1: { maxPerMinute: 5 } } }), code: INVALID, path: 'getUserOverride' },
  { name: 'dryRun a string', config: withTop({ dryRun: 'true' }), code: INVALID, path: 'dryRun' },
  { name: 'dryRun a number', config: withTop({ dryRun: 1 }), code: INVALID, path: 'dryRun' },
  { name: 'dryRunLogger an object (console)', config: withTop({ dryRun: true, dryRunLogger: console }), code: INVALID, path: 'dryRunLogger' },
  { name: 'onEvent not a function', config: withTop({ onEvent: 'https://example.com/hook' }), code: INVALID, path: 'onEvent' },
];

const nonObjectRows: BadRow[] = [
  { name: 'config null', config: null, code: INVALID, path: '(config)' },
  { name: 'config undefined', config: undefined, code: INVALID, path: '(config)' },
  { name: 'config a string', config: 'free', code: INVALID, path: '(config)' },
  { name: 'config an array', config: [{ policies: POLICIES }], code: INVALID, path: '(config)' },
  { name: 'config a number', config: 42, code: INVALID, path: '(config)' },
];

export const BAD_ROWS: BadRow[] = [
  ...policyRows,
  ...limitRows,
  ...algorithmRows,
  ...actionRows,
  ...costRows,
  ...endpointKeyRows,
  ...unknownOptionRows,
  ...adapterRows,
  ...laterRows,
  ...storeRows,
  ...topLevelRows,
  ...nonObjectRows,
];

