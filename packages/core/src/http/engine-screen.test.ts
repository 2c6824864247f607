// HttpLimiter.decide before the rate check: skip, IP block and allow lists, who and which plan (with their failures), and endpoint keys.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { HttpDecision } from './engine.js';
import { IP, ITEMS, T0, callbackErrors, info, makeHttp, now, ofType, type FakeReq, type FakeRes, type Options } from './__tests__/harness.js';

afterEach(() => {
  vi.useRealTimers();
});

function make(options: Options) {
  const made = makeHttp(options);
  /** Requests counted for `userId` on `endpoint` (the first limit's usage). */
  const used = async (userId: string, endpoint = ITEMS, plan?: string) => (await made.http.limiter.peek({ userId, endpoint, ...(plan === undefined ? {} : { plan }) })).current;
  return { ...made, used };
}

const LIMIT_1 = { free: { rate: { maxPerMinute: 1 } } };
const LIMIT_10 = { free: { rate: { maxPerMinute: 10 } } };

describe('skip', () => {
  it('true: passes with no headers, counts nothing and asks nothing else', async () => {
    const identifyUser = vi.fn(() => 'u');
    const { http, used, flushed } = make({ policies: LIMIT_1, skip: () => true, identifyUser });
    for (let i = 0; i < 5; i++) {
      const d = now(http.decide(info()));
      expect(d).toMatchObject({ action: 'continue', status: 200, headers: [], body: undefined, contentType: undefined, delayMs: 0, result: undefined, done: undefined });
    }
    expect(identifyUser).not.toHaveBeenCalled();
    expect(await used('u')).toBe(0);
    expect(await used(IP)).toBe(0);
    expect(await flushed()).toEqual([]);
  });

  it('receives the framework request; false and undefined limit the request', async () => {
    const raw = { user: 'u' };
    const skip = vi.fn((req: FakeReq) => (req.user === 'u' ? false : undefined) as boolean);
    const { http, used } = make({ policies: LIMIT_10, skip, identifyUser: (req) => req.user ?? 'anon' });
    now(http.decide(info({ raw })));
    now(http.decide(info({ raw: {} })));
    expect(skip).toHaveBeenNthCalledWith(1, raw);
    expect(await used('u')).toBe(1);
    expect(await used('anon')).toBe(1);
  });

  it('cannot let a blocked IP through: the blocklist is consulted before skip', async () => {
    const skip = vi.fn(() => true);
    const { http, flushed } = make({ policies: LIMIT_1, skip, ipBlocklist: [IP] });
    expect(now(http.decide(info()))).toMatchObject({ action: 'refuse', status: 403 });
    expect(skip).not.toHaveBeenCalled();
    expect(ofType(await flushed(), 'ip_blocked')).toHaveLength(1);
  });

  it('is consulted before counting: a skipped request passes uncounted', async () => {
    const { http, used } = make({ policies: LIMIT_1, skip: () => true, identifyUser: () => 'u' });
    expect(now(http.decide(info()))).toMatchObject({ action: 'continue', headers: [] });
    expect(await used('u')).toBe(0);
  });

  it.each<[string, () => boolean]>([
    [
      'throws',
      () => {
        throw new Error('skip broke');
      },
    ],
    ['returns a string', () => 'yes' as unknown as boolean],
    ['returns a number', () => 1 as unknown as boolean],
  ])('that %s: a callback_error event, and the request is limited', async (_label, skip) => {
    const { http, used, flushed } = make({ policies: LIMIT_1, skip });
    const first = now(http.decide(info()));
    expect(first.action).toBe('continue');
    expect(first.headers.length).toBeGreaterThan(0);
    expect(now(http.decide(info())).status).toBe(429);
    expect(await used(IP)).toBe(1);
    const errors = callbackErrors(await flushed());
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatchObject({ callback: 'skip', endpoint: ITEMS, fallback: 'limited the request', error: { code: 'ERR_LIMITRATE_CALLBACK' } });
  });

  it('that fails under onStoreError block still limits the request rather than refusing it', () => {
    const { http } = make({
      policies: LIMIT_10,
      onStoreError: 'block',
      skip: () => {
        throw new Error('skip broke');
      },
    });
    expect(now(http.decide(info())).action).toBe('continue');
  });

  it('that rejects asynchronously: limited, with a callback_error', async () => {
    const { http, used, flushed } = make({ policies: LIMIT_10, skip: () => Promise.reject(new Error('later')) });
    expect((await http.decide(info())).action).toBe('continue');
    expect(await used(IP)).toBe(1);
    expect(callbackErrors(await flushed())).toEqual([expect.objectContaining({ callback: 'skip', error: expect.objectContaining({ code: 'ERR_LIMITRATE_CALLBACK' }) })]);
  });
});

describe('ipBlocklist', () => {
  it('refuses with 403, the ip_blocked body, no headers and no check', async () => {
    const identifyUser = vi.fn(() => 'u');
    const { http, used, flushed } = make({ policies: LIMIT_10, ipBlocklist: ['192.0.2.0/24'], identifyUser });
    const d = now(http.decide(info({ remoteAddress: '192.0.2.44' })));
    expect(d).toMatchObject({ action: 'refuse', status: 403, contentType: 'application/json', headers: [], delayMs: 0, result: undefined, done: undefined, user: '192.0.2.44' });
    expect(d.body).toMatchObject({ ok: false, reason: 'ip_blocked', retry_after_seconds: null });
    expect(String(d.body!.message)).toContain('192.0.2.44');
    expect(identifyUser).not.toHaveBeenCalled();
    expect(await used('u')).toBe(0);
    expect(ofType(await flushed(), 'ip_blocked')).toEqual([expect.objectContaining({ ip: '192.0.2.44', user: '192.0.2.44', endpoint: ITEMS, timestamp: T0 })]);
  });

  it.each([
    ['an exact IPv4 address', ['203.0.113.7'], '203.0.113.7'],
    ['an IPv4 range', ['10.0.0.0/8'], '10.200.3.4'],
    ['an IPv4 client in IPv4-mapped IPv6 form', ['10.0.0.0/8'], '::ffff:10.1.2.3'],
    ['an IPv6 range', ['2001:db8::/32'], '2001:db8:ffff::1'],
    ['an IPv6 address written differently', ['2001:db8::1'], '2001:0db8:0:0:0:0:0:1'],
  ])('matches %s', (_label, list, ip) => {
    const { http } = make({ policies: LIMIT_10, ipBlocklist: list });
    expect(now(http.decide(info({ remoteAddress: ip }))).status).toBe(403);
  });

  it('lets other addresses through', () => {
    const { http } = make({ policies: LIMIT_10, ipBlocklist: ['10.0.0.0/8', '2001:db8::/32'] });
    for (const ip of ['11.0.0.1', '2001:db9::1', IP]) expect(now(http.decide(info({ remoteAddress: ip }))).action).toBe('continue');
  });

  it('answers with problem details when asked', () => {
    const { http } = make({ policies: LIMIT_10, ipBlocklist: [IP], problemDetails: true });
    const d = now(http.decide(info({ path: '/api/items' })));
    expect(d.contentType).toBe('application/problem+json');
    expect(d.body).toMatchObject({ type: 'about:blank', title: 'Forbidden', status: 403, reason: 'ip_blocked' });
  });

  it('in dryRun: the request passes (and is counted as usual) and the event still fires', async () => {
    const { http, used, flushed } = make({ policies: LIMIT_10, ipBlocklist: [IP], dryRun: true });
    const d = now(http.decide(info()));
    expect(d.action).toBe('continue');
    expect(d.result).toBeDefined();
    expect(await used(IP)).toBe(1);
    expect(ofType(await flushed(), 'ip_blocked')).toHaveLength(1);
  });

  it('checks the client address from X-Forwarded-For only when proxies are trusted', () => {
    const spoofed = make({ policies: LIMIT_10, ipBlocklist: ['192.0.2.1'] });
    expect(now(spoofed.http.decide(info({ remoteAddress: '10.0.0.1', forwardedFor: '192.0.2.1' }))).action).toBe('continue');
    const trusted = make({ policies: LIMIT_10, ipBlocklist: ['192.0.2.1'], trustProxy: true });
    expect(now(trusted.http.decide(info({ remoteAddress: '10.0.0.1', forwardedFor: '192.0.2.1' }))).status).toBe(403);
  });

  it('wins over the allowlist', () => {
    const { http } = make({ policies: LIMIT_10, ipBlocklist: [IP], ipAllowlist: ['203.0.113.0/24'] });
    expect(now(http.decide(info())).status).toBe(403);
  });
});

describe('ipAllowlist', () => {
  it('passes listed addresses without counting or identifying them', async () => {
    const identifyUser = vi.fn(() => 'u');
    const { http, used, flushed } = make({ policies: LIMIT_1, ipAllowlist: ['203.0.113.0/24', '2001:db8::/48'], identifyUser, skipFailedRequests: true });
    for (let i = 0; i < 5; i++) {
      const d = now(http.decide(info()));
      expect(d).toMatchObject({ action: 'continue', headers: [], result: undefined, done: undefined, user: IP });
    }
    expect(now(http.decide(info({ remoteAddress: '2001:db8:0:1::5' }))).action).toBe('continue');
    expect(identifyUser).not.toHaveBeenCalled();
    expect(await used('u')).toBe(0);
    expect(await used(IP)).toBe(0);
    expect(await flushed()).toEqual([]);
  });

  it('limits addresses that are not listed', () => {
    const { http } = make({ policies: LIMIT_1, ipAllowlist: ['10.0.0.0/8'] });
    expect(now(http.decide(info())).action).toBe('continue');
    expect(now(http.decide(info())).status).toBe(429);
  });
});

describe('identifyUser and identifyPlan defaults', () => {
  it('counts by client IP and applies the default plan', () => {
    const { http } = make({ policies: LIMIT_10 });
    const d = now(http.decide(info()));
    expect(d).toMatchObject({ user: IP, plan: 'free' });
    expect(d.result).toMatchObject({ user: IP, plan: 'free' });
  });

  it.each([
    ['IPv4', '203.0.113.7', undefined, '203.0.113.7'],
    ['IPv4-mapped IPv6', '::ffff:203.0.113.7', undefined, '203.0.113.7'],
    ['IPv6 by its /56 by default', '2001:db8:1234:5678::1', undefined, '2001:db8:1234:5600::/56'],
    ['IPv6 by /64 when asked', '2001:db8:1234:5678:9abc::1', 64, '2001:db8:1234:5678::/64'],
    ['IPv6 in full with ipv6Subnet false', '2001:db8:1234:5678::1', false, '2001:db8:1234:5678::1'],
  ] as const)('%s', (_label, address, ipv6Subnet, user) => {
    const { http } = make({ policies: LIMIT_10, ...(ipv6Subnet === undefined ? {} : { ipv6Subnet }) });
    expect(now(http.decide(info({ remoteAddress: address }))).user).toBe(user);
  });

  it('counts two addresses of one /56 together, and another /56 apart', () => {
    const { http } = make({ policies: LIMIT_1 });
    expect(now(http.decide(info({ remoteAddress: '2001:db8:aa:bb01::1' }))).action).toBe('continue');
    expect(now(http.decide(info({ remoteAddress: '2001:db8:aa:bbff:ffff::2' }))).status).toBe(429);
    expect(now(http.decide(info({ remoteAddress: '2001:db8:aa:bc00::1' }))).action).toBe('continue');
  });

  it("uses 'unknown' when the peer address is missing or unparsable", () => {
    const { http } = make({ policies: LIMIT_10 });
    expect(now(http.decide(info({ remoteAddress: undefined }))).user).toBe('unknown');
  });

  it('takes the client from X-Forwarded-For according to the trusted proxies', () => {
    const all = make({ policies: LIMIT_10, trustProxy: true });
    expect(now(all.http.decide(info({ remoteAddress: '10.0.0.1', forwardedFor: '198.51.100.9, 10.0.0.2' }))).user).toBe('198.51.100.9');
    const one = make({ policies: LIMIT_10, trustedProxyCount: 1, trustProxy: 1 });
    expect(now(one.http.decide(info({ remoteAddress: '10.0.0.1', forwardedFor: '1.1.1.1, 198.51.100.9' }))).user).toBe('198.51.100.9');
    const none = make({ policies: LIMIT_10 });
    expect(now(none.http.decide(info({ remoteAddress: '10.0.0.1', forwardedFor: '198.51.100.9' }))).user).toBe('10.0.0.1');
  });

  it.each([
    ["'free' when there is one", { pro: { rate: { maxPerMinute: 5 } }, free: { rate: { maxPerMinute: 5 } } }, undefined, 'free'],
    ['the first plan otherwise', { pro: { rate: { maxPerMinute: 5 } }, team: { rate: { maxPerMinute: 5 } } }, undefined, 'pro'],
    ['defaultPlan when set', { pro: { rate: { maxPerMinute: 5 } }, team: { rate: { maxPerMinute: 5 } } }, 'team', 'team'],
  ])('the default plan is %s', (_label, policies, defaultPlan, plan) => {
    const { http } = make({ policies, ...(defaultPlan === undefined ? {} : { defaultPlan }) });
    const d = now(http.decide(info()));
    expect(d.plan).toBe(plan);
    expect(d.result!.plan).toBe(plan);
  });

  it('identifyUser and identifyPlan get the framework request and decide the counter', async () => {
    const raw = { user: 'u1', plan: 'pro' };
    const identifyUser = vi.fn((req: FakeReq) => req.user!);
    const identifyPlan = vi.fn((req: FakeReq) => req.plan!);
    const { http, used } = make({ policies: { free: { rate: { maxPerMinute: 1 } }, pro: { rate: { maxPerMinute: 3 } } }, identifyUser, identifyPlan });
    const d = now(http.decide(info({ raw })));
    expect(identifyUser).toHaveBeenCalledWith(raw);
    expect(identifyPlan).toHaveBeenCalledWith(raw);
    expect(d).toMatchObject({ user: 'u1', plan: 'pro', result: { limit: 3, remaining: 2 } });
    expect(await used('u1', ITEMS, 'pro')).toBe(1);
    expect(await used(IP)).toBe(0);
  });

  it('an unknown plan from identifyPlan gets the default plan and an unknown_plan event', async () => {
    const { http, flushed } = make({ policies: LIMIT_10, identifyPlan: () => 'platinum' });
    const d = now(http.decide(info()));
    expect(d.action).toBe('continue');
    expect(d.plan).toBe('free');
    expect(ofType(await flushed(), 'unknown_plan')).toEqual([expect.objectContaining({ requestedPlan: 'platinum', handling: 'default' })]);
  });

  it("an unknown plan under onUnknownPlan 'block' is refused with 403 and no Retry-After", () => {
    const { http } = make({ policies: LIMIT_10, identifyPlan: () => 'platinum', onUnknownPlan: 'block' });
    const d = now(http.decide(info()));
    expect(d).toMatchObject({ action: 'refuse', status: 403 });
    expect(d.body).toMatchObject({ reason: 'unknown_plan' });
    expect(d.headers.map(([n]) => n)).not.toContain('Retry-After');
  });
});

type Failing = (req: FakeReq) => string | Promise<string>;
const failures: Array<[string, Failing, string]> = [
  [
    'throws',
    () => {
      throw new Error('no session');
    },
    'ERR_LIMITRATE_CALLBACK',
  ],
  ['rejects', () => Promise.reject(new Error('db down')), 'ERR_LIMITRATE_CALLBACK'],
  ['returns a number', () => 42 as unknown as string, 'ERR_LIMITRATE_CALLBACK'],
  ['returns undefined', () => undefined as unknown as string, 'ERR_LIMITRATE_CALLBACK'],
  ['resolves to an object', () => Promise.resolve({ id: 'u' } as unknown as string), 'ERR_LIMITRATE_CALLBACK'],
];

describe('identifyUser failures', () => {
  it.each(failures)('that %s under onStoreError allow: counted by client IP, with a callback_error', async (_label, identifyUser, code) => {
    const { http, used, flushed } = make({ policies: LIMIT_10, identifyUser });
    const d = await http.decide(info());
    expect(d).toMatchObject({ action: 'continue', user: IP, plan: 'free' });
    expect(await used(IP)).toBe(1);
    const errors = callbackErrors(await flushed());
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ callback: 'identifyUser', user: IP, plan: 'free', endpoint: ITEMS, fallback: 'counted the request by client IP' });
    expect(errors[0]!.error.code).toBe(code);
  });

  it.each(failures)('that %s under onStoreError block: 503 with Retry-After, nothing counted', async (_label, identifyUser, code) => {
    const { http, used, flushed } = make({ policies: LIMIT_10, identifyUser, onStoreError: 'block' });
    const d = await http.decide(info());
    expect(d).toMatchObject({ action: 'refuse', status: 503, contentType: 'application/json', headers: [['Retry-After', '1']], result: undefined, done: undefined });
    expect(d.body).toMatchObject({ ok: false, reason: 'store_unavailable', retry_after_seconds: 1 });
    expect(String(d.body!.message)).toContain(code);
    expect(await used(IP)).toBe(0);
    expect(callbackErrors(await flushed())).toEqual([expect.objectContaining({ callback: 'identifyUser', fallback: 'refused the request' })]);
  });

  it("the v3 name onRedisError: 'block' refuses too", async () => {
    const { http } = make({ policies: LIMIT_10, identifyUser: failures[0]![1], onRedisError: 'block' });
    expect((await http.decide(info())).status).toBe(503);
  });

  it('under block with problem details: an RFC 9457 503', async () => {
    const { http } = make({ policies: LIMIT_10, identifyUser: failures[0]![1], onStoreError: 'block', problemDetails: true });
    const d = await http.decide(info());
    expect(d.contentType).toBe('application/problem+json');
    expect(d.body).toMatchObject({
      type: 'https://iana.org/assignments/http-problem-types#temporary-reduced-capacity',
      status: 503,
      title: 'Temporary Reduced Capacity',
      reason: 'store_unavailable',
      plan: 'free',
      endpoint: ITEMS,
    });
  });

  it('under block in dryRun: counted by client IP instead of refused', async () => {
    const { http, used } = make({ policies: LIMIT_10, identifyUser: failures[0]![1], onStoreError: 'block', dryRun: true });
    expect((await http.decide(info())).action).toBe('continue');
    expect(await used(IP)).toBe(1);
  });

  it('that takes longer than callbackTimeoutMs: ERR_LIMITRATE_CALLBACK_TIMEOUT and the fallback', async () => {
    vi.useFakeTimers();
    const { http, flushed } = make({ policies: LIMIT_10, identifyUser: () => new Promise<string>(() => undefined), callbackTimeoutMs: 50 });
    let settled: HttpDecision<FakeRes> | undefined;
    void (http.decide(info()) as Promise<HttpDecision<FakeRes>>).then((d) => {
      settled = d;
    });
    await vi.advanceTimersByTimeAsync(49);
    expect(settled).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(settled).toMatchObject({ action: 'continue', user: IP });
    vi.useRealTimers();
    expect(callbackErrors(await flushed())).toEqual([expect.objectContaining({ callback: 'identifyUser', error: expect.objectContaining({ code: 'ERR_LIMITRATE_CALLBACK_TIMEOUT' }) })]);
  });

  it('that times out under block: 503', async () => {
    vi.useFakeTimers();
    const { http } = make({ policies: LIMIT_10, identifyUser: () => new Promise<string>(() => undefined), onStoreError: 'block' });
    const p = http.decide(info()) as Promise<HttpDecision<FakeRes>>;
    await vi.advanceTimersByTimeAsync(1000); // the default callbackTimeoutMs
    expect((await p).status).toBe(503);
  });
});

describe('identifyPlan failures', () => {
  it.each(failures)('that %s: the default plan, a callback_error, and never a refusal (even under block)', async (_label, identifyPlan, code) => {
    for (const onStoreError of ['allow', 'block'] as const) {
      const { http, flushed } = make({ policies: { free: { rate: { maxPerMinute: 1 } }, pro: { rate: { maxPerMinute: 100 } } }, identifyUser: () => 'u', identifyPlan, onStoreError });
      const d = await http.decide(info());
      expect(d).toMatchObject({ action: 'continue', user: 'u', plan: 'free', result: { limit: 1 } });
      const errors = callbackErrors(await flushed());
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ callback: 'identifyPlan', user: 'u', plan: 'free', fallback: 'applied the default plan' });
      expect(errors[0]!.error.code).toBe(code);
    }
  });

  it('a timeout also falls back to the default plan', async () => {
    vi.useFakeTimers();
    const { http } = make({ policies: { free: { rate: { maxPerMinute: 1 } }, pro: { rate: { maxPerMinute: 100 } } }, identifyPlan: () => new Promise<string>(() => undefined), callbackTimeoutMs: 10 });
    const p = http.decide(info()) as Promise<HttpDecision<FakeRes>>;
    await vi.advanceTimersByTimeAsync(10);
    expect((await p).plan).toBe('free');
  });

  it('both failing: two events, the client IP and the default plan', async () => {
    const { http, flushed } = make({ policies: LIMIT_10, identifyUser: failures[0]![1], identifyPlan: failures[1]![1] });
    expect(await http.decide(info())).toMatchObject({ action: 'continue', user: IP, plan: 'free' });
    expect(callbackErrors(await flushed()).map((e) => e.callback).sort()).toEqual(['identifyPlan', 'identifyUser']);
  });
});

describe('identifyTokenUsage', () => {
  const TOKENS = { free: { rate: { maxPerMinute: 100, maxTokensPerMinute: 1000 } } };

  it('charges the tokens it returns', async () => {
    const { http } = make({ policies: TOKENS, identifyTokenUsage: (req) => req.tokens });
    const d = now(http.decide(info({ raw: { tokens: 400 } })));
    expect(d.result!.tokens).toBe(400);
    expect(now(http.decide(info({ raw: { tokens: 700 } }))).result).toMatchObject({ allowed: false, reason: 'token_limit_exceeded' });
  });

  it.each<[string, () => number | undefined | Promise<number | undefined>]>([
    [
      'throws',
      () => {
        throw new Error('tokenizer down');
      },
    ],
    ['returns a negative count', () => -1],
    ['returns NaN', () => Number.NaN],
    ['returns a string', () => '12' as unknown as number],
    ['rejects', () => Promise.reject(new Error('later'))],
  ])('that %s: a callback_error, checked without a count', async (_label, identifyTokenUsage) => {
    const { http, flushed } = make({ policies: TOKENS, identifyTokenUsage, onStoreError: 'block' });
    const d = await http.decide(info());
    expect(d.action).toBe('continue');
    expect(d.result!.tokens).toBe(0);
    expect(callbackErrors(await flushed())).toEqual([expect.objectContaining({ callback: 'identifyTokenUsage', fallback: 'checked token limits without a count' })]);
  });

  it('null and undefined mean no count, without an error', async () => {
    const { http, flushed } = make({ policies: TOKENS, identifyTokenUsage: () => null as unknown as undefined });
    expect(now(http.decide(info())).result!.tokens).toBe(0);
    expect(callbackErrors(await flushed())).toEqual([]);
  });
});

describe('endpoint keys', () => {
  it('uses the route template when the framework gives one', () => {
    const { http } = make({ policies: LIMIT_10 });
    const d = now(http.decide(info({ method: 'POST', path: '/files/report', route: '/files/:name' })));
    expect(d.endpoint).toBe('POST|/files/:name');
  });

  it('templates identifier segments of the path when there is no route', () => {
    const { http } = make({ policies: LIMIT_10 });
    expect(now(http.decide(info({ path: '/users/42' }))).endpoint).toBe('GET|/users/:id');
    expect(now(http.decide(info({ path: '/users/3f2504e0-4f89-11d3-9a0c-0305e82c3301/posts/7' }))).endpoint).toBe('GET|/users/:id/posts/:id');
    expect(now(http.decide(info({ path: '/users/me' }))).endpoint).toBe('GET|/users/me');
    expect(now(http.decide(info({ path: '/users/42?expand=1' }))).endpoint).toBe('GET|/users/:id');
  });

  it('counts HEAD as GET (frameworks run the GET handler for it) unless a policy names HEAD', () => {
    const gets = make({ policies: { free: { endpoints: { 'GET|/users/:id': { rate: { maxPerMinute: 1 } } } } } }).http;
    expect(now(gets.decide(info({ method: 'HEAD', path: '/users/1' }))).endpoint).toBe('GET|/users/:id');
    expect(now(gets.decide(info({ method: 'GET', path: '/users/2' }))).status).toBe(429);
    const heads = make({ policies: { free: { endpoints: { 'head|/users/:id': { rate: { maxPerMinute: 1 } } }, defaults: { rate: { maxPerMinute: 5 } } } } }).http;
    expect(now(heads.decide(info({ method: 'HEAD', path: '/users/1' }))).endpoint).toBe('HEAD|/users/:id');
    expect(now(heads.decide(info({ method: 'GET', path: '/users/1' }))).result).toMatchObject({ policy: 'defaults', remaining: 4 });
  });

  it('upper-cases the method', () => {
    const { http } = make({ policies: LIMIT_10 });
    expect(now(http.decide(info({ method: 'get' }))).endpoint).toBe(ITEMS);
    expect(now(http.decide(info({ method: 'Patch', path: '/users/1' }))).endpoint).toBe('PATCH|/users/:id');
  });

  it('one counter for /users/42 and /users/43 (and a policy on the template applies to both)', () => {
    const { http } = make({ policies: { free: { endpoints: { 'GET|/users/:id': { rate: { maxPerMinute: 2 } } }, defaults: { rate: { maxPerMinute: 100 } } } } });
    expect(now(http.decide(info({ path: '/users/42' }))).result).toMatchObject({ policy: 'GET|/users/:id', remaining: 1 });
    expect(now(http.decide(info({ path: '/users/43' }))).action).toBe('continue');
    expect(now(http.decide(info({ path: '/users/44' }))).status).toBe(429);
    expect(now(http.decide(info({ path: '/users/me' }))).status).toBe(429); // the policy's pattern matches `me` too
  });

  it('under plan defaults each endpoint counts apart, ids templated', () => {
    const { http } = make({ policies: LIMIT_1 });
    expect(now(http.decide(info({ path: '/orders/1' }))).action).toBe('continue');
    expect(now(http.decide(info({ path: '/orders/2' }))).status).toBe(429);
    expect(now(http.decide(info({ path: '/orders/latest' }))).action).toBe('continue');
    expect(now(http.decide(info({ method: 'POST', path: '/orders/1' }))).action).toBe('continue');
  });

  // Mixed case and a trailing slash: the limiter's canonical key is 'GET|/api/items', and
  // events document `endpoint` as the canonical `METHOD|/path`.
  const odd = () => info({ path: '/API/Items/' });

  it('a checked request is named by the canonical key', () => {
    const { http } = make({ policies: LIMIT_10 });
    expect(now(http.decide(odd())).endpoint).toBe(ITEMS);
  });

  it('a blocked IP: the same canonical key in the decision and the ip_blocked event', async () => {
    const { http, flushed } = make({ policies: LIMIT_10, ipBlocklist: [IP] });
    const d = now(http.decide(odd()));
    const [event] = ofType(await flushed(), 'ip_blocked');
    expect({ decision: d.endpoint, event: event!.endpoint }).toEqual({ decision: ITEMS, event: ITEMS });
  });

  it('a failed identifyUser: the same canonical key in the 503 decision and the callback_error event', async () => {
    const { http, flushed } = make({ policies: LIMIT_10, onStoreError: 'block', identifyUser: failures[0]![1] });
    const d = now(http.decide(odd()));
    const [event] = callbackErrors(await flushed());
    expect({ decision: d.endpoint, event: event!.endpoint }).toEqual({ decision: ITEMS, event: ITEMS });
  });
});
