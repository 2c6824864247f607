// mockRedis as an ioredis client: the commands RedisStore sends (EVALSHA/NOSCRIPT/EVAL,
// SCAN, UNLINK), expiry by the mock's clock, reply types, connection states, and the faults
// and counters tests use.
import { manualClock, REDIS_CONSUME_SCRIPT, REDIS_CONSUME_SHA, encodeRedisArgs, isLimitRateError, type LimitSpec } from '@limitrate/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { globMatch } from './glob.js';
import { mockRedis, MockRedis } from './mock-redis.js';

const limit: LimitSpec = { key: 'u1:GET|/a:r:fw:60000', algorithm: 'fixed-window', limit: 2, windowMs: 60_000, cost: 1 };
const consumeArgs = (key = 'k', now?: number): [number, string, ...string[]] => [1, key, ...encodeRedisArgs([limit], 'consume', now, undefined)];

afterEach(() => {
  vi.useRealTimers();
});

describe('mockRedis: scripts', () => {
  it('answers NOSCRIPT until EVAL (or SCRIPT LOAD) loaded the script, and again after SCRIPT FLUSH', async () => {
    const redis = mockRedis();
    await expect(redis.call('EVALSHA', REDIS_CONSUME_SHA, ...consumeArgs())).rejects.toThrow(/^NOSCRIPT No matching script/);
    expect(redis.server.scriptLoaded).toBe(false);
    expect(await redis.call('EVAL', REDIS_CONSUME_SCRIPT, ...consumeArgs())).toMatch(/^\d+ 1 1 1 1 /);
    expect(await redis.evalsha(REDIS_CONSUME_SHA, ...consumeArgs())).toMatch(/^\d+ 1 1 1 2 /);
    expect(await redis.call('SCRIPT', 'EXISTS', REDIS_CONSUME_SHA, 'ffff')).toEqual([1, 0]);
    await redis.script('FLUSH');
    await expect(redis.evalsha(REDIS_CONSUME_SHA, ...consumeArgs())).rejects.toMatchObject({ name: 'ReplyError' });
    expect(await redis.script('LOAD', REDIS_CONSUME_SCRIPT)).toBe(REDIS_CONSUME_SHA);
    expect(await redis.evalsha(REDIS_CONSUME_SHA, ...consumeArgs())).toMatch(/^\d+ 0 0 0 2 /);
    expect(redis.calls.byName).toMatchObject({ EVALSHA: 4, EVAL: 1, SCRIPT: 3 });
  });

  it("runs only LimitRate's consume script, and says so", async () => {
    const redis = mockRedis();
    await expect(redis.call('EVAL', 'return 1', 0)).rejects.toThrow(/runs only LimitRate's consume script/);
    await expect(redis.call('EVAL', REDIS_CONSUME_SCRIPT, 5, 'k')).rejects.toThrow(/Number of keys can't be greater/);
  });

  it('takes the time from its clock (TIME), and the time in ARGV when given', async () => {
    const clock = manualClock(1_700_000_000_123.75);
    const redis = mockRedis({ clock });
    expect(await redis.time()).toEqual(['1700000000', '123750']);
    expect(await redis.eval(REDIS_CONSUME_SCRIPT, ...consumeArgs())).toMatch(/^1700000000123 /);
    expect(await redis.eval(REDIS_CONSUME_SCRIPT, ...consumeArgs('j', 42))).toMatch(/^42 /);
  });
});

describe('mockRedis: keys', () => {
  it('expires keys by its clock, as Redis does (gone once the expiry time is past)', async () => {
    const clock = manualClock(10_000);
    const redis = mockRedis({ clock });
    expect(await redis.set('a', '1', 'PX', 100)).toBe('OK');
    await redis.set('b', '2', 'EX', 1);
    await redis.set('c', '3', 'PXAT', 10_050);
    await redis.set('d', '4');
    expect(await redis.pttl('a')).toBe(100);
    expect(await redis.call('TTL', 'd')).toBe(-1);
    clock.advance(100);
    expect(await redis.get('a')).toBe('1');
    expect(await redis.get('c')).toBeNull();
    clock.advance(1);
    expect(await redis.get('a')).toBeNull();
    expect(await redis.keys('*')).toEqual(['b', 'd']);
    expect(await redis.pttl('a')).toBe(-2);
    expect(await redis.set('d', '5', 'NX')).toBeNull();
    expect(await redis.set('e', '5', 'XX')).toBeNull();
    await expect(redis.set('e', '5', 'PX', 0)).rejects.toThrow(/invalid expire time/);
    expect(redis.server.size).toBe(2);
  });

  it('SCANs page by page (COUNT keys looked at per call) without missing keys deleted meanwhile, and UNLINKs', async () => {
    const redis = mockRedis();
    for (let i = 0; i < 25; i++) await redis.set(`p:${String(i).padStart(2, '0')}`, 'x');
    await redis.set('q:1', 'x');
    let cursor = '0';
    const seen: string[] = [];
    let pages = 0;
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', 'p:*', 'COUNT', 10);
      cursor = next;
      pages++;
      seen.push(...keys);
      if (keys.length > 0) expect(await redis.unlink(...keys)).toBe(keys.length);
    } while (cursor !== '0');
    expect(pages).toBe(3);
    expect(seen).toHaveLength(25);
    expect(await redis.dbsize()).toBe(1);
    expect(await redis.unlink('q:1', 'nope')).toBe(1);
  });

  it('answers call() with text and callBuffer() with Buffers, keys as bytes either way', async () => {
    const redis = mockRedis();
    const bytes = Buffer.from([0x6b, 0xed, 0xa0, 0x80]); // 'k' and a lone surrogate's WTF-8 bytes
    await redis.set(bytes, 'v');
    await redis.set('ké', 'w');
    const [cursor, keys] = (await redis.callBuffer('SCAN', '0', 'MATCH', '*', 'COUNT', '1000')) as [Buffer, Buffer[]];
    expect(Buffer.isBuffer(cursor)).toBe(true);
    expect(keys.map((k) => k.toString('hex')).sort()).toEqual([bytes.toString('hex'), Buffer.from('ké').toString('hex')].sort());
    expect(await redis.get(bytes)).toBe('v');
    expect(await redis.exists(bytes, 'ké', 'x')).toBe(2);
    expect(await redis.call('GET', 'ké')).toBe('w');
  });

  it("applies ioredis's keyPrefix to keys (not to SCAN patterns), and exposes it in options", async () => {
    const redis = mockRedis({ keyPrefix: 'app:' });
    expect(redis.options.keyPrefix).toBe('app:');
    await redis.set('a', '1');
    await redis.eval(REDIS_CONSUME_SCRIPT, ...consumeArgs('lim'));
    expect(redis.server.keys()).toEqual(['app:a', 'app:lim']);
    const [, found] = await redis.scan(0, 'MATCH', 'app:*');
    expect(found).toEqual(['app:a', 'app:lim']);
    expect(await redis.unlink('a')).toBe(1);
  });

  it('matches globs as Redis does', () => {
    expect(globMatch('a*c', 'abbbc')).toBe(true);
    expect(globMatch('a?c', 'abc')).toBe(true);
    expect(globMatch('a[bx]c', 'axc')).toBe(true);
    expect(globMatch('a[^b]c', 'abc')).toBe(false);
    expect(globMatch('a[a-c]d', 'abd')).toBe(true);
    expect(globMatch('a\\*', 'a*')).toBe(true);
    expect(globMatch('a\\*', 'ab')).toBe(false);
    expect(globMatch('p:\\[x\\]:*', 'p:[x]:1')).toBe(true);
    expect(globMatch('**', '')).toBe(false);
    expect(globMatch('a**', 'a')).toBe(true);
    expect(globMatch('[abc', 'a')).toBe(true);
  });

  it("finds every key with KEYS * and SCAN MATCH *, the empty key too (Redis's special case)", async () => {
    const redis = mockRedis();
    await redis.set('', 'x');
    expect(await redis.keys('*')).toEqual(['']);
    expect(await redis.keys('**')).toEqual([]);
    expect(await redis.scan(0, 'MATCH', '*')).toEqual(['0', ['']]);
  });

  it('shares data with duplicate() and with mocks made on its server', async () => {
    const redis = mockRedis();
    const other = redis.duplicate();
    const third = mockRedis({ server: redis.server });
    await redis.set('k', 'v');
    expect(await other.get('k')).toBe('v');
    expect(await third.get('k')).toBe('v');
    expect(other.calls.total).toBe(1);
    expect(redis.calls.total).toBe(1);
  });
});

describe('mockRedis: connection', () => {
  it('rejects commands after quit() or disconnect() until connect(), with events', async () => {
    const redis = mockRedis();
    const events: string[] = [];
    for (const e of ['connect', 'ready', 'close', 'end']) redis.on(e, () => events.push(e));
    const once = vi.fn();
    redis.once('end', once);
    expect(redis.status).toBe('ready');
    expect(await redis.quit()).toBe('OK');
    expect(redis.status).toBe('end');
    await expect(redis.ping()).rejects.toThrow('Connection is closed.');
    await redis.connect();
    expect(await redis.ping()).toBe('PONG');
    redis.disconnect();
    expect(events).toEqual(['close', 'end', 'connect', 'ready', 'close', 'end']);
    expect(once).toHaveBeenCalledTimes(1);
    expect(redis.listenerCount('end')).toBe(1);
  });

  it('refuses bad options with coded errors', () => {
    const bad = (o: object) => {
      try {
        mockRedis(o as never);
      } catch (error) {
        expect(isLimitRateError(error, 'ERR_LIMITRATE_INVALID_REQUEST')).toBe(true);
        return (error as Error).message;
      }
      throw new Error('accepted');
    };
    expect(bad({ failureRate: 2 })).toMatch(/failureRate must be a number from 0 to 1/);
    expect(bad({ latency: -1 })).toMatch(/latency must be/);
    expect(bad({ latency: { min: 5, max: 1 } })).toMatch(/latency must be/);
    expect(bad({ timeout: 0 })).toMatch(/timeout must be a positive number/);
    expect(bad({ latnecy: 5 })).toMatch(/no option "latnecy"/);
    expect(bad({ clock: {} })).toMatch(/clock must have a now\(\) method/);
    expect(bad({ server: mockRedis().server, clock: manualClock(0) })).toMatch(/a clock or a server, not both/);
  });
});

describe('mockRedis: faults', () => {
  it('answers after the latency (fake timers), in the order commands were sent', async () => {
    vi.useFakeTimers();
    const redis = mockRedis({ latency: { min: 1, max: 100 }, seed: 3 });
    const order: number[] = [];
    const pending = Array.from({ length: 10 }, (_, i) => redis.ping().then(() => order.push(i)));
    await vi.advanceTimersByTimeAsync(0);
    expect(order).toEqual([]);
    await vi.advanceTimersByTimeAsync(100);
    await Promise.all(pending);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    redis.setLatency(50);
    let done = false;
    void redis.ping().then(() => (done = true));
    await vi.advanceTimersByTimeAsync(49);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(done).toBe(true);
  });

  it('fails a seeded share of commands, the same ones on every run, without running them', async () => {
    const run = async (seed: number) => {
      const redis = mockRedis({ failureRate: 0.3, seed });
      const outcomes: boolean[] = [];
      for (let i = 0; i < 200; i++) outcomes.push(await redis.set(`k${i}`, 'v').then(() => true, () => false));
      expect(redis.server.size).toBe(outcomes.filter(Boolean).length);
      expect(redis.calls).toMatchObject({ total: 200, failed: outcomes.filter((o) => !o).length, timedOut: 0 });
      return outcomes;
    };
    const a = await run(7);
    expect(await run(7)).toEqual(a);
    expect(await run(8)).not.toEqual(a);
    const failures = a.filter((o) => !o).length;
    expect(failures).toBeGreaterThan(30);
    expect(failures).toBeLessThan(90);
  });

  it('fails with an ioredis-like connection error, or hangs for `timeout` and rejects as a command timeout', async () => {
    vi.useFakeTimers();
    const redis = mockRedis({ timeout: 5000 });
    redis.fail('error');
    await expect(redis.ping()).rejects.toMatchObject({ code: 'ECONNREFUSED', injected: true });
    redis.fail(true); // the way `timeout` says: hang
    const hung = redis.ping();
    const outcome = hung.then(() => 'answered', (e: Error) => e.message);
    await vi.advanceTimersByTimeAsync(4999);
    let settled = false;
    void outcome.then(() => (settled = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await outcome).toBe('Command timed out');
    redis.fail(false);
    expect(await redis.ping()).toBe('PONG');
    expect(redis.calls).toMatchObject({ total: 3, failed: 1, timedOut: 1 });
  });

  it('hangs forever with timeout: Infinity, until the client is closed', async () => {
    const redis = mockRedis({ timeout: Infinity });
    redis.failNext(1);
    const hung = redis.get('k');
    expect(await redis.set('k', 'v')).toBe('OK');
    redis.disconnect();
    await expect(hung).rejects.toThrow('Connection is closed.');
  });

  it('fails only the commands failOn names, and failNext() only the next ones', async () => {
    const redis = mockRedis({ failOn: ['evalsha', 'EVAL'] });
    redis.fail();
    expect(await redis.set('k', 'v')).toBe('OK');
    await expect(redis.eval(REDIS_CONSUME_SCRIPT, ...consumeArgs())).rejects.toThrow(/ECONNREFUSED/);
    redis.fail(false);
    redis.failNext(2);
    await expect(redis.eval(REDIS_CONSUME_SCRIPT, ...consumeArgs())).rejects.toThrow();
    expect(await redis.get('k')).toBe('v');
    await expect(redis.eval(REDIS_CONSUME_SCRIPT, ...consumeArgs())).rejects.toThrow();
    expect(await redis.eval(REDIS_CONSUME_SCRIPT, ...consumeArgs())).toMatch(/ 1 1 1 1 /);
    const byTest = mockRedis({ failOn: (command, args) => command === 'GET' && args[0] === 'bad' });
    byTest.fail();
    expect(await byTest.get('good')).toBeNull();
    await expect(byTest.get('bad')).rejects.toThrow();
    redis.resetCalls();
    expect(redis.calls).toEqual({ total: 0, failed: 0, timedOut: 0, byName: {} });
  });

  it('is an instance of MockRedis with the method RedisStore checks for', () => {
    const redis = mockRedis();
    expect(redis).toBeInstanceOf(MockRedis);
    expect(typeof redis.evalsha).toBe('function');
    expect(redis.isCluster).toBe(false);
  });
});
