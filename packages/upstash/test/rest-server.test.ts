// The local REST server speaks Upstash's protocol as @upstash/redis expects it: checked with
// raw fetch (status codes, bodies, base64 encoding) and with the real client.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, uniquePrefix, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(h.rest.url + path, { method: 'POST', headers: { authorization: `Bearer ${h.rest.token}`, ...headers }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as unknown };
}

describe('raw protocol', () => {
  it('answers a command array with { result }, and errors with 400 { error }', async () => {
    const k = uniquePrefix('raw');
    expect(await post('/', ['SET', k, 'héllo'])).toEqual({ status: 200, body: { result: 'OK' } });
    expect(await post('/', ['GET', k])).toEqual({ status: 200, body: { result: 'héllo' } });
    expect(await post('/', ['INCR', k])).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^ERR value is not an integer/) } });
    expect(await post('/', ['EVALSHA', '0'.repeat(40), '0'])).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^NOSCRIPT/) } });
    expect(await post('/', { not: 'a command' })).toMatchObject({ status: 400 });
  });

  it('encodes strings as base64 when asked (Upstash-Encoding: base64), except a plain OK', async () => {
    const k = uniquePrefix('b64');
    const b64 = { 'Upstash-Encoding': 'base64' };
    expect(await post('/', ['SET', k, '🙂'], b64)).toEqual({ status: 200, body: { result: 'OK' } });
    expect(await post('/', ['GET', k], b64)).toEqual({ status: 200, body: { result: Buffer.from('🙂').toString('base64') } });
    expect(await post('/', ['STRLEN', k], b64)).toEqual({ status: 200, body: { result: 4 } });
    expect(await post('/', ['MGET', k, `${k}:none`], b64)).toEqual({ status: 200, body: { result: [Buffer.from('🙂').toString('base64'), null] } });
  });

  it('refuses a wrong or missing token with 401, and accepts ?_token=', async () => {
    expect((await post('/', ['PING'], { authorization: 'Bearer nope' })).status).toBe(401);
    const res = await fetch(`${h.rest.url}/ping`, {});
    expect(res.status).toBe(401);
    const ok = await fetch(`${h.rest.url}/ping?_token=${h.rest.token}`);
    expect(await ok.json()).toEqual({ result: 'PONG' });
  });

  it('runs /pipeline (independent results) and /multi-exec (a transaction)', async () => {
    const k = uniquePrefix('pipe');
    expect(await post('/pipeline', [['SET', k, '1'], ['INCR', k], ['HGET', k, 'x'], ['GET', k]])).toEqual({
      status: 200,
      body: [{ result: 'OK' }, { result: 2 }, { error: expect.stringMatching(/^WRONGTYPE/) }, { result: '2' }],
    });
    expect(await post('/multi-exec', [['INCR', k], ['INCR', k]])).toEqual({ status: 200, body: [{ result: 3 }, { result: 4 }] });
    expect((await post('/multi-exec', [['INCR', k], ['NOSUCHCOMMAND']])).status).toBe(400);
    expect(await post('/', ['GET', k])).toEqual({ status: 200, body: { result: '4' } });
  });
});

describe('with @upstash/redis', () => {
  it('round-trips commands, pipelines and transactions', async () => {
    const redis = h.upstash();
    const k = uniquePrefix('client');
    await redis.set(k, { a: 1, s: 'ключ' });
    expect(await redis.get(k)).toEqual({ a: 1, s: 'ключ' });
    const p = redis.pipeline();
    p.incr(`${k}:n`);
    p.incr(`${k}:n`);
    expect(await p.exec()).toEqual([1, 2]);
    const tx = redis.multi();
    tx.incrby(`${k}:n`, 5);
    tx.get(`${k}:n`);
    expect(await tx.exec()).toEqual([7, 7]);
    // SCAN until the cursor comes back to 0: one call may miss keys on a busy server.
    const keys: string[] = [];
    let cursor: string | number = 0;
    do {
      const [next, found]: [string, string[]] = await redis.scan(cursor, { match: `${k}*`, count: 1000 });
      keys.push(...found);
      cursor = next;
    } while (String(cursor) !== '0');
    expect(keys.sort()).toEqual([k, `${k}:n`]);
  });

  it('counts one request per command', async () => {
    const redis = h.upstash({ enableAutoPipelining: false });
    const { count, commands } = await h.countRequests(async () => {
      await redis.ping();
      await redis.time();
    });
    expect(count).toBe(2);
    expect(commands).toEqual([['PING'], ['TIME']]);
  });
});
