// HttpLimiter.decide: synchronous with the memory store and synchronous callbacks, a promise otherwise, and the same answers either way.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { manualClock, type ManualClock } from '../clock.js';
import type { LimitRateEvent } from '../events/types.js';
import { MemoryStore } from '../stores/memory.js';
import type { Store } from '../stores/types.js';
import { HttpLimiter, type HttpDecision, type HttpRequestInfo } from './engine.js';
import type { HttpLimiterOptions } from './options.js';

interface FakeReq {
  user?: string;
  plan?: string;
  tokens?: number;
  skip?: boolean;
}
interface FakeRes {
  tokens?: number;
}
type Options = HttpLimiterOptions<FakeReq, FakeRes>;

const T0 = Date.UTC(2026, 0, 1);
const CHAT = 'POST|/api/chat';

function info(over: Partial<HttpRequestInfo<FakeReq>> = {}): HttpRequestInfo<FakeReq> {
  return { method: 'GET', path: '/api/items', remoteAddress: '203.0.113.7', raw: {}, ...over };
}

/** A store that answers like the memory store, through a promise (as a remote store does). */
function asyncStore(clock: ManualClock): Store {
  const inner = new MemoryStore({ clock, cleanupIntervalMs: 0 });
  return {
    name: 'async-memory',
    consume: (limits, options) => Promise.resolve(inner.consume(limits, options)),
    reset: (selector) => Promise.resolve(inner.reset(selector)),
    close: () => inner.close(),
  };
}

const POLICIES: Options['policies'] = {
  free: {
    endpoints: {
      [CHAT]: { rate: { maxPerMinute: 2, maxTokensPerMinute: 500 } },
      'GET|/users/:id': { rate: { maxPerMinute: 1, actionOnExceed: 'slowdown', slowdownMs: 300 } },
      'GET|/health': {},
      'DELETE|/users/:id': { rate: { maxPerMinute: 1, actionOnExceed: 'allow-and-log' } },
    },
    defaults: { rate: { maxPerMinute: 3 } },
  },
  pro: { rate: { maxPerMinute: 6, maxTokensPerMinute: 2000 } },
};

describe('decide() stays synchronous', () => {
  it('with no callbacks and the default memory store: a plain decision, not a promise', () => {
    const http = new HttpLimiter<FakeReq, FakeRes>({ clock: manualClock(T0), policies: POLICIES });
    const d = http.decide(info());
    expect(d).not.toBeInstanceOf(Promise);
    expect((d as HttpDecision<FakeRes>).action).toBe('continue');
  });

  it('with an explicit MemoryStore instance', () => {
    const clock = manualClock(T0);
    const http = new HttpLimiter<FakeReq, FakeRes>({ clock, store: new MemoryStore({ clock, cleanupIntervalMs: 0 }), policies: POLICIES });
    expect(http.decide(info())).not.toBeInstanceOf(Promise);
  });

  it('with every callback synchronous, for every kind of answer', () => {
    const http = new HttpLimiter<FakeReq, FakeRes>({
      clock: manualClock(T0),
      policies: POLICIES,
      skip: (req) => req.skip === true,
      identifyUser: (req) => req.user ?? 'anon',
      identifyPlan: (req) => req.plan ?? 'free',
      identifyTokenUsage: (req) => req.tokens,
      extractTokenUsage: (res) => res.tokens,
      priority: () => 1,
      upgradeHint: (plan) => `Upgrade from ${plan}`,
      skipFailedRequests: true,
      ipAllowlist: ['198.51.100.0/24'],
      ipBlocklist: ['192.0.2.0/24'],
    });
    const answers: Array<HttpDecision<FakeRes> | Promise<HttpDecision<FakeRes>>> = [
      http.decide(info({ raw: { skip: true } })), // skipped
      http.decide(info({ remoteAddress: '192.0.2.9' })), // blocked IP
      http.decide(info({ remoteAddress: '198.51.100.9' })), // allowlisted
      http.decide(info({ method: 'POST', path: '/api/chat', raw: { user: 'u', tokens: 10 } })), // allowed, with tokens
    ];
    for (let i = 0; i < 4; i++) answers.push(http.decide(info({ method: 'POST', path: '/api/chat', raw: { user: 'u', tokens: 10 } }))); // then refused
    answers.push(http.decide(info({ path: '/users/1', raw: { user: 'u' } })));
    for (const a of answers) expect(a).not.toBeInstanceOf(Promise);
    const actions = answers.map((a) => (a as HttpDecision<FakeRes>).action);
    expect(actions).toEqual(['continue', 'refuse', 'continue', 'continue', 'continue', 'refuse', 'refuse', 'refuse', 'continue']);
  });

  it('when a synchronous callback fails (throws or returns the wrong type)', () => {
    const http = new HttpLimiter<FakeReq, FakeRes>({
      clock: manualClock(T0),
      policies: POLICIES,
      skip: () => {
        throw new Error('skip broke');
      },
      identifyUser: () => 42 as unknown as string,
      identifyPlan: () => {
        throw new Error('plan broke');
      },
      identifyTokenUsage: () => -1,
    });
    expect(http.decide(info())).not.toBeInstanceOf(Promise);
  });

  it('when identifyUser fails under onStoreError block (the 503 is synchronous too)', () => {
    const http = new HttpLimiter<FakeReq, FakeRes>({
      clock: manualClock(T0),
      policies: POLICIES,
      onStoreError: 'block',
      identifyUser: () => {
        throw new Error('no session');
      },
    });
    const d = http.decide(info());
    expect(d).not.toBeInstanceOf(Promise);
    expect((d as HttpDecision<FakeRes>).status).toBe(503);
  });

  it('with a concurrency rule that has a free slot, or refuses without queueing', () => {
    const http = new HttpLimiter<FakeReq, FakeRes>({
      clock: manualClock(T0),
      policies: { free: { endpoints: { [CHAT]: { rate: { maxPerMinute: 100 }, concurrency: { max: 1, actionOnExceed: 'block' } } } } },
    });
    const first = http.decide(info({ method: 'POST', path: '/api/chat' }));
    const second = http.decide(info({ method: 'POST', path: '/api/chat' }));
    expect(first).not.toBeInstanceOf(Promise);
    expect(second).not.toBeInstanceOf(Promise);
    expect((second as HttpDecision<FakeRes>).status).toBe(429);
  });
});

describe('decide() returns a promise when something waits', () => {
  const cases: Array<[string, Partial<Options>]> = [
    ['an asynchronous skip', { skip: async () => false }],
    ['an asynchronous identifyUser', { identifyUser: async () => 'u1' }],
    ['an asynchronous identifyPlan', { identifyPlan: async () => 'free' }],
    ['an asynchronous identifyTokenUsage', { identifyTokenUsage: async () => 5 }],
    ['an asynchronous getUserOverride', { getUserOverride: async () => null }],
  ];

  it.each(cases)('%s', async (_label, extra) => {
    const http = new HttpLimiter<FakeReq, FakeRes>({ clock: manualClock(T0), policies: POLICIES, ...extra });
    const d = http.decide(info({ method: 'POST', path: '/api/chat' }));
    expect(d).toBeInstanceOf(Promise);
    expect((await d).action).toBe('continue');
  });

  it('an asynchronous store', async () => {
    const clock = manualClock(T0);
    const http = new HttpLimiter<FakeReq, FakeRes>({ clock, store: asyncStore(clock), policies: POLICIES });
    const d = http.decide(info());
    expect(d).toBeInstanceOf(Promise);
    expect((await d).action).toBe('continue');
  });

  it('an asynchronous skip that skips', async () => {
    const http = new HttpLimiter<FakeReq, FakeRes>({ clock: manualClock(T0), policies: POLICIES, skip: async () => true });
    const d = http.decide(info());
    expect(d).toBeInstanceOf(Promise);
    expect(await d).toMatchObject({ action: 'continue', headers: [], result: undefined });
  });

  it('a waiting slot of a queueing concurrency rule', async () => {
    const http = new HttpLimiter<FakeReq, FakeRes>({
      clock: manualClock(T0),
      policies: { free: { endpoints: { [CHAT]: { rate: { maxPerMinute: 100 }, concurrency: { max: 1 } } } } },
    });
    const first = http.decide(info({ method: 'POST', path: '/api/chat' })) as HttpDecision<FakeRes>;
    const second = http.decide(info({ method: 'POST', path: '/api/chat' }));
    expect(second).toBeInstanceOf(Promise);
    first.done!({ statusCode: 200, completed: true, res: {} });
    expect((await second).action).toBe('continue');
  });
});

// ---------------------------------------------------------------------------------------
// Differential: the same traffic through a synchronous configuration, one whose callbacks
// answer through promises, and one whose store does, gives the same decisions.

interface Step {
  user: string;
  plan: string;
  method: string;
  path: string;
  route: string | undefined;
  ip: string;
  tokens: number | undefined;
  advanceMs: number;
  statusCode: number;
  completed: boolean;
  responseTokens: number | undefined;
  skip: boolean;
}

const target = fc.constantFrom<[string, string, string | undefined]>(
  ['POST', '/api/chat', undefined],
  ['POST', '/api/chat', undefined],
  ['post', '/api/chat/', undefined],
  ['GET', '/users/1', undefined],
  ['get', '/users/2', undefined],
  ['GET', '/users/me', undefined],
  ['GET', '/users/9', '/users/:id'],
  ['DELETE', '/users/7', undefined],
  ['delete', '/users/8', undefined],
  ['GET', '/api/items', undefined],
  ['GET', '/api/items?page=2', undefined],
  ['GET', '/health', undefined],
);

const step: fc.Arbitrary<Step> = fc.record({
  user: fc.constantFrom('alice', 'alice', 'bob'),
  plan: fc.constantFrom('free', 'free', 'free', 'pro', 'enterprise'),
  target,
  ip: fc.constantFrom('203.0.113.7', '203.0.113.7', '203.0.113.7', '2001:db8:1:100::1', '2001:db8:1:1ff::2', '192.0.2.5', '198.51.100.1'),
  tokens: fc.option(fc.integer({ min: 0, max: 400 }), { nil: undefined }),
  advanceMs: fc.constantFrom(0, 0, 0, 0, 0, 0, 0, 0, 1000, 15_000, 61_000),
  statusCode: fc.constantFrom(200, 200, 200, 200, 404, 500),
  completed: fc.constantFrom(true, true, true, true, false),
  responseTokens: fc.option(fc.integer({ min: 0, max: 600 }), { nil: undefined }),
  skip: fc.constantFrom(false, false, false, true),
}).map(({ target: [method, path, route], ...rest }) => ({ ...rest, method, path, route }));

type Variant = 'sync' | 'async-callbacks' | 'async-store';

function build(variant: Variant) {
  const clock = manualClock(T0);
  const events: LimitRateEvent[] = [];
  const wrap = <T>(value: T): T | Promise<T> => (variant === 'async-callbacks' ? Promise.resolve(value) : value);
  const options: Options = {
    clock,
    policies: POLICIES,
    onEvent: (e) => void events.push(e),
    skip: (req) => wrap(req.skip === true),
    identifyUser: (req) => wrap(req.user ?? 'anon'),
    identifyPlan: (req) => wrap(req.plan ?? 'free'),
    identifyTokenUsage: (req) => wrap(req.tokens),
    extractTokenUsage: (res) => wrap(res.tokens),
    skipFailedRequests: true,
    ipBlocklist: ['192.0.2.0/24'],
    ipAllowlist: ['198.51.100.0/24'],
    headers: 'both',
  };
  if (variant === 'async-store') options.store = asyncStore(clock);
  return { http: new HttpLimiter<FakeReq, FakeRes>(options), clock, events };
}

const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** What an adapter would act on (the decision without its `done` function). */
function visible(d: HttpDecision<FakeRes>) {
  const { done, result, ...rest } = d;
  const r = result === undefined ? undefined : { ...result, error: result.error?.code };
  return { ...rest, result: r, hasDone: done !== undefined };
}

function describeEvent(e: LimitRateEvent): unknown {
  return 'error' in e && typeof e.error === 'object' ? { ...e, error: e.error.code } : e;
}

describe('decide(): the same answers synchronously and asynchronously', () => {
  it('sync, async callbacks and an async store agree on every decision, event and count', async () => {
    const observed = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 40, size: 'medium' }), async (steps) => {
        const variants = (['sync', 'async-callbacks', 'async-store'] as const).map(build);
        const seen: unknown[][] = variants.map(() => []);
        for (const s of steps) {
          for (let v = 0; v < variants.length; v++) {
            const { http, clock } = variants[v]!;
            clock.advance(s.advanceMs);
            const answer = http.decide({ method: s.method, path: s.path, route: s.route, remoteAddress: s.ip, raw: { user: s.user, plan: s.plan, tokens: s.tokens, skip: s.skip } });
            if (v === 0) expect(answer).not.toBeInstanceOf(Promise);
            const d = await answer;
            seen[v]!.push(visible(d));
            observed.add(d.action === 'refuse' ? String(d.status) : d.delayMs > 0 ? 'delayed' : d.result === undefined ? 'passed' : (d.result.action ?? 'allow'));
            d.done?.({ statusCode: s.statusCode, completed: s.completed, res: { tokens: s.responseTokens } });
          }
          await settle();
        }
        expect(seen[1]).toEqual(seen[0]);
        expect(seen[2]).toEqual(seen[0]);
        const finalUsage = await Promise.all(
          variants.map(async ({ http }) => {
            const out: unknown[] = [];
            for (const user of ['alice', 'bob', 'carol']) {
              for (const plan of ['free', 'pro']) {
                for (const endpoint of [CHAT, 'GET|/users/:id', 'GET|/api/items']) {
                  const r = await http.limiter.peek({ userId: user, plan, endpoint });
                  out.push(r.limits.map((l) => [l.id, l.used]));
                }
              }
            }
            return out;
          }),
        );
        expect(finalUsage[1]).toEqual(finalUsage[0]);
        expect(finalUsage[2]).toEqual(finalUsage[0]);
        const logs = await Promise.all(
          variants.map(async ({ http, events }) => {
            await http.events.flush();
            return events.map(describeEvent);
          }),
        );
        expect(logs[1]).toEqual(logs[0]);
        expect(logs[2]).toEqual(logs[0]);
        await Promise.all(variants.map(({ http }) => http.close()));
      }),
      { numRuns: 40 },
    );
    // The traffic reached every kind of answer.
    for (const kind of ['403', '429', 'delayed', 'passed', 'allow', 'allow-and-log']) expect(observed).toContain(kind);
  });
});
