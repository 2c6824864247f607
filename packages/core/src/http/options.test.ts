// Validation of the HTTP layer's options, reported through `new HttpLimiter(...)` as one ConfigError together with the core's own problems.
import { describe, expect, it } from 'vitest';
import { ConfigError, type ConfigIssue } from '../errors/index.js';
import { RateLimiter } from '../limiter.js';
import { HttpLimiter } from './engine.js';
import { coreConfigOf, HTTP_OPTIONS, HTTP_VALIDATED_KEYS, httpOptionIssues, type HttpLimiterOptions } from './options.js';

type Opts = HttpLimiterOptions<unknown, unknown>;
const POLICIES = { free: { rate: { maxPerMinute: 10 } } };
const INVALID = 'ERR_LIMITRATE_INVALID_CONFIG';
const UNKNOWN = 'ERR_LIMITRATE_UNKNOWN_OPTION';
const UNSUPPORTED = 'ERR_LIMITRATE_UNSUPPORTED_OPTION';

/** The ConfigError that constructing an HttpLimiter with `options` throws. */
function configError(options: Record<string, unknown>): ConfigError {
  try {
    const http = new HttpLimiter(options as unknown as Opts);
    void http.close();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError, but the options were accepted');
}

function issuesOf(options: Record<string, unknown>): readonly ConfigIssue[] {
  const issues = configError({ policies: POLICIES, ...options }).issues;
  for (const i of issues) {
    expect(i.path, 'every issue has a path').toEqual(expect.any(String));
    expect(i.path.length).toBeGreaterThan(0);
    expect(i.message.length, `${i.path} has a message`).toBeGreaterThan(0);
    expect(i.hint.length, `${i.path} has a hint`).toBeGreaterThan(0);
    expect([INVALID, UNKNOWN, UNSUPPORTED]).toContain(i.code);
  }
  return issues;
}

const fn = () => 'x';
const okUrl = 'https://example.com/hooks/limitrate';

describe('HTTP options: each wrong value is one issue with its path and code', () => {
  const cases: Array<[string, Record<string, unknown>, string, string]> = [
    // trustProxy
    ['trustProxy a string', { trustProxy: 'yes' }, 'trustProxy', INVALID],
    ['trustProxy negative', { trustProxy: -1 }, 'trustProxy', INVALID],
    ['trustProxy fractional', { trustProxy: 1.5 }, 'trustProxy', INVALID],
    ['trustProxy above 32', { trustProxy: 33 }, 'trustProxy', INVALID],
    ['trustProxy null', { trustProxy: null }, 'trustProxy', INVALID],
    // trustedProxyCount
    ['trustedProxyCount negative', { trustedProxyCount: -1 }, 'trustedProxyCount', INVALID],
    ['trustedProxyCount fractional', { trustedProxyCount: 0.5 }, 'trustedProxyCount', INVALID],
    ['trustedProxyCount a string', { trustedProxyCount: '1' }, 'trustedProxyCount', INVALID],
    ['trustedProxyCount above 32', { trustedProxyCount: 33 }, 'trustedProxyCount', INVALID],
    ['trustedProxyCount NaN', { trustedProxyCount: Number.NaN }, 'trustedProxyCount', INVALID],
    // ipv6Subnet
    ['ipv6Subnet 0', { ipv6Subnet: 0 }, 'ipv6Subnet', INVALID],
    ['ipv6Subnet 129', { ipv6Subnet: 129 }, 'ipv6Subnet', INVALID],
    ['ipv6Subnet fractional', { ipv6Subnet: 56.5 }, 'ipv6Subnet', INVALID],
    ['ipv6Subnet true', { ipv6Subnet: true }, 'ipv6Subnet', INVALID],
    ['ipv6Subnet a string', { ipv6Subnet: '56' }, 'ipv6Subnet', INVALID],
    // allow and block lists
    ['ipAllowlist a string', { ipAllowlist: '10.0.0.0/8' }, 'ipAllowlist', INVALID],
    ['ipAllowlist an object', { ipAllowlist: { ip: '10.0.0.1' } }, 'ipAllowlist', INVALID],
    ['ipAllowlist a bad entry', { ipAllowlist: ['10.0.0.0/8', 'localhost'] }, 'ipAllowlist[1]', INVALID],
    ['ipAllowlist a non-string entry', { ipAllowlist: [42] }, 'ipAllowlist[0]', INVALID],
    ['ipBlocklist a prefix too long', { ipBlocklist: ['203.0.113.0/33'] }, 'ipBlocklist[0]', INVALID],
    ['ipBlocklist a bad IPv6 entry', { ipBlocklist: ['::1', '2001:db8::/129'] }, 'ipBlocklist[1]', INVALID],
    ['ipBlocklist null', { ipBlocklist: null }, 'ipBlocklist', INVALID],
    // headers
    ['headers an unknown mode', { headers: 'v4' }, 'headers', INVALID],
    ['headers true', { headers: true }, 'headers', INVALID],
    ['headers upper case', { headers: 'DRAFT' }, 'headers', INVALID],
    // upgradeHint, problemDetails, skip*
    ['upgradeHint a number', { upgradeHint: 5 }, 'upgradeHint', INVALID],
    ['upgradeHint an object', { upgradeHint: { free: 'Upgrade' } }, 'upgradeHint', INVALID],
    ['problemDetails a string', { problemDetails: 'yes' }, 'problemDetails', INVALID],
    ['skipSuccessfulRequests a number', { skipSuccessfulRequests: 1 }, 'skipSuccessfulRequests', INVALID],
    ['skipFailedRequests a string', { skipFailedRequests: 'true' }, 'skipFailedRequests', INVALID],
    // callbacks that are not functions
    ['skip true', { skip: true }, 'skip', INVALID],
    ['identifyUser a string', { identifyUser: 'ip' }, 'identifyUser', INVALID],
    ['identifyPlan an object', { identifyPlan: { plan: 'free' } }, 'identifyPlan', INVALID],
    ['identifyTokenUsage a number', { identifyTokenUsage: 100 }, 'identifyTokenUsage', INVALID],
    ['extractTokenUsage a string', { extractTokenUsage: 'usage.total_tokens' }, 'extractTokenUsage', INVALID],
    // webhookUrl
    ['webhookUrl not a URL', { webhookUrl: 'not a url' }, 'webhookUrl', INVALID],
    ['webhookUrl ftp', { webhookUrl: 'ftp://example.com/hooks' }, 'webhookUrl', INVALID],
    ['webhookUrl without a host', { webhookUrl: 'https://' }, 'webhookUrl', INVALID],
    ['webhookUrl a number', { webhookUrl: 5 }, 'webhookUrl', INVALID],
    // webhooks
    ['webhooks an object', { webhooks: { url: okUrl } }, 'webhooks', INVALID],
    ['webhooks a non-object entry', { webhooks: [{ url: okUrl }, 'https://example.com'] }, 'webhooks[1]', INVALID],
    ['webhooks without url', { webhooks: [{ secret: 'a shared secret' }] }, 'webhooks[0].url', INVALID],
    ['webhooks a bad url', { webhooks: [{ url: 'example.com/hooks' }] }, 'webhooks[0].url', INVALID],
    ['webhooks an empty secret', { webhooks: [{ url: okUrl, secret: '' }] }, 'webhooks[0].secret', INVALID],
    ['webhooks a non-string secret', { webhooks: [{ url: okUrl, secret: 42 }] }, 'webhooks[0].secret', INVALID],
    ['webhooks events a string', { webhooks: [{ url: okUrl, events: 'rate_exceeded' }] }, 'webhooks[0].events', INVALID],
    ['webhooks events with a non-string', { webhooks: [{ url: okUrl, events: ['rate_exceeded', 7] }] }, 'webhooks[0].events[1]', INVALID],
    ['webhooks events with a misspelt type', { webhooks: [{ url: okUrl, events: ['rate_exceded'] }] }, 'webhooks[0].events[0]', INVALID],
    ['webhooks batchSize 0', { webhooks: [{ url: okUrl, batchSize: 0 }] }, 'webhooks[0].batchSize', INVALID],
    ['webhooks maxQueue fractional', { webhooks: [{ url: okUrl, maxQueue: 1.5 }] }, 'webhooks[0].maxQueue', INVALID],
    ['webhooks maxRetries negative', { webhooks: [{ url: okUrl, maxRetries: -1 }] }, 'webhooks[0].maxRetries', INVALID],
    ['webhooks flushIntervalMs negative', { webhooks: [{ url: okUrl, flushIntervalMs: -1 }] }, 'webhooks[0].flushIntervalMs', INVALID],
    ['webhooks timeoutMs infinite', { webhooks: [{ url: okUrl, timeoutMs: Infinity }] }, 'webhooks[0].timeoutMs', INVALID],
    ['webhooks headers with a number', { webhooks: [{ url: okUrl, headers: { 'x-n': 1 } }] }, 'webhooks[0].headers["x-n"]', INVALID],
    ['webhooks an unknown field', { webhooks: [{ url: okUrl, secrett: 'whsec_x' }] }, 'webhooks[0].secrett', UNKNOWN],
    ['webhooks a second entry', { webhooks: [{ url: okUrl }, { url: okUrl, batchSize: -5 }] }, 'webhooks[1].batchSize', INVALID],
    // priority, callbackTimeoutMs
    ['priority a string', { priority: 'high' }, 'priority', INVALID],
    ['priority NaN', { priority: Number.NaN }, 'priority', INVALID],
    ['priority infinite', { priority: Infinity }, 'priority', INVALID],
    ['callbackTimeoutMs 0', { callbackTimeoutMs: 0 }, 'callbackTimeoutMs', INVALID],
    ['callbackTimeoutMs negative', { callbackTimeoutMs: -5 }, 'callbackTimeoutMs', INVALID],
    ['callbackTimeoutMs above a minute', { callbackTimeoutMs: 60_001 }, 'callbackTimeoutMs', INVALID],
    ['callbackTimeoutMs a string', { callbackTimeoutMs: '100' }, 'callbackTimeoutMs', INVALID],
    ['callbackTimeoutMs NaN', { callbackTimeoutMs: Number.NaN }, 'callbackTimeoutMs', INVALID],
    // options of later releases
    ['identifyOrg', { identifyOrg: fn }, 'identifyOrg', UNSUPPORTED],
    ['trackEndpoints', { trackEndpoints: true }, 'trackEndpoints', UNSUPPORTED],
    // a misspelt option
    ['a misspelt option', { skipSuccessfullRequests: true }, 'skipSuccessfullRequests', UNKNOWN],
  ];

  it.each(cases)('%s', (_label, options, path, code) => {
    const issues = issuesOf(options);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path, code });
  });

  it('names every bad list entry by its index', () => {
    const issues = issuesOf({ ipAllowlist: ['bad', '10.0.0.1', 7, '10.0.0.0/8', '300.1.1.1'], ipBlocklist: ['::1', 'nope'] });
    expect(issues.map((i) => i.path)).toEqual(['ipAllowlist[0]', 'ipAllowlist[2]', 'ipAllowlist[4]', 'ipBlocklist[1]']);
  });

  it('reports the later-release options with what to do', () => {
    const issues = issuesOf({ identifyOrg: fn, trackEndpoints: true });
    expect(issues.map((i) => [i.path, i.code])).toEqual([
      ['identifyOrg', UNSUPPORTED],
      ['trackEndpoints', UNSUPPORTED],
    ]);
    expect(issues.find((i) => i.path === 'trackEndpoints')!.message).toMatch(/dashboard/);
  });

  it('suggests the right name for a misspelt option', () => {
    const [issue] = issuesOf({ skipSuccessfullRequests: true });
    expect(issue!.hint).toContain('skipSuccessfulRequests');
  });

  it('reports every problem at once in one ConfigError, HTTP-layer and core alike', () => {
    const e = configError({
      policies: { free: { rate: { maxPerMinute: -1 } } },
      storeTimeoutMs: 0,
      trustProxy: 'yes',
      headers: 'v4',
      ipBlocklist: ['10.0.0.1', 'nope'],
      metrics: { name: 'm' },
    });
    const paths = e.issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['policies.free.rate.maxPerMinute', 'storeTimeoutMs', 'trustProxy', 'headers', 'ipBlocklist[1]', 'metrics']));
    expect(e.issues).toHaveLength(6);
    expect(e.path).toBe(e.issues[0]!.path);
    expect(e.code).toBe(e.issues[0]!.code);
    for (const p of ['policies.free.rate.maxPerMinute', 'trustProxy', 'ipBlocklist[1]', 'metrics']) expect(e.message).toContain(p);
  });

  it('reports a missing policies option with the HTTP problems', () => {
    const e = configError({ headers: 'nope' });
    expect(e.issues.map((i) => i.path)).toEqual(expect.arrayContaining(['policies', 'headers']));
  });

  it.each([null, undefined, 'free', 42])('refuses %j as the options object with a ConfigError', (value) => {
    expect(() => new HttpLimiter(value as unknown as Opts)).toThrow(ConfigError);
  });
});

describe('HTTP options: good values are accepted', () => {
  it.each<[string, Record<string, unknown>]>([
    ['trustProxy true', { trustProxy: true }],
    ['trustProxy a count', { trustProxy: 2 }],
    ['trustProxy 0 and 32', { trustProxy: 0, trustedProxyCount: 32 }],
    ['ipv6Subnet false', { ipv6Subnet: false }],
    ['ipv6Subnet 1', { ipv6Subnet: 1 }],
    ['ipv6Subnet 128', { ipv6Subnet: 128 }],
    ['lists', { ipAllowlist: ['10.0.0.0/8', '2001:db8::/32', '::ffff:203.0.113.7'], ipBlocklist: [] }],
    ['headers false', { headers: false }],
    ['draft headers', { headers: 'draft' }],
    ['legacy headers', { headers: 'legacy' }],
    ['both headers', { headers: 'both' }],
    ['upgradeHint as a function', { upgradeHint: (plan: string) => (plan === 'free' ? 'Upgrade' : null) }],
    ['booleans', { problemDetails: true, skipSuccessfulRequests: false, skipFailedRequests: true }],
    ['callbacks', { identifyUser: fn, identifyPlan: fn, skip: () => false, identifyTokenUsage: () => 1, extractTokenUsage: () => 1 }],
    ['webhookUrl', { webhookUrl: 'http://localhost:8080/hooks' }],
    [
      'a full webhook',
      { webhooks: [{ url: okUrl, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', events: ['rate_exceeded'], batchSize: 10, flushIntervalMs: 1000, maxQueue: 100, maxRetries: 0, timeoutMs: 5000, headers: { authorization: 'Bearer x' } }] },
    ],
    ['webhooks events *', { webhooks: [{ url: okUrl, events: '*' }] }],
    ['webhook retry delays and rotated secrets', { webhooks: [{ url: okUrl, retryDelayMs: 100, maxRetryDelayMs: 2000, secret: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'an old secret'] }] }],
    ['webhooks flushIntervalMs 0 (send at once)', { webhooks: [{ url: okUrl, flushIntervalMs: 0 }] }],
    ['priority a number', { priority: -3 }],
    ['priority a function', { priority: () => 1 }],
    ['callbackTimeoutMs 60000', { callbackTimeoutMs: 60_000 }],
    ['core options', { onStoreError: 'block', dryRun: true, storeTimeoutMs: 50, defaultPlan: 'free' }],
  ])('%s', async (_label, options) => {
    const http = new HttpLimiter({ policies: POLICIES, ...options } as unknown as Opts);
    await http.close();
  });
});

describe('concurrency rules', () => {
  const EP = 'policies.free.endpoints["POST|/api/chat"].concurrency';
  const withRule = (concurrency: unknown) => ({ policies: { free: { endpoints: { 'POST|/api/chat': { rate: { maxPerMinute: 10 }, concurrency } } } } });

  it.each<[string, unknown, string, string]>([
    ['max missing', {}, `${EP}.max`, INVALID],
    ['max 0', { max: 0 }, `${EP}.max`, INVALID],
    ['max fractional', { max: 1.5 }, `${EP}.max`, INVALID],
    ['max a string', { max: '2' }, `${EP}.max`, INVALID],
    ['queueTimeout negative', { max: 2, queueTimeout: -1 }, `${EP}.queueTimeout`, INVALID],
    ['queueTimeout above 10 minutes', { max: 2, queueTimeout: 600_001 }, `${EP}.queueTimeout`, INVALID],
    ['queueTimeout a string', { max: 2, queueTimeout: '30s' }, `${EP}.queueTimeout`, INVALID],
    ['maxQueueSize negative', { max: 2, maxQueueSize: -1 }, `${EP}.maxQueueSize`, INVALID],
    ['maxQueueSize fractional', { max: 2, maxQueueSize: 2.5 }, `${EP}.maxQueueSize`, INVALID],
    ['actionOnExceed unknown', { max: 2, actionOnExceed: 'drop' }, `${EP}.actionOnExceed`, INVALID],
    ['an unknown field', { max: 2, maxx: 3 }, `${EP}.maxx`, UNKNOWN],
    ['not an object', 5, EP, INVALID],
  ])('%s', (_label, rule, path, code) => {
    const issues = configError(withRule(rule)).issues;
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path, code });
    expect(issues[0]!.hint.length).toBeGreaterThan(0);
  });

  it('checks plan defaults too', () => {
    const issues = configError({ policies: { free: { defaults: { concurrency: { max: -1 } } } } }).issues;
    expect(issues.map((i) => i.path)).toEqual(['policies.free.defaults.concurrency.max']);
  });

  it('accepts valid rules, queueing and blocking', async () => {
    const http = new HttpLimiter({
      policies: {
        free: {
          endpoints: {
            'POST|/api/chat': { rate: { maxPerMinute: 10 }, concurrency: { max: 2, queueTimeout: 0, maxQueueSize: 0, actionOnExceed: 'queue' } },
            'GET|/api/export': { concurrency: { max: 1, actionOnExceed: 'block' } },
          },
          defaults: { concurrency: { max: 100 } },
        },
      },
    });
    await http.close();
  });

  it('are refused by the framework-free RateLimiter, which cannot see a request finish', () => {
    try {
      new RateLimiter(withRule({ max: 2 }) as never);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).issues).toEqual([expect.objectContaining({ path: EP, code: UNSUPPORTED })]);
    }
  });
});

describe('the option lists', () => {
  it('httpOptionIssues finds nothing wrong with an empty object', () => {
    expect(httpOptionIssues({})).toEqual([]);
  });

  it('every HTTP option and later-release option is validated by the HTTP layer, not reported as unknown by the core', () => {
    for (const key of HTTP_OPTIONS) expect(HTTP_VALIDATED_KEYS).toContain(key);
    for (const key of ['identifyOrg', 'trackEndpoints']) expect(HTTP_VALIDATED_KEYS).toContain(key);
    // metrics and tracing are the RateLimiter's own options: the HTTP layer passes them on.
    for (const key of ['metrics', 'tracing']) expect(HTTP_VALIDATED_KEYS).not.toContain(key);
  });

  it('coreConfigOf keeps only what the RateLimiter understands', () => {
    const clock = { now: () => 0 };
    const core = coreConfigOf({ policies: POLICIES, clock, dryRun: true, identifyUser: fn, headers: 'draft', skip: () => false, webhookUrl: okUrl, priority: 1 } as Opts);
    expect(Object.keys(core).sort()).toEqual(['clock', 'dryRun', 'policies']);
    // Whatever it keeps, the RateLimiter accepts.
    expect(() => new RateLimiter(core)).not.toThrow();
  });
});
