// Table-driven tests of configuration validation: every bad configuration fails at
// construction with a ConfigError naming the exact path, code and a hint; good ones
// (including every core-only shape shown in ROADMAP.md and v3-style configs) are accepted.
import { describe, expect, it } from 'vitest';
import type { RateLimiterConfig } from '../config.js';
import { ConfigError, isLimitRateError } from '../errors/index.js';
import { RateLimiter } from '../limiter.js';
import { validateConfig, validateUserOverride } from './validate.js';
import { BAD_ROWS, COST, cost, EP, endpoints, estimateCost, INVALID, POLICIES, RATE, rate, UNKNOWN, UNSUPPORTED, withTop } from './validate-cases.js';

/** Constructs a RateLimiter and returns the ConfigError it must throw. */
function configError(config: unknown): ConfigError {
  let limiter: RateLimiter | undefined;
  try {
    limiter = new RateLimiter(config as RateLimiterConfig);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  void limiter.close();
  throw new Error('the configuration was accepted; expected a ConfigError');
}

const summary = (err: ConfigError): string[] => err.issues.map((i) => `${i.code} ${i.path}`);

describe('bad configurations fail at construction with path, code and hint', () => {
  it('has at least 40 rows', () => {
    expect(BAD_ROWS.length).toBeGreaterThanOrEqual(40);
    expect(new Set(BAD_ROWS.map((r) => r.name)).size).toBe(BAD_ROWS.length);
  });

  it.each(BAD_ROWS)('$name → $code at $path', (row) => {
    const err = configError(row.config);
    expect(isLimitRateError(err)).toBe(true);
    expect(err.issues.length).toBeGreaterThan(0);
    expect(summary(err)).toContain(`${row.code} ${row.path}`);
    const issue = err.issues.find((i) => i.path === row.path && i.code === row.code)!;
    expect(issue.message.trim()).not.toBe('');
    expect(issue.hint.trim()).not.toBe('');
    expect(err.message).toContain(row.path);
    if (row.hint !== undefined) expect(issue.hint).toContain(row.hint);
    if (row.message !== undefined) expect(issue.message).toContain(row.message);
    // The error as a whole carries the first issue's code and path.
    expect(err.code).toBe(err.issues[0]!.code);
    expect(err.path).toBe(err.issues[0]!.path);
    // validateConfig (what the constructor runs) reports the same issues.
    let direct: unknown;
    try {
      validateConfig(row.config);
    } catch (e) {
      direct = e;
    }
    expect(direct).toBeInstanceOf(ConfigError);
    expect(summary(direct as ConfigError)).toEqual(summary(err));
  });
});

describe('several problems at once', () => {
  it('reports every problem, not only the first', () => {
    const config = {
      polices: {}, // 1: unknown option
      policies: {
        free: { rate: { maxPerMinute: -1, burst: -1 } }, // 2, 3
        pro: 'fast', // 4
        team: { endpoints: { 'GET /x': {}, 'POST|/api/chat': { cost: { estimateCost: 1, dailyCap: 1 } } } }, // 5, 6
      },
      store: { type: 'redis', url: 6379 }, // 7
      identifyUser: () => 'x', // 8
      onStoreError: 'maybe', // 9
      dryRun: 'yes', // 10
    };
    const err = configError(config);
    expect(summary(err)).toEqual(
      expect.arrayContaining([
        `${UNKNOWN} polices`,
        `${INVALID} policies.free.rate.maxPerMinute`,
        `${INVALID} policies.free.rate.burst`,
        `${INVALID} policies.pro`,
        `${INVALID} policies.team.endpoints["GET /x"]`,
        `${INVALID} policies.team.endpoints["POST|/api/chat"].cost.estimateCost`,
        `${INVALID} store.url`,
        `${UNSUPPORTED} identifyUser`,
        `${INVALID} onStoreError`,
        `${INVALID} dryRun`,
      ]),
    );
    expect(err.issues).toHaveLength(10);
    expect(err.message).toContain('(10 problems)');
    for (const issue of err.issues) {
      expect(err.message).toContain(issue.path);
      expect(issue.hint.trim()).not.toBe('');
    }
  });
});

describe('ROADMAP examples that use options core does not have yet are refused with a coded reason', () => {
  it('smart mode (2.4) is one UNSUPPORTED issue at "smart"', () => {
    const err = configError({
      smart: true,
      policies: { free: { endpoints: { 'POST|/api/chat': { rate: { maxPerMinute: 100 } } } } },
    });
    expect(summary(err)).toEqual([`${UNSUPPORTED} smart`]);
  });

  it('the Hono / Next.js upstash store config is valid (its package is loaded by the limiter)', () => {
    expect(() => validateConfig({ store: { type: 'upstash', url: 'https://example.upstash.io' }, policies: { free: { rate: { maxPerMinute: 10 } } } })).not.toThrow();
  });

  it('the hierarchy example (5.1) reports hierarchy, plan levels and adapter options', () => {
    const err = configError({
      hierarchy: { enabled: true, levels: ['organization', 'user'] },
      policies: {
        free: {
          organization: { rate: { maxPerDay: 10000 }, cost: { maxPerMonth: 100 } },
          user: { rate: { maxPerMinute: 10 }, cost: { maxPerDay: 1 } },
          endpoints: { 'POST|/api/image': { organization: { rate: { maxPerDay: 1000 } }, user: { rate: { maxPerDay: 50 } } } },
        },
      },
      identifyOrg: (req: { user: { orgId: string } }) => req.user.orgId,
      identifyUser: (req: { user: { id: string } }) => req.user.id,
    });
    expect(summary(err)).toEqual(
      expect.arrayContaining([
        `${UNSUPPORTED} hierarchy`,
        `${UNSUPPORTED} policies.free.organization`,
        `${UNSUPPORTED} policies.free.user`,
        `${UNSUPPORTED} identifyOrg`,
        `${UNSUPPORTED} identifyUser`,
      ]),
    );
  });
});

describe('validateUserOverride', () => {
  it.each([
    ['a plain limit', { maxPerMinute: 100 }],
    ['every field', { maxPerSecond: 1, maxPerMinute: 2, maxPerHour: 3, maxPerDay: 4, burst: 0, maxTokensPerMinute: 5, maxTokensPerHour: 6, maxTokensPerDay: 7, hourlyCap: 0.5, dailyCap: 5 }],
    ['reason and endpoints', { reason: 'enterprise trial', maxPerDay: 10_000, endpoints: { 'POST|/api/chat': { maxPerMinute: 5, maxTokensPerDay: 100_000 }, '*|/api/*': {} } }],
    ['an empty override', {}],
  ])('accepts %s', (_name, value) => {
    expect(validateUserOverride(value)).toEqual([]);
  });

  it.each([
    ['zero limit', { maxPerMinute: 0 }, INVALID, 'getUserOverride().maxPerMinute'],
    ['string limit', { maxPerMinute: '100' }, INVALID, 'getUserOverride().maxPerMinute'],
    ['negative burst', { burst: -1 }, INVALID, 'getUserOverride().burst'],
    ['zero cap', { dailyCap: 0 }, INVALID, 'getUserOverride().dailyCap'],
    ['typo', { maxPerMinutes: 100 }, UNKNOWN, 'getUserOverride().maxPerMinutes'],
    ['rule-only field', { algorithm: 'gcra' }, UNKNOWN, 'getUserOverride().algorithm'],
    ['reason not a string', { reason: 1 }, INVALID, 'getUserOverride().reason'],
    ['endpoints an array', { endpoints: [] }, INVALID, 'getUserOverride().endpoints'],
    ['bad endpoint key', { endpoints: { chat: { maxPerMinute: 1 } } }, INVALID, 'getUserOverride().endpoints.chat'],
    ['endpoint entry not an object', { endpoints: { 'POST|/api/chat': 1 } }, INVALID, 'getUserOverride().endpoints["POST|/api/chat"]'],
    ['nested endpoints', { endpoints: { 'POST|/api/chat': { endpoints: {} } } }, UNKNOWN, 'getUserOverride().endpoints["POST|/api/chat"].endpoints'],
    ['a string', 'vip', INVALID, 'getUserOverride()'],
    ['an array', [{ maxPerMinute: 1 }], INVALID, 'getUserOverride()'],
    ['a number', 100, INVALID, 'getUserOverride()'],
  ] as const)('rejects %s', (_name, value, code, path) => {
    const issues = validateUserOverride(value);
    expect(issues.map((i) => `${i.code} ${i.path}`)).toContain(`${code} ${path}`);
    for (const i of issues) expect(i.hint.trim()).not.toBe('');
  });

  it('typo gets a "Did you mean" hint', () => {
    expect(validateUserOverride({ maxPerMinutes: 100 })[0]!.hint).toContain('Did you mean "maxPerMinute"?');
  });

  it('reports every problem with the caller-given path prefix', () => {
    const issues = validateUserOverride({ maxPerMinute: -1, dailyCap: -1, foo: 1 }, 'userOverrides.u1');
    expect(issues.map((i) => i.path).sort()).toEqual(['userOverrides.u1.dailyCap', 'userOverrides.u1.foo', 'userOverrides.u1.maxPerMinute']);
  });

});

// Gaps found while writing this table, fixed in validate.ts since: each states the behaviour
// a user expects.
describe('mistakes that used to slip through', () => {
  it("defaultPlan naming an Object.prototype member ('constructor') is rejected", () => {
    // `defaultPlan in policies` follows the prototype chain: the limiter is built, and every
    // request without a plan then resolves to the non-existent plan "constructor": unlimited.
    const err = configError({ policies: { free: { rate: { maxPerMinute: 10 } } }, defaultPlan: 'constructor' });
    expect(summary(err)).toContain(`${INVALID} defaultPlan`);
  });

  it('a store config without type does not silently fall back to memory (typo "typ")', () => {
    const err = configError({ policies: POLICIES, store: { typ: 'redis', url: 'redis://localhost:6379' } });
    expect(summary(err)).toContain(`${UNKNOWN} store.typ`);
  });

  it('a store config with only a url (type forgotten) is rejected', () => {
    const err = configError({ policies: POLICIES, store: { url: 'redis://localhost:6379' } });
    expect(err.issues.some((i) => i.path.startsWith('store'))).toBe(true);
  });

  it('a bucket capacity below 1 (which can never admit a request) is rejected', () => {
    const err = configError(rate({ algorithm: 'token-bucket', capacity: 0.5, refillRate: 1 }));
    expect(summary(err)).toContain(`${INVALID} ${RATE}.capacity`);
  });

  it('initialTokens above the implicit capacity (maxPer* + burst) is rejected like the explicit case', () => {
    const err = configError(rate({ algorithm: 'token-bucket', maxPerMinute: 10, initialTokens: 50 }));
    expect(summary(err)).toContain(`${INVALID} ${RATE}.initialTokens`);
  });

  it("templates that differ only in the parameter name ('GET|/users/:id' vs 'GET|/users/:userId') are duplicates", () => {
    const err = configError(endpoints({ 'GET|/users/:id': { rate: { maxPerMinute: 1 } }, 'GET|/users/:userId': { rate: { maxPerMinute: 100 } } }));
    expect(summary(err)).toContain(`${INVALID} ${EP('GET|/users/:userId')}`);
  });

  it('endpoint-level organization/user (ROADMAP 5.1) is UNSUPPORTED like the plan-level ones, not UNKNOWN', () => {
    const err = configError(endpoints({ 'POST|/api/image': { organization: { rate: { maxPerDay: 1000 } }, user: { rate: { maxPerDay: 50 } } } }));
    expect(summary(err)).toEqual([`${UNSUPPORTED} ${EP('POST|/api/image')}.organization`, `${UNSUPPORTED} ${EP('POST|/api/image')}.user`]);
  });

  it('a misspelt algorithm is one issue, without follow-on issues that repeat the typo as an algorithm name', () => {
    const err = configError(rate({ algorithm: 'token_bucket', capacity: 10, refillRate: 0.1 }));
    expect(summary(err)).toEqual([`${INVALID} ${RATE}.algorithm`]);
  });

  it('an unknown top-level key that needs quoting has no "(config)" prefix, like other top-level keys', () => {
    // validateConfig strips "(config)." from top-level paths, but a quoted key comes out as
    // (config)["rate-limit"].
    const err = configError(withTop({ 'rate-limit': 1 }));
    expect(summary(err)).toEqual([`${UNKNOWN} ["rate-limit"]`]);
  });

  it.each([null, undefined])('validateUserOverride(%s) reports nothing (its own message calls null and undefined valid)', (value) => {
    // The message reads "must return an override object, null or undefined, got null". The
    // limiter screens null/undefined out before calling, so only direct callers see this.
    expect(validateUserOverride(value)).toEqual([]);
  });

  it('a typo of an adapter option hints at the adapter option, not only at core options', () => {
    const err = configError(withTop({ identifyUsers: () => 'x' }));
    expect(err.issues[0]!.hint).toContain('identifyUser');
  });

  it('burst next to a bucket capacity is refused (it would be ignored)', () => {
    expect(summary(configError(rate({ algorithm: 'token-bucket', capacity: 10, refillRate: 1, burst: 3 })))).toContain(`${INVALID} ${RATE}.burst`);
  });

  it('a cap below one micro-dollar is refused (it would round to zero)', () => {
    expect(summary(configError(cost({ hourlyCap: 1e-7, estimateCost })))).toContain(`${INVALID} ${COST}.hourlyCap`);
  });

  it('a custom store without a name is refused', () => {
    expect(summary(configError(withTop({ store: { consume: () => undefined, reset: () => 0 } })))).toContain(`${INVALID} store.name`);
  });

  it('rule fields written outside rate/cost point to where they belong', () => {
    const err = configError({ policies: { free: { maxPerMinute: 10, endpoints: { 'GET|/x': { hourlyCap: 1 } } } } });
    expect(err.issues.map((i) => [i.path, i.hint])).toEqual([
      ['policies.free.maxPerMinute', 'Write rate: { maxPerMinute: ... }'],
      ['policies.free.endpoints["GET|/x"].hourlyCap', 'Write cost: { hourlyCap: ... }'],
    ]);
  });

  it("'**' gets a message that says what to write instead", () => {
    expect(configError(endpoints({ 'GET|/api/**': {} })).issues[0]!.message).toContain('single "*" as the last segment');
  });
});
