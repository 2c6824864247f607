// In-flight limits through HttpLimiter: endpoint `concurrency` rules, refusals, the queue, slots per plan and policy, releasing, dryRun.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ConcurrencyRule } from '../policy/types.js';
import type { Store } from '../stores/types.js';
import type { HttpDecision, HttpRequestInfo } from './engine.js';
import { CHAT, IP, makeHttp, now, ofType, settle as tick, type Answer, type FakeReq, type FakeRes, type Options } from './__tests__/harness.js';

afterEach(() => {
  vi.useRealTimers();
});

const make = (options: Options) => makeHttp({ identifyUser: (req) => req.user ?? 'anon', identifyPlan: (req) => req.plan ?? 'free', ...options });

/** Policies with a concurrency rule on POST /api/chat for `free` (and `pro`, with its own gate). */
function chatPolicies(concurrency: ConcurrencyRule, rate = { maxPerMinute: 1000 }): Options['policies'] {
  return {
    free: { endpoints: { [CHAT]: { rate, concurrency } }, defaults: { rate: { maxPerMinute: 1000 } } },
    pro: { endpoints: { [CHAT]: { rate, concurrency } }, defaults: { rate: { maxPerMinute: 1000 } } },
  };
}

function chat(raw: FakeReq = {}): HttpRequestInfo<FakeReq> {
  return { method: 'POST', path: '/api/chat', remoteAddress: IP, raw };
}

function waiting(d: Answer): Promise<HttpDecision<FakeRes>> {
  expect(d, 'a queued decision').toBeInstanceOf(Promise);
  return d as Promise<HttpDecision<FakeRes>>;
}

const finish = (d: HttpDecision<FakeRes>, statusCode = 200, completed = true) => d.done!({ statusCode, completed, res: {} });

describe("actionOnExceed 'block'", () => {
  it('admits max requests at once and refuses the next with 429, Retry-After 1 and an event', async () => {
    const { http, flushed } = make({ policies: chatPolicies({ max: 2, actionOnExceed: 'block' }) });
    const a = now(http.decide(chat()));
    const b = now(http.decide(chat()));
    expect([a.action, b.action]).toEqual(['continue', 'continue']);
    const c = now(http.decide(chat()));
    expect(c).toMatchObject({ action: 'refuse', status: 429, contentType: 'application/json', headers: [['Retry-After', '1']], result: undefined, done: undefined, plan: 'free', endpoint: CHAT, user: 'anon' });
    expect(c.body).toEqual({ ok: false, reason: 'rate_limited', message: expect.stringContaining('at most 2 at once'), retry_after_seconds: 1, used: 2, allowed: 2, plan: 'free', endpoint: CHAT });
    expect(ofType(await flushed(), 'rate_exceeded')).toEqual([
      expect.objectContaining({ limit: 'concurrency', window: 'in-flight', value: 3, threshold: 2, action: 'block', dryRun: false, retryAfterSeconds: 1, endpoint: CHAT }),
    ]);
  });

  it('a finished request frees its slot', () => {
    const { http } = make({ policies: chatPolicies({ max: 1, actionOnExceed: 'block' }) });
    const a = now(http.decide(chat()));
    expect(now(http.decide(chat())).status).toBe(429);
    finish(a);
    expect(now(http.decide(chat())).action).toBe('continue');
  });

  it.each([
    ['a failed response', 500, true],
    ['a closed connection', 200, false],
  ] as const)('%s frees its slot too', (_label, statusCode, completed) => {
    const { http } = make({ policies: chatPolicies({ max: 1, actionOnExceed: 'block' }) });
    finish(now(http.decide(chat())), statusCode, completed);
    expect(now(http.decide(chat())).action).toBe('continue');
  });

  it('done twice releases one slot, not another request’s', () => {
    const { http } = make({ policies: chatPolicies({ max: 2, actionOnExceed: 'block' }) });
    const a = now(http.decide(chat()));
    now(http.decide(chat()));
    finish(a);
    finish(a);
    expect(now(http.decide(chat())).action).toBe('continue');
    expect(now(http.decide(chat())).status).toBe(429);
  });

  it('a refusal for concurrency counts nothing against the rate limits', async () => {
    const { http } = make({ policies: chatPolicies({ max: 1, actionOnExceed: 'block' }) });
    now(http.decide(chat()));
    for (let i = 0; i < 3; i++) now(http.decide(chat()));
    expect((await http.limiter.peek({ userId: 'anon', endpoint: CHAT })).current).toBe(1);
  });

  it('names the endpoint canonically in the refusal and its event, as the check does', async () => {
    const { http, flushed } = make({ policies: chatPolicies({ max: 1, actionOnExceed: 'block' }) });
    const odd: HttpRequestInfo<FakeReq> = { ...chat(), path: '/API/Chat/' };
    expect(now(http.decide(odd)).endpoint).toBe(CHAT);
    const refused = now(http.decide(odd));
    const [event] = ofType(await flushed(), 'rate_exceeded');
    expect({ decision: refused.endpoint, body: refused.body!.endpoint, event: event!.endpoint }).toEqual({ decision: CHAT, body: CHAT, event: CHAT });
  });

  it('problem details for the 429 when asked', () => {
    const { http } = make({ policies: chatPolicies({ max: 1, actionOnExceed: 'block' }), problemDetails: true });
    now(http.decide(chat()));
    const d = now(http.decide(chat()));
    expect(d.contentType).toBe('application/problem+json');
    expect(d.body).toMatchObject({
      type: 'https://iana.org/assignments/http-problem-types#quota-exceeded',
      status: 429,
      title: 'Quota Exceeded',
      reason: 'rate_limited',
      retry_after_seconds: 1,
      limit: 1,
      remaining: 0,
    });
  });

  it('carries the upgrade hint of the plan, like other 429s', () => {
    const { http } = make({ policies: chatPolicies({ max: 1, actionOnExceed: 'block' }), upgradeHint: (plan) => (plan === 'free' ? 'Go pro' : null) });
    now(http.decide(chat()));
    expect(now(http.decide(chat())).body).toMatchObject({ upgrade_hint: 'Go pro', plan: 'free', endpoint: CHAT });
    now(http.decide(chat({ plan: 'pro' })));
    expect(now(http.decide(chat({ plan: 'pro' }))).body).not.toHaveProperty('upgrade_hint');
  });

  it('says "1 request runs" for one slot and "N requests run" for more', async () => {
    vi.useFakeTimers();
    const one = make({ policies: chatPolicies({ max: 1, queueTimeout: 10 }) }).http;
    now(one.decide(chat()));
    const waited = waiting(one.decide(chat()));
    await vi.advanceTimersByTimeAsync(20);
    expect((await waited).body!.message).toBe('Waited too long for a free slot on POST /api/chat (1 request runs at once). Try again in 1 second.');
    const three = make({ policies: chatPolicies({ max: 3, actionOnExceed: 'block' }) }).http;
    for (let i = 0; i < 3; i++) now(three.decide(chat()));
    expect(now(three.decide(chat())).body!.message).toBe('Too many requests in progress on POST /api/chat (at most 3 at once). Try again in 1 second.');
  });
});

describe('the slot of a refused or failed check', () => {
  it('a request refused by the rate limit releases its slot at once', () => {
    const { http } = make({ policies: chatPolicies({ max: 1, actionOnExceed: 'block' }, { maxPerMinute: 1 }) });
    finish(now(http.decide(chat({ user: 'a' }))));
    const refused = now(http.decide(chat({ user: 'a' })));
    expect(refused).toMatchObject({ status: 429, result: { reason: 'rate_limited' } });
    expect(refused.headers).toContainEqual(['Retry-After', '60']);
    // Had the refused request kept the slot, this one would be refused for concurrency.
    expect(now(http.decide(chat({ user: 'b' }))).action).toBe('continue');
  });

  it('a request refused because the store failed (onStoreError block) releases its slot', () => {
    const failing: Store = {
      name: 'down',
      consume() {
        throw new Error('ECONNREFUSED');
      },
      reset: () => 0,
    };
    const { http } = make({ policies: chatPolicies({ max: 1, actionOnExceed: 'block' }), store: failing, onStoreError: 'block' });
    expect(now(http.decide(chat())).status).toBe(503);
    expect(now(http.decide(chat())).status).toBe(503); // not 429: the slot was released
  });

  it('a request whose store call rejects releases its slot', async () => {
    const rejecting: Store = { name: 'flaky', consume: () => Promise.reject(new Error('timeout')), reset: () => 0 };
    const { http } = make({ policies: chatPolicies({ max: 1, actionOnExceed: 'block' }), store: rejecting, onStoreError: 'block' });
    expect((await http.decide(chat())).status).toBe(503);
    expect((await http.decide(chat())).status).toBe(503);
  });

  it('skipped, allowlisted and unidentified (fail-closed) requests take no slot', () => {
    const { http } = make({
      policies: chatPolicies({ max: 1, actionOnExceed: 'block' }),
      skip: (req) => req.user === 'skipped',
      ipAllowlist: ['198.51.100.0/24'],
      identifyUser: (req) => {
        if (req.user === 'broken') throw new Error('no session');
        return req.user ?? 'anon';
      },
      onStoreError: 'block',
    });
    now(http.decide(chat({ user: 'skipped' })));
    now(http.decide({ ...chat(), remoteAddress: '198.51.100.4' }));
    expect(now(http.decide(chat({ user: 'broken' }))).status).toBe(503);
    expect(now(http.decide(chat())).action).toBe('continue');
  });
});

describe("actionOnExceed 'queue' (the default)", () => {
  it('waits for a slot, which the finishing request hands over', async () => {
    const { http } = make({ policies: chatPolicies({ max: 1 }) });
    const a = now(http.decide(chat()));
    const b = waiting(http.decide(chat()));
    let settled = false;
    void b.then(() => {
      settled = true;
    });
    await tick();
    expect(settled).toBe(false);
    finish(a);
    const d = await b;
    expect(d).toMatchObject({ action: 'continue', result: { allowed: true } });
    // b holds the only slot now.
    const c = waiting(http.decide(chat()));
    finish(d);
    expect((await c).action).toBe('continue');
  });

  it('serves lower priority values first, in arrival order within a priority', async () => {
    const { http } = make({ policies: chatPolicies({ max: 1 }), priority: (req) => req.prio ?? 5 });
    let current = now(http.decide(chat()));
    const order: string[] = [];
    const byName = new Map<string, Promise<HttpDecision<FakeRes>>>();
    for (const [name, prio] of [['p5-a', 5], ['p1-a', 1], ['p9', 9], ['p1-b', 1], ['p5-b', 5], ['p0', 0]] as const) {
      byName.set(
        name,
        waiting(http.decide(chat({ prio, user: name }))).then((d) => {
          order.push(name);
          return d;
        }),
      );
    }
    for (let i = 0; i < byName.size; i++) {
      finish(current);
      await tick();
      expect(order).toHaveLength(i + 1);
      current = await byName.get(order[i]!)!;
      expect(current.action).toBe('continue');
    }
    finish(current);
    expect(order).toEqual(['p0', 'p1-a', 'p1-b', 'p5-a', 'p5-b', 'p9']);
  });

  it('a numeric priority option applies to every request; a throwing or non-numeric priority function means 5', async () => {
    for (const priority of [3, () => Number.NaN, () => 'high' as unknown as number, () => {
      throw new Error('x');
    }]) {
      const { http } = make({ policies: chatPolicies({ max: 1 }), priority });
      const a = now(http.decide(chat()));
      const b = waiting(http.decide(chat()));
      finish(a);
      expect((await b).action).toBe('continue');
    }
  });

  it('refuses at once once maxQueueSize requests wait', async () => {
    const { http, flushed } = make({ policies: chatPolicies({ max: 1, maxQueueSize: 1 }) });
    const a = now(http.decide(chat()));
    const b = waiting(http.decide(chat()));
    const c = now(http.decide(chat()));
    expect(c).toMatchObject({ action: 'refuse', status: 429, headers: [['Retry-After', '1']] });
    expect(String(c.body!.message)).toContain('Too many requests in progress');
    expect(ofType(await flushed(), 'rate_exceeded')).toEqual([expect.objectContaining({ limit: 'concurrency', value: 2, threshold: 1 })]);
    finish(a);
    finish(await b);
  });

  it('refuses a request that waited queueTimeout ms', async () => {
    vi.useFakeTimers();
    const { http } = make({ policies: chatPolicies({ max: 1, queueTimeout: 2000 }) });
    const a = now(http.decide(chat()));
    let settled: HttpDecision<FakeRes> | undefined;
    void waiting(http.decide(chat())).then((d) => {
      settled = d;
    });
    await vi.advanceTimersByTimeAsync(1999);
    expect(settled).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(settled).toMatchObject({ action: 'refuse', status: 429, headers: [['Retry-After', '1']], done: undefined });
    expect(String(settled!.body!.message)).toContain('Waited too long');
    // The timed-out request does not get the slot later.
    finish(a);
    expect(now(http.decide(chat())).action).toBe('continue');
  });

  it('a queued request that gets a slot is rate-checked then (and releases the slot if refused)', async () => {
    const { http } = make({ policies: chatPolicies({ max: 1 }, { maxPerMinute: 1 }) });
    const a = now(http.decide(chat({ user: 'a' })));
    const again = waiting(http.decide(chat({ user: 'a' })));
    finish(a);
    expect((await again).status).toBe(429);
    expect(now(http.decide(chat({ user: 'b' }))).action).toBe('continue');
  });
});

describe('which requests share slots', () => {
  it('one gate per plan: free and pro do not wait for each other', () => {
    const { http } = make({ policies: chatPolicies({ max: 1, actionOnExceed: 'block' }) });
    now(http.decide(chat({ plan: 'free' })));
    expect(now(http.decide(chat({ plan: 'pro' }))).action).toBe('continue');
    expect(now(http.decide(chat({ plan: 'free' }))).status).toBe(429);
    expect(now(http.decide(chat({ plan: 'pro' }))).status).toBe(429);
  });

  it('one gate per endpoint policy, shared by every user and every path it matches', () => {
    const { http } = make({ policies: { free: { endpoints: { 'GET|/reports/:id': { concurrency: { max: 1, actionOnExceed: 'block' } } } } } });
    const get = (path: string, user: string): HttpRequestInfo<FakeReq> => ({ method: 'GET', path, remoteAddress: IP, raw: { user } });
    now(http.decide(get('/reports/1', 'a')));
    expect(now(http.decide(get('/reports/2', 'b'))).status).toBe(429);
    expect(now(http.decide(get('/reports/latest', 'c'))).status).toBe(429);
  });

  it('plan defaults: one gate per endpoint', () => {
    const { http } = make({ policies: { free: { defaults: { rate: { maxPerMinute: 100 }, concurrency: { max: 1, actionOnExceed: 'block' } } } } });
    const get = (path: string): HttpRequestInfo<FakeReq> => ({ method: 'GET', path, remoteAddress: IP, raw: {} });
    const a = now(http.decide(get('/a')));
    expect(now(http.decide(get('/b'))).action).toBe('continue');
    expect(now(http.decide(get('/a'))).status).toBe(429);
    expect(now(http.decide({ ...get('/a'), method: 'POST' })).action).toBe('continue');
    finish(a);
    expect(now(http.decide(get('/a'))).action).toBe('continue');
  });

  it('endpoints without a rule are not limited in flight', () => {
    const { http } = make({ policies: chatPolicies({ max: 1, actionOnExceed: 'block' }) });
    now(http.decide(chat()));
    for (let i = 0; i < 3; i++) expect(now(http.decide({ method: 'GET', path: '/api/items', remoteAddress: IP, raw: {} })).action).toBe('continue');
  });

  it('an unknown plan uses the default plan’s gate', () => {
    const { http } = make({ policies: chatPolicies({ max: 1, actionOnExceed: 'block' }) });
    now(http.decide(chat({ plan: 'platinum' })));
    expect(now(http.decide(chat({ plan: 'free' }))).status).toBe(429);
  });
});

describe('dryRun', () => {
  it('never refuses for concurrency, and reports what would have happened', async () => {
    const { http, flushed } = make({ policies: chatPolicies({ max: 1, actionOnExceed: 'block' }), dryRun: true });
    const a = now(http.decide(chat()));
    const b = now(http.decide(chat()));
    const c = now(http.decide(chat()));
    expect([a.action, b.action, c.action]).toEqual(['continue', 'continue', 'continue']);
    expect(ofType(await flushed(), 'rate_exceeded')).toEqual([
      expect.objectContaining({ limit: 'concurrency', dryRun: true, value: 2 }),
      expect.objectContaining({ limit: 'concurrency', dryRun: true, value: 2 }),
    ]);
    // Finishing the requests let through over the limit does not free the real slot twice.
    finish(b);
    finish(c);
    expect(ofType(await flushed(), 'rate_exceeded')).toHaveLength(2);
    now(http.decide(chat()));
    expect(ofType(await flushed(), 'rate_exceeded')).toHaveLength(3);
    finish(a);
  });

  it('never refuses when the queue is full', () => {
    const { http } = make({ policies: chatPolicies({ max: 1, maxQueueSize: 0 }), dryRun: true });
    now(http.decide(chat()));
    expect(now(http.decide(chat())).action).toBe('continue');
  });

  it('does not hold a request in the queue (dryRun blocks and slows nothing)', async () => {
    const { http } = make({ policies: chatPolicies({ max: 1 }), dryRun: true });
    const a = now(http.decide(chat()));
    const b = http.decide(chat());
    const first = await Promise.race([Promise.resolve(b), tick().then(() => 'still waiting' as const)]);
    expect(first === 'still waiting' ? first : first.action).toBe('continue');
    finish(a);
    await b;
  });
});

describe('a client that goes away while queued', () => {
  it('leaves the queue at once: it never takes a slot, and the next in line gets it', async () => {
    const { http, flushed } = make({ policies: chatPolicies({ max: 1 }) });
    const a = now(http.decide(chat({ user: 'a' })));
    const controller = new AbortController();
    const b = waiting(http.decide({ ...chat({ user: 'b' }), signal: controller.signal }));
    const c = waiting(http.decide(chat({ user: 'c' })));
    expect(Object.values(http.gates.snapshot())).toEqual([{ inFlight: 1, queued: 2 }]);
    controller.abort();
    const gone = await b;
    expect(gone).toMatchObject({ action: 'refuse', status: 429, done: undefined });
    expect(gone.body!.message).toBe('The request was cancelled while it waited for a free slot on POST /api/chat.');
    expect(Object.values(http.gates.snapshot())).toEqual([{ inFlight: 1, queued: 1 }]);
    finish(a);
    const next = await c;
    expect(next.action).toBe('continue');
    expect(next.user).toBe('c');
    finish(next);
    expect(http.gates.snapshot()).toEqual({});
    // Nothing was exceeded: no event for the cancelled request.
    expect(ofType(await flushed(), 'rate_exceeded')).toEqual([]);
  });

  it('is refused at once when its signal was aborted before it had to wait', () => {
    const { http } = make({ policies: chatPolicies({ max: 1 }) });
    now(http.decide(chat()));
    const controller = new AbortController();
    controller.abort();
    expect(now(http.decide({ ...chat(), signal: controller.signal }))).toMatchObject({ action: 'refuse', status: 429 });
    expect(Object.values(http.gates.snapshot())).toEqual([{ inFlight: 1, queued: 0 }]);
  });

  it('an aborted signal changes nothing for a request that already has its slot', () => {
    const { http } = make({ policies: chatPolicies({ max: 1 }) });
    const controller = new AbortController();
    const a = now(http.decide({ ...chat(), signal: controller.signal }));
    controller.abort();
    expect(Object.values(http.gates.snapshot())).toEqual([{ inFlight: 1, queued: 0 }]);
    finish(a);
    expect(http.gates.snapshot()).toEqual({});
  });

  it('hasInFlightLimits says whether a signal is worth passing', () => {
    expect(make({ policies: chatPolicies({ max: 1 }) }).http.hasInFlightLimits).toBe(true);
    expect(make({ policies: { free: { rate: { maxPerMinute: 1 } } } }).http.hasInFlightLimits).toBe(false);
  });
});
