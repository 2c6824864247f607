// mockUpstash as @upstash/redis's requester: the REST protocol UpstashStore speaks (a JSON
// command array in, `{ result }` out, error replies thrown with the command appended),
// pipelines, aborts, a server shared with mockRedis, and faults.
import { REDIS_CONSUME_SCRIPT, REDIS_CONSUME_SHA, encodeRedisArgs, manualClock, type LimitSpec } from '@limitrate/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mockRedis } from './mock-redis.js';
import { mockUpstash } from './mock-upstash.js';

const limit: LimitSpec = { key: 'k', algorithm: 'gcra', limit: 2, windowMs: 1000, cost: 1 };
const consume = (key = 'k') => ['1', key, ...encodeRedisArgs([limit], 'consume', undefined, undefined)];

afterEach(() => {
  vi.useRealTimers();
});

describe('mockUpstash', () => {
  it('answers requests with { result }, and throws error replies as @upstash/redis does (NOSCRIPT, then EVAL)', async () => {
    const upstash = mockUpstash({ clock: manualClock(1_700_000_000_000) });
    const { client } = upstash;
    const body = ['EVALSHA', REDIS_CONSUME_SHA, ...consume()];
    await expect(client.request({ body })).rejects.toMatchObject({ name: 'UpstashError', message: expect.stringMatching(/^NOSCRIPT No matching script\. Please use EVAL\., command was: \["EVALSHA"/) });
    expect(await client.request({ body: ['EVAL', REDIS_CONSUME_SCRIPT, ...consume()] })).toEqual({ result: '1700000000000 1 1 1 1 500 0' });
    expect(await client.request({ body })).toEqual({ result: '1700000000000 1 1 1 2 1000 0' });
    expect(await client.request({ body: ['SCAN', '0', 'MATCH', '*', 'COUNT', 1000] })).toEqual({ result: ['0', ['k']] });
    expect(await client.request({ body: ['UNLINK', 'k', 'x'] })).toEqual({ result: 1 });
    await expect(client.request({ body: ['NOPE'] })).rejects.toThrow(/^ERR unknown command 'NOPE'/);
    await expect(client.request({ body: [] })).rejects.toThrow(/non-empty JSON array/);
  });

  it('runs pipelines, error replies in place', async () => {
    const upstash = mockUpstash();
    const reply = await upstash.client.request({ path: ['pipeline'], body: [['SET', 'a', '1'], ['GET', 'a'], ['EVALSHA', 'ffff', '0']] });
    expect(reply.result).toEqual([{ result: 'OK' }, { result: '1' }, { error: 'NOSCRIPT No matching script. Please use EVAL.' }]);
    expect(upstash.calls.byName).toEqual({ PIPELINE: 1 });
  });

  it('has a few commands as methods, on data it can share with mockRedis', async () => {
    const redis = mockRedis();
    const upstash = mockUpstash({ server: redis.server });
    await redis.set('a', 'é');
    expect(await upstash.get('a')).toBe('é');
    expect(await upstash.scriptLoad(REDIS_CONSUME_SCRIPT)).toBe(REDIS_CONSUME_SHA);
    expect(await upstash.evalsha(REDIS_CONSUME_SHA, ['k'], consume().slice(2))).toMatch(/ 1 1 1 1 /);
    expect(await upstash.scan(0, { match: '*', count: 10 })).toEqual(['0', ['a', 'k']]);
    expect(await redis.exists('k')).toBe(1);
    expect(await upstash.del('a', 'k')).toBe(2);
    expect(await upstash.dbsize()).toBe(0);
  });

  it('resolves an aborted request with the abort reason (as @upstash/redis does), whether it hangs or waits for its latency', async () => {
    vi.useFakeTimers();
    const upstash = mockUpstash({ latency: 100, timeout: Infinity });
    const controller = new AbortController();
    const slow = upstash.client.request({ body: ['SET', 'a', '1'], signal: controller.signal });
    upstash.failNext(1);
    const hung = upstash.client.request({ body: ['GET', 'a'], signal: controller.signal });
    await vi.advanceTimersByTimeAsync(50);
    controller.abort('gave up');
    expect(await slow).toEqual({ result: 'gave up' });
    expect(await hung).toEqual({ result: 'gave up' });
    // The SET reached the server before the abort; an aborted signal never sends.
    expect(upstash.server.get('a')).toBe('1');
    expect(await upstash.client.request({ body: ['DEL', 'a'], signal: controller.signal })).toEqual({ result: 'gave up' });
    expect(upstash.server.get('a')).toBe('1');
  });

  it('fails like fetch does, or hangs then fails after `timeout`', async () => {
    vi.useFakeTimers();
    const upstash = mockUpstash({ timeout: 3000 });
    upstash.fail('error');
    await expect(upstash.ping()).rejects.toMatchObject({ name: 'TypeError', message: expect.stringMatching(/^fetch failed/), injected: true });
    upstash.fail();
    const hung = upstash.ping().catch((e: Error) => e);
    await vi.advanceTimersByTimeAsync(3000);
    expect(await hung).toMatchObject({ code: 'UND_ERR_HEADERS_TIMEOUT' });
    upstash.fail(false);
    expect(await upstash.ping()).toBe('PONG');
    expect(upstash.calls).toMatchObject({ total: 3, failed: 1, timedOut: 1 });
  });
});
