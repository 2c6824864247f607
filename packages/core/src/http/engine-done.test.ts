// HttpDecision.done: giving requests back (skipSuccessfulRequests / skipFailedRequests), reconciling tokens (extractTokenUsage), once only.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { HttpOutcome } from './engine.js';
import { IP, ITEMS, callbackErrors, info, makeHttp, now, settle, type FakeRes, type Options } from './__tests__/harness.js';

afterEach(() => {
  vi.useRealTimers();
});

function make(options: Options) {
  const made = makeHttp(options);
  /** Usage of one limit (`rate:1m`, `tokens:1m`) of a user on an endpoint. */
  const used = async (id = 'rate:1m', userId = IP, endpoint = ITEMS) => (await made.http.limiter.peek({ userId, endpoint })).limits.find((l) => l.id === id)?.used;
  return { ...made, used };
}

const outcome = (statusCode: number, completed = true, res: FakeRes = {}): HttpOutcome<FakeRes> => ({ statusCode, completed, res });

const LIMIT_2 = { free: { rate: { maxPerMinute: 2 } } };
const TOKENS = { free: { rate: { maxPerMinute: 100, maxTokensPerMinute: 1000 } } };

describe('when done is given', () => {
  it('not when nothing happens after the response', () => {
    const { http } = make({ policies: LIMIT_2 });
    expect(http.needsAfterResponse).toBe(false);
    expect(now(http.decide(info())).done).toBeUndefined();
  });

  const ONE = { free: { rate: { maxPerMinute: 1, maxTokensPerMinute: 1000 } } };
  it.each<[string, Options]>([
    ['skipSuccessfulRequests', { policies: ONE, skipSuccessfulRequests: true }],
    ['skipFailedRequests', { policies: ONE, skipFailedRequests: true }],
    ['extractTokenUsage', { policies: ONE, extractTokenUsage: () => 1 }],
    ['a concurrency rule (on any endpoint)', { policies: { free: { ...ONE.free, endpoints: { 'POST|/x': { concurrency: { max: 1 } } } } } }],
  ])('with %s, on continue decisions only', (_label, options) => {
    const { http } = make(options);
    // Adapters add their after-response hook only when this says so.
    expect(http.needsAfterResponse).toBe(true);
    const first = now(http.decide(info()));
    expect(first.done).toEqual(expect.any(Function));
    const refused = now(http.decide(info()));
    expect(refused.action).toBe('refuse');
    expect(refused.done).toBeUndefined();
  });
});

describe('skipSuccessfulRequests', () => {
  it.each<[string, HttpOutcome<FakeRes>, number]>([
    ['200', outcome(200), 0],
    ['204', outcome(204), 0],
    ['302', outcome(302), 0],
    ['399', outcome(399), 0],
    ['400', outcome(400), 1],
    ['404', outcome(404), 1],
    ['500', outcome(500), 1],
    ['200 on a connection closed early (a failure)', outcome(200, false), 1],
  ])('%s: the request counts %i', async (_label, out, count) => {
    const { http, used } = make({ policies: LIMIT_2, skipSuccessfulRequests: true });
    const d = now(http.decide(info()));
    expect(await used()).toBe(1);
    d.done!(out);
    await settle();
    expect(await used()).toBe(count);
  });

  it('lets successful requests through however many there are', async () => {
    const { http } = make({ policies: LIMIT_2, skipSuccessfulRequests: true });
    for (let i = 0; i < 10; i++) {
      const d = now(http.decide(info()));
      expect(d.action).toBe('continue');
      d.done!(outcome(200));
      await settle();
    }
  });
});

describe('skipFailedRequests', () => {
  it.each<[string, HttpOutcome<FakeRes>, number]>([
    ['200', outcome(200), 1],
    ['399', outcome(399), 1],
    ['400', outcome(400), 0],
    ['404', outcome(404), 0],
    ['500', outcome(500), 0],
    ['503', outcome(503), 0],
    ['200 on a connection closed early', outcome(200, false), 0],
  ])('%s: the request counts %i', async (_label, out, count) => {
    const { http, used } = make({ policies: LIMIT_2, skipFailedRequests: true });
    const d = now(http.decide(info()));
    d.done!(out);
    await settle();
    expect(await used()).toBe(count);
  });

  it('both options together: nothing counts', async () => {
    const { http, used } = make({ policies: LIMIT_2, skipFailedRequests: true, skipSuccessfulRequests: true });
    for (const out of [outcome(200), outcome(500), outcome(200, false)]) {
      now(http.decide(info())).done!(out);
      await settle();
    }
    expect(await used()).toBe(0);
  });

  it('gives back a request of the window it was counted in, not of a later one', async () => {
    const { http, clock, used } = make({ policies: LIMIT_2, skipFailedRequests: true });
    const d = now(http.decide(info()));
    clock.advance(60_000);
    now(http.decide(info()));
    d.done!(outcome(500));
    await settle();
    expect(await used()).toBe(1);
  });

  it('a slowed-down request given back frees its place', async () => {
    const { http, used } = make({ policies: { free: { rate: { maxPerMinute: 1, actionOnExceed: 'slowdown', slowdownMs: 100 } } }, skipFailedRequests: true });
    now(http.decide(info())).done!(outcome(200));
    const slowed = now(http.decide(info()));
    expect(slowed.delayMs).toBe(100);
    slowed.done!(outcome(500));
    await settle();
    expect(await used()).toBe(1);
    expect(now(http.decide(info())).delayMs).toBe(100);
  });
});

describe('extractTokenUsage', () => {
  const setup = (extractTokenUsage: NonNullable<Options['extractTokenUsage']>, extra: Partial<Options> = {}) =>
    make({ policies: TOKENS, identifyTokenUsage: (req) => req.tokens, extractTokenUsage, ...extra });

  it('charges more when the response used more than estimated', async () => {
    const { http, used, flushed } = setup((res) => res.tokens);
    const d = now(http.decide(info({ raw: { tokens: 100 } })));
    expect(await used('tokens:1m')).toBe(100);
    d.done!(outcome(200, true, { tokens: 350 }));
    await settle();
    expect(await used('tokens:1m')).toBe(350);
    expect((await flushed()).filter((e) => e.type === 'usage_recorded')).toEqual([expect.objectContaining({ tokens: 250 })]);
  });

  it('refunds when it used less', async () => {
    const { http, used } = setup((res) => res.tokens);
    now(http.decide(info({ raw: { tokens: 800 } }))).done!(outcome(200, true, { tokens: 120 }));
    await settle();
    expect(await used('tokens:1m')).toBe(120);
    expect(await used('rate:1m')).toBe(1);
  });

  it('charges the whole count when nothing was estimated', async () => {
    const { http, used } = make({ policies: TOKENS, extractTokenUsage: (res) => res.tokens });
    now(http.decide(info())).done!(outcome(200, true, { tokens: 600 }));
    await settle();
    expect(await used('tokens:1m')).toBe(600);
  });

  it('receives the framework response and request', async () => {
    const extract = vi.fn((res: FakeRes) => res.tokens);
    const { http } = setup(extract);
    const raw = { tokens: 1 };
    const res = { tokens: 2 };
    now(http.decide(info({ raw }))).done!(outcome(200, true, res));
    await settle();
    expect(extract).toHaveBeenCalledWith(res, raw);
  });

  it('may answer asynchronously', async () => {
    const { http, used } = setup(async (res) => res.tokens);
    now(http.decide(info({ raw: { tokens: 100 } }))).done!(outcome(200, true, { tokens: 500 }));
    await settle();
    await settle();
    expect(await used('tokens:1m')).toBe(500);
  });

  it('undefined and null keep the estimate', async () => {
    for (const value of [undefined, null]) {
      const { http, used, flushed } = setup(() => value as undefined);
      now(http.decide(info({ raw: { tokens: 100 } }))).done!(outcome(200));
      await settle();
      expect(await used('tokens:1m')).toBe(100);
      expect(callbackErrors(await flushed())).toEqual([]);
    }
  });

  it.each<[string, () => number | Promise<number>, string]>([
    [
      'throws',
      () => {
        throw new Error('no usage field');
      },
      'ERR_LIMITRATE_CALLBACK',
    ],
    ['rejects', () => Promise.reject(new Error('stream broke')), 'ERR_LIMITRATE_CALLBACK'],
    ['returns a negative count', () => -5, 'ERR_LIMITRATE_CALLBACK'],
    ['returns NaN', () => Number.NaN, 'ERR_LIMITRATE_CALLBACK'],
    ['returns a string', () => '300' as unknown as number, 'ERR_LIMITRATE_CALLBACK'],
  ])('that %s: a callback_error, and the estimate stays', async (_label, extract, code) => {
    const { http, used, flushed } = setup(extract);
    now(http.decide(info({ raw: { tokens: 100 } }))).done!(outcome(200));
    await settle();
    await settle();
    expect(await used('tokens:1m')).toBe(100);
    const errors = callbackErrors(await flushed());
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ callback: 'extractTokenUsage', fallback: 'kept the estimate', user: IP, plan: 'free', endpoint: ITEMS });
    expect(errors[0]!.error.code).toBe(code);
  });

  it('that takes longer than callbackTimeoutMs: a timeout callback_error, and the estimate stays', async () => {
    vi.useFakeTimers();
    const { http, used, flushed } = setup(() => new Promise<number>(() => undefined), { callbackTimeoutMs: 100 });
    now(http.decide(info({ raw: { tokens: 100 } }))).done!(outcome(200));
    await vi.advanceTimersByTimeAsync(100);
    vi.useRealTimers();
    await settle();
    expect(await used('tokens:1m')).toBe(100);
    expect(callbackErrors(await flushed())).toEqual([expect.objectContaining({ callback: 'extractTokenUsage', error: expect.objectContaining({ code: 'ERR_LIMITRATE_CALLBACK_TIMEOUT' }) })]);
  });

  it('with skipFailedRequests: a failed request is given back and its tokens reconciled', async () => {
    const { http, used } = setup((res) => res.tokens, { skipFailedRequests: true });
    now(http.decide(info({ raw: { tokens: 100 } }))).done!(outcome(500, true, { tokens: 40 }));
    await settle();
    expect(await used('rate:1m')).toBe(0);
    expect(await used('tokens:1m')).toBe(40);
  });

  it('with skipSuccessfulRequests and a failing extractor: the request is still given back', async () => {
    const { http, used } = setup(
      () => {
        throw new Error('x');
      },
      { skipSuccessfulRequests: true },
    );
    now(http.decide(info({ raw: { tokens: 100 } }))).done!(outcome(200));
    await settle();
    expect(await used('rate:1m')).toBe(0);
    expect(await used('tokens:1m')).toBe(100);
  });
});

describe('done called twice', () => {
  it('gives a request back only once', async () => {
    const { http, used } = make({ policies: LIMIT_2, skipFailedRequests: true });
    now(http.decide(info())).done!(outcome(200)); // kept
    const d = now(http.decide(info()));
    d.done!(outcome(500));
    d.done!(outcome(500));
    await settle();
    d.done!(outcome(500));
    await settle();
    expect(await used()).toBe(1);
  });

  it('the first outcome wins (a finish then a close)', async () => {
    const { http, used } = make({ policies: LIMIT_2, skipFailedRequests: true });
    const d = now(http.decide(info()));
    d.done!(outcome(200, true));
    d.done!(outcome(200, false));
    await settle();
    expect(await used()).toBe(1);
  });

  it('reconciles tokens only once, calling extractTokenUsage once', async () => {
    const extract = vi.fn((res: FakeRes) => res.tokens);
    const { http, used, flushed } = make({ policies: TOKENS, identifyTokenUsage: (req) => req.tokens, extractTokenUsage: extract });
    const d = now(http.decide(info({ raw: { tokens: 100 } })));
    d.done!(outcome(200, true, { tokens: 300 }));
    d.done!(outcome(200, true, { tokens: 900 }));
    await settle();
    expect(extract).toHaveBeenCalledTimes(1);
    expect(await used('tokens:1m')).toBe(300);
    expect((await flushed()).filter((e) => e.type === 'usage_recorded')).toHaveLength(1);
  });
});
