// The consume script's JavaScript port: random traces through a mock client's EVALSHA give
// exactly MemoryStore's answers (core's reference), on the injected-clock path and on the
// server-time path (TIME from the mock's clock); and Lua's number text.
import {
  decodeRedisBatchReply,
  decodeRedisReply,
  encodeRedisArgs,
  manualClock,
  MemoryStore,
  pushRedisDecision,
  REDIS_CONSUME_SCRIPT,
  REDIS_CONSUME_SHA,
  redisNowArg,
  type ConsumeMode,
  type ConsumeOptions,
  type ConsumeResult,
  type LimitSpec,
} from '@limitrate/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatG17, luaFormat, luaNumber } from './lua.js';
import { mockRedis, type MockRedis } from './mock-redis.js';

type Spec = Omit<LimitSpec, 'key' | 'cost'>;

/** One decision through the script, as RedisStore sends it (EVALSHA, EVAL after NOSCRIPT). */
async function evalConsume(redis: MockRedis, limits: readonly LimitSpec[], options: ConsumeOptions, now: number | undefined): Promise<ConsumeResult> {
  const keys = limits.map((l) => `p:${l.key}`);
  const args = [keys.length, ...keys, ...encodeRedisArgs(limits, options.mode ?? 'consume', now, options.at)];
  let reply: unknown;
  try {
    reply = await redis.call('EVALSHA', REDIS_CONSUME_SHA, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    reply = await redis.call('EVAL', REDIS_CONSUME_SCRIPT, ...args);
  }
  return decodeRedisReply(reply, limits);
}

const windowMs = fc.oneof(fc.constantFrom(100, 1000, 1500, 60_000), fc.integer({ min: 7, max: 5000 }));
const rate = fc.oneof(fc.constantFrom(0.1, 0.7, 1, 2.5, 33.3), fc.double({ min: 0.05, max: 50, noNaN: true }));
const small = fc.integer({ min: 1, max: 10 });
const soft = fc.boolean().map((b) => (b ? { soft: true } : {}));
const spec: fc.Arbitrary<Spec> = fc.oneof(
  fc.record({ algorithm: fc.constantFrom('fixed-window' as const, 'sliding-window' as const, 'sliding-log' as const), limit: small, windowMs }),
  fc
    .record({ capacity: small, refillRate: rate, initialTokens: fc.option(fc.integer({ min: 0, max: 12 }), { nil: undefined }) })
    .map(({ initialTokens, ...p }) => ({ algorithm: 'token-bucket' as const, ...p, ...(initialTokens === undefined ? {} : { initialTokens }) })),
  fc.record({ capacity: small, leakRate: rate }).map((p) => ({ algorithm: 'leaky-bucket' as const, ...p })),
  fc
    .record({ limit: small, windowMs, burst: fc.option(fc.integer({ min: 1, max: 12 }), { nil: undefined }) })
    .map(({ burst, ...p }) => ({ algorithm: 'gcra' as const, ...p, ...(burst === undefined ? {} : { burst }) })),
).chain((s) => soft.map((x) => ({ ...s, ...x }) as Spec));

const cost = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 4 }) }, { weight: 2, arbitrary: fc.integer({ min: -3, max: -1 }) }, { weight: 1, arbitrary: fc.constantFrom(0.5, 1.25, 11, -0.75) });
const step = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 400 }) },
  { weight: 2, arbitrary: fc.integer({ min: 400, max: 6000 }) },
  { weight: 1, arbitrary: fc.integer({ min: -60, max: -1 }) },
  { weight: 1, arbitrary: fc.constantFrom(59_999, 60_000, 120_001) },
);
const mode = fc.constantFrom<ConsumeMode>('consume', 'consume', 'consume', 'peek', 'force');

const trace = fc.array(spec, { minLength: 1, maxLength: 4 }).chain((limits) =>
  fc.record({
    start: fc.integer({ min: 0, max: 2_000_000_000_000 }),
    limits: fc.constant(limits),
    ops: fc.array(fc.record({ dt: step, mode, costs: fc.array(cost, { minLength: limits.length, maxLength: limits.length }), atBack: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }) }), {
      minLength: 1,
      maxLength: 30,
    }),
  }),
);

/** Runs per property (LIMITRATE_FC_RUNS multiplies them for a longer hunt). */
function runs(n: number): number {
  return n * Number(process.env.LIMITRATE_FC_RUNS ?? 1);
}

interface Trace {
  start: number;
  limits: Spec[];
  ops: { dt: number; mode: ConsumeMode; costs: number[]; atBack: number | undefined }[];
}

/** Runs a trace on MemoryStore and on the mock, the mock told the time (`injected`) or reading TIME. */
async function compare(t: Trace, injected: boolean) {
  const clock = manualClock(t.start);
  const memory = new MemoryStore({ clock, cleanupIntervalMs: 0 });
  // Told the time, the mock is a Redis on a clock of its own (keys live at least a minute of
  // it, as on a real server); reading TIME, it follows the test's clock and expires keys by it.
  const redis = injected ? mockRedis() : mockRedis({ clock });
  const times: number[] = [];
  for (const op of t.ops) {
    // The server-time path cannot go back in time (Redis's clock does not).
    clock.advance(injected ? op.dt : Math.abs(op.dt));
    if (!injected) {
      // Redis forgets a key once its expiry is past (a refilled token bucket then starts
      // again from initialTokens): drop those from the reference too.
      clock.advance(-1);
      memory.sweep();
      clock.advance(1);
    }
    const limits = t.limits.map((l, i) => ({ ...l, key: `k${i}`, cost: op.costs[i]! }) as LimitSpec);
    const at = op.atBack === undefined ? undefined : times[times.length - 1 - op.atBack];
    const options: ConsumeOptions = { mode: op.mode, ...(at === undefined ? {} : { at }) };
    times.push(clock.now());
    const expected = await memory.consume(limits, options);
    const actual = await evalConsume(redis, limits, options, injected ? clock.now() : undefined);
    expect(actual).toEqual(expected);
  }
  memory.close();
}

describe('the consume script in JavaScript', () => {
  it('decides exactly as MemoryStore with the time passed in ARGV (RedisStore with a clock)', async () => {
    await fc.assert(
      fc.asyncProperty(trace, (t) => compare(t, true)),
      { numRuns: runs(300) },
    );
  });

  it("decides exactly as MemoryStore reading the server's TIME (the mock's clock), keys expiring by PXAT", async () => {
    await fc.assert(
      fc.asyncProperty(trace, (t) => compare(t, false)),
      { numRuns: runs(300) },
    );
  });

  it('decides a batch (several decisions in one call) one after the other, each atomically', async () => {
    const clock = manualClock(1_700_000_000_000);
    const redis = mockRedis({ clock });
    const memory = new MemoryStore({ clock, cleanupIntervalMs: 0 });
    const l = (key: string, c = 1): LimitSpec => ({ key, algorithm: 'fixed-window', limit: 2, windowMs: 1000, cost: c });
    const decisions = [[l('a')], [l('a'), l('b')], [l('a'), l('b', 5)], [l('b')]];
    const argv = [redisNowArg(undefined)];
    const keys: string[] = [];
    for (const d of decisions) {
      pushRedisDecision(argv, d, 'consume', undefined);
      keys.push(...d.map((x) => x.key));
    }
    const reply = await redis.call('EVAL', REDIS_CONSUME_SCRIPT, keys.length, ...keys, ...argv);
    const results = decodeRedisBatchReply(reply, decisions.map((limits) => ({ limits })));
    const expected = [];
    for (const d of decisions) expected.push({ ...(await memory.consume(d)) });
    expect(results).toEqual(expected);
    expect(results.map((r) => r.allowed)).toEqual([true, true, false, true]);
  });

  it('stores the state text Redis stores, with the same expiry', async () => {
    const clock = manualClock(1_700_000_000_250);
    const redis = mockRedis({ clock });
    const l: LimitSpec = { key: 'k', algorithm: 'sliding-log', limit: 3, windowMs: 1000, cost: 1 };
    await evalConsume(redis, [l], {}, undefined);
    clock.advance(100);
    await evalConsume(redis, [{ ...l, cost: 2 }], {}, undefined);
    expect(redis.server.get('p:k')).toBe('3 1700000000250 1 1700000000350 2');
    expect(redis.server.pttl('p:k')).toBe(1000);
    // With the time in ARGV (an injected clock), a state lives at least a minute.
    await evalConsume(redis, [{ ...l, key: 'j' }], {}, clock.now());
    expect(redis.server.pttl('p:j')).toBe(60_000);
    clock.advance(1000);
    expect(redis.server.get('p:k')).toBe('3 1700000000250 1 1700000000350 2');
    clock.advance(1);
    expect(redis.server.get('p:k')).toBeUndefined();
  });

  it('refuses arguments Lua would fail on with an ERR reply', async () => {
    const redis = mockRedis();
    await expect(redis.call('EVAL', REDIS_CONSUME_SCRIPT, 0, '', 'consume', '', '1', '1', '5', '1000', '', '1', '0')).rejects.toThrow(/^ERR user_script: .*fewer KEYS/);
    await expect(redis.call('EVAL', REDIS_CONSUME_SCRIPT, 1, 'k', '', 'consume', '', 'x')).rejects.toThrow(/^ERR user_script: 'for' limit/);
    await expect(redis.call('EVAL', REDIS_CONSUME_SCRIPT, 1, 'k', '', 'consume', '', '1', '9', '5', '1000', '', '1', '0')).rejects.toThrow(/unknown algorithm tag/);
  });
});

describe("Lua's numbers", () => {
  it('reads numbers as tonumber does', () => {
    expect(luaNumber('')).toBeUndefined();
    expect(luaNumber(' 5 ')).toBe(5);
    expect(luaNumber('0x10')).toBe(16);
    expect(luaNumber('1e3')).toBe(1000);
    expect(luaNumber('.5')).toBe(0.5);
    expect(luaNumber('5.')).toBe(5);
    expect(Object.is(luaNumber('-0'), -0)).toBe(true);
    expect(luaNumber('Infinity')).toBe(Infinity);
    expect(luaNumber('-inf')).toBe(-Infinity);
    expect(luaNumber('nan')).toBeNaN();
    expect(luaNumber('0b11')).toBeUndefined();
    expect(luaNumber('1_000')).toBeUndefined();
    expect(luaNumber('abc')).toBeUndefined();
  });

  it("writes numbers as the script's fmt does (as Redis 7 printed them)", () => {
    expect(luaFormat(0)).toBe('0');
    expect(luaFormat(-0)).toBe('-0');
    expect(luaFormat(1_700_000_000_250)).toBe('1700000000250');
    expect(luaFormat(-3)).toBe('-3');
    expect(luaFormat(0.1)).toBe('0.10000000000000001');
    expect(luaFormat(1e20)).toBe('1e+20');
    expect(luaFormat(1e15)).toBe('1000000000000000');
    expect(luaFormat(1.5e-5)).toBe('1.5e-05');
    expect(luaFormat(0.0001)).toBe('0.0001');
    expect(luaFormat(2.5)).toBe('2.5');
    expect(luaFormat(1 / 3)).toBe('0.33333333333333331');
    expect(luaFormat(Infinity)).toBe('inf');
    expect(luaFormat(-Infinity)).toBe('-inf');
    expect(formatG17(123456789.123)).toBe('123456789.123');
    expect(formatG17(-1e-300)).toBe('-1e-300');
    expect(formatG17(1.0000000000000002)).toBe('1.0000000000000002');
  });

  it("rounds the exact value, a tie to even, as glibc's %.17g does (where toPrecision rounds a tie up)", () => {
    // Each exact value has 18 significant digits, the last a 5 (expected text from Python's '%.17g', which rounds exactly as glibc does).
    expect(formatG17(5960.40338134765625)).toBe('5960.4033813476562');
    expect(formatG17(467023.078369140625)).toBe('467023.07836914062');
    expect(formatG17(668115.52709960937500)).toBe('668115.52709960938');
    expect(formatG17(-745908.340087890625)).toBe('-745908.34008789062');
    // Edges: the least and greatest doubles, seventeen nines, where %g turns to exponents.
    expect(formatG17(5e-324)).toBe('4.9406564584124654e-324');
    expect(formatG17(2.2250738585072014e-308)).toBe('2.2250738585072014e-308');
    expect(formatG17(1.7976931348623157e308)).toBe('1.7976931348623157e+308');
    expect(formatG17(1e23)).toBe('9.9999999999999992e+22');
    expect(formatG17(1e17)).toBe('1e+17');
    expect(formatG17(1e-299)).toBe('9.9999999999999999e-300');
    expect(formatG17(1e16)).toBe('10000000000000000');
    expect(formatG17(2 ** 60)).toBe('1.152921504606847e+18');
    expect(formatG17(0.000123)).toBe('0.00012300000000000001');
    expect(formatG17(1.25e-5)).toBe('1.2500000000000001e-05');
    expect(formatG17(0.30000000000000004)).toBe('0.30000000000000004');
  });

  it('writes text that reads back as the same double', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true }), (x) => {
        expect(Object.is(luaNumber(luaFormat(x)), x)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
