// datadogMetrics() over DogStatsD against a real UDP listener on 127.0.0.1: exact counts
// (read from the limiters' counts, sent as deltas), tags, gauges, in-flight gauges, sampled
// distributions, store operations, events, user tags, flush and close.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HttpLimiter, MemoryStore, RateLimiter, ResilientStore, type ConsumeOptions, type LimitSpec, type ResetSelector, type Store } from '@limitrate/core';
import { datadogMetrics } from '../src/index.js';
import { startDogStatsdServer, type DogStatsdServer } from './dogstatsd-server.js';

/** A remote-like store: the memory store's answers, asynchronously, under another name. */
class AsyncStore implements Store {
  readonly name = 'remote';
  readonly inner = new MemoryStore({ cleanupIntervalMs: 0 });
  fail = false;
  async consume(limits: readonly LimitSpec[], options?: ConsumeOptions) {
    await Promise.resolve();
    if (this.fail) throw new Error('connection refused');
    return this.inner.consume(limits, options);
  }
  async reset(selector: ResetSelector) {
    return this.inner.reset(selector);
  }
}

const POLICIES = {
  free: {
    endpoints: {
      'POST|/api/chat': { rate: { maxPerMinute: 3 } },
      'GET|/slow': { rate: { maxPerMinute: 1, actionOnExceed: 'slowdown' as const, slowdownMs: 1 } },
    },
    defaults: { rate: { maxPerMinute: 100 } },
  },
  pro: { rate: { maxPerMinute: 1000 } },
};

let server: DogStatsdServer;
const errors: Error[] = [];
beforeEach(async () => {
  server = await startDogStatsdServer();
  errors.length = 0;
});
afterEach(async () => {
  await server.close();
});

function metrics(extra: Parameters<typeof datadogMetrics>[0] = {}) {
  return datadogMetrics({ host: '127.0.0.1', port: server.port, flushIntervalMs: 0, onError: (e) => errors.push(e), ...extra });
}

describe('DogStatsD', () => {
  it('counts every check by plan, endpoint and result, with exact totals', async () => {
    const m = metrics({ globalTags: ['env:test', 'service:api'] });
    // read from the limiter's own counts: no hook per check
    expect([m.counts, m.onCheck, typeof m.onTimedCheck]).toEqual([true, undefined, 'function']);
    const limiter = new RateLimiter({ policies: POLICIES, metrics: m });
    for (let i = 0; i < 5; i++) await limiter.check({ userId: 'alice', plan: 'free', endpoint: 'POST|/api/chat' });
    for (let i = 0; i < 7; i++) limiter.checkNow({ userId: 'bob', plan: 'pro', endpoint: 'GET|/api/items' });
    for (let i = 0; i < 2; i++) await limiter.check({ userId: 'carol', plan: 'free', endpoint: 'GET|/slow' });
    await m.flush();
    await server.sync();
    const chat = ['plan:free', 'endpoint:POST_/api/chat'];
    expect(server.sum('limitrate.checks', ...chat, 'result:allowed')).toBe(3);
    expect(server.sum('limitrate.checks', ...chat, 'result:blocked')).toBe(2);
    expect(server.sum('limitrate.checks', 'plan:pro', 'endpoint:GET_/api/items', 'result:allowed')).toBe(7);
    expect(server.sum('limitrate.checks', 'plan:free', 'endpoint:GET_/slow', 'result:slowed')).toBe(1);
    expect(server.sum('limitrate.checks')).toBe(14);
    for (const line of server.find('limitrate.checks')) {
      expect(line.type).toBe('c');
      expect(line.tags).toEqual(expect.arrayContaining(['env:test', 'service:api']));
      // no user ids unless tagUsers; why a check was refused is in events
      expect(line.tags.some((t) => t.startsWith('user:') || t.startsWith('reason:'))).toBe(false);
    }
    // A second flush sends only what happened since the first.
    server.clear();
    await limiter.check({ userId: 'alice', plan: 'free', endpoint: 'POST|/api/chat' });
    await m.flush();
    await server.sync();
    expect(server.find('limitrate.checks').map((l) => [l.value, l.tags.filter((t) => t.startsWith('result:'))])).toEqual([[1, ['result:blocked']]]);
    await limiter.close();
    expect(errors).toEqual([]);
  });

  it('sends usage, limit and utilization gauges per plan and endpoint', async () => {
    const m = metrics();
    const limiter = new RateLimiter({ policies: POLICIES, metrics: m });
    await limiter.check({ userId: 'a', plan: 'free', endpoint: 'POST|/api/chat' });
    await limiter.check({ userId: 'a', plan: 'free', endpoint: 'POST|/api/chat' });
    await limiter.check({ userId: 'b', plan: 'free', endpoint: 'POST|/api/chat' });
    await m.flush();
    await server.sync();
    const tags = ['plan:free', 'endpoint:POST_/api/chat'];
    const [usage] = server.find('limitrate.usage', ...tags);
    expect(usage).toMatchObject({ type: 'g', value: 2 });
    expect(server.find('limitrate.limit', ...tags)[0]).toMatchObject({ type: 'g', value: 3 });
    expect(server.find('limitrate.utilization', ...tags)[0]!.value).toBeCloseTo(2 / 3, 5);
    await limiter.close();
  });

  it('sends only what the counts grew by since the previous flush', async () => {
    const m = metrics();
    const limiter = new RateLimiter({ policies: { ai: { rate: { maxPerMinute: 100, maxTokensPerMinute: 10_000 }, cost: { hourlyCap: 100 } } }, metrics: m });
    const ai = ['plan:ai', 'endpoint:POST_/chat'];
    for (let i = 0; i < 3; i++) await limiter.check({ userId: 'u', plan: 'ai', endpoint: 'POST|/chat', cost: 0.1, tokens: 10 });
    limiter.checkNow({ userId: 'u', plan: 'ai', endpoint: 'GET|/models' });
    await m.flush();
    await server.sync();
    expect(server.sum('limitrate.checks', ...ai, 'result:allowed')).toBe(3);
    expect(server.sum('limitrate.checks', 'plan:ai', 'endpoint:GET_/models', 'result:allowed')).toBe(1);
    // dollars without float residue (0.1 + 0.1 + 0.1)
    expect(server.find('limitrate.cost', ...ai).map((l) => l.value)).toEqual([0.3]);
    expect(server.find('limitrate.tokens', ...ai).map((l) => l.value)).toEqual([30]);

    // Second flush: only the new checks, and nothing for the endpoint that saw none.
    server.clear();
    for (let i = 0; i < 2; i++) await limiter.check({ userId: 'u', plan: 'ai', endpoint: 'POST|/chat', cost: 0.1, tokens: 5 });
    await m.flush();
    await server.sync();
    expect(server.find('limitrate.checks').map((l) => [l.value, l.tags.filter((t) => t.startsWith('endpoint:') || t.startsWith('result:'))])).toEqual([[2, ['endpoint:POST_/chat', 'result:allowed']]]);
    expect(server.find('limitrate.cost', ...ai).map((l) => l.value)).toEqual([0.2]);
    expect(server.find('limitrate.tokens', ...ai).map((l) => l.value)).toEqual([10]);

    // Nothing new: no check counts at all.
    server.clear();
    await m.flush();
    await server.sync();
    expect(server.find('limitrate.checks')).toEqual([]);
    await limiter.close();
    expect(errors).toEqual([]);
  });

  it("still sends a closed limiter's last counts, once", async () => {
    const m = metrics();
    const a = new RateLimiter({ policies: POLICIES, metrics: m });
    const b = new RateLimiter({ policies: POLICIES, metrics: m });
    const x = ['plan:pro', 'endpoint:GET_/x', 'result:allowed'];
    for (let i = 0; i < 3; i++) a.checkNow({ userId: 'u', plan: 'pro', endpoint: 'GET|/x' });
    b.checkNow({ userId: 'u', plan: 'pro', endpoint: 'GET|/x' });
    await m.flush();
    await server.sync();
    // two limiters, one series
    expect(server.find('limitrate.checks', ...x).map((l) => l.value)).toEqual([4]);

    server.clear();
    for (let i = 0; i < 2; i++) a.checkNow({ userId: 'u', plan: 'pro', endpoint: 'GET|/x' });
    a.checkNow({ userId: 'u', plan: 'pro', endpoint: 'GET|/closing' });
    await a.close(); // b is still attached: a's last counts go out with this flush
    await server.sync();
    expect(server.sum('limitrate.checks', ...x)).toBe(2);
    expect(server.sum('limitrate.checks', 'endpoint:GET_/closing')).toBe(1);

    server.clear();
    b.checkNow({ userId: 'u', plan: 'pro', endpoint: 'GET|/x' });
    await m.flush();
    await server.sync();
    expect(server.find('limitrate.checks').map((l) => l.value)).toEqual([1]);
    await b.close();
    expect(errors).toEqual([]);
  });

  it('sends the requests running and waiting under in-flight limits, by plan and endpoint', async () => {
    const m = metrics();
    const http = new HttpLimiter({ policies: { free: { endpoints: { 'POST|/render': { rate: { maxPerMinute: 100 }, concurrency: { max: 1, actionOnExceed: 'queue', maxQueueSize: 5 } } } } }, metrics: m });
    const info = { method: 'POST', path: '/render', route: '/render', remoteAddress: '203.0.113.1', forwardedFor: undefined, raw: {} };
    const render = ['plan:free', 'endpoint:POST_/render'];
    const gauges = () => [server.find('limitrate.inflight.requests', ...render).map((l) => [l.type, l.value]), server.find('limitrate.queued.requests', ...render).map((l) => [l.type, l.value])];
    const first = await http.decide(info);
    const second = http.decide(info);
    await m.flush();
    await server.sync();
    expect(gauges()).toEqual([[['g', 1]], [['g', 1]]]);

    server.clear();
    first.done?.({ statusCode: 200, completed: true, res: {} });
    const next = await second;
    await m.flush();
    await server.sync();
    expect(gauges()).toEqual([[['g', 1]], [['g', 0]]]);

    // the gate empties and is gone: sent once more at 0, then no longer
    server.clear();
    next.done?.({ statusCode: 200, completed: true, res: {} });
    await m.flush();
    await server.sync();
    expect(gauges()).toEqual([[['g', 0]], [['g', 0]]]);
    server.clear();
    await m.flush();
    await server.sync();
    expect(gauges()).toEqual([[], []]);
    await http.close();
    expect(errors).toEqual([]);
  });

  it('sends every check duration when timingsPerSecond is Infinity, without a sample rate', async () => {
    const m = metrics({ timingsPerSecond: Infinity });
    const limiter = new RateLimiter({ policies: POLICIES, metrics: m });
    for (let i = 0; i < 12; i++) limiter.checkNow({ userId: 'u', plan: 'pro', endpoint: 'GET|/api/items' });
    await m.flush();
    await server.sync();
    const d = server.find('limitrate.check.duration', 'plan:pro', 'endpoint:GET_/api/items');
    expect(d).toHaveLength(12);
    for (const line of d) {
      expect(line.type).toBe('d');
      expect([line.rate, line.raw.includes('@')]).toEqual([1, false]);
      expect(line.value).toBeGreaterThanOrEqual(0);
      expect(line.raw).not.toMatch(/e-/);
    }
    await limiter.close();
  });

  it('samples durations above timingsPerSecond, each timing weighted by the checks it stands for', async () => {
    const m = metrics({ timingsPerSecond: 1 });
    const limiter = new RateLimiter({ policies: POLICIES, metrics: m });
    const checks = 2000;
    for (let i = 0; i < checks; i++) limiter.checkNow({ userId: `u${i}`, plan: 'pro', endpoint: 'GET|/api/items' });
    await m.flush();
    await server.sync();
    // the counts are exact, whatever was timed
    expect(server.sum('limitrate.checks', 'plan:pro', 'endpoint:GET_/api/items', 'result:allowed')).toBe(checks);
    const d = server.find('limitrate.check.duration', 'plan:pro', 'endpoint:GET_/api/items');
    expect(d.length).toBeGreaterThan(0);
    expect(d.length).toBeLessThan(checks);
    // one series, one sample rate; the values stand for at most the checks made
    expect(new Set(d.map((l) => l.rate)).size).toBe(1);
    expect(d[0]!.rate).toBeLessThan(1);
    const represented = d.reduce((s, l) => s + 1 / l.rate, 0);
    expect(represented).toBeGreaterThanOrEqual(d.length);
    expect(represented).toBeLessThanOrEqual(checks + 1e-6);
    await limiter.close();
  });

  it('counts store operations by store, operation and status, with latency distributions', async () => {
    const m = metrics();
    const store = new AsyncStore();
    const limiter = new RateLimiter({ policies: { free: { rate: { maxPerMinute: 5, maxTokensPerMinute: 100 } } }, store, metrics: m });
    const r = await limiter.check({ userId: 'u', tokens: 10 });
    await limiter.check({ userId: 'u', tokens: 5 });
    await limiter.record(r, { tokens: 20 });
    await limiter.reset({ userId: 'u' });
    store.fail = true;
    const failed = await limiter.check({ userId: 'u' });
    expect(failed.degraded).toBe(true);
    await m.flush();
    await server.sync();
    const ops = (op: string, status: string) => server.sum('limitrate.store.operations', 'store:remote', `operation:${op}`, `status:${status}`);
    expect([ops('consume', 'success'), ops('force', 'success'), ops('reset', 'success'), ops('consume', 'error')]).toEqual([2, 1, 1, 1]);
    expect(server.find('limitrate.store.duration', 'store:remote', 'operation:consume', 'status:success')).toHaveLength(2);
    expect(server.find('limitrate.store.duration')[0]!.type).toBe('d');
    // the failure policy let it through: allowed, and a store_error event says why
    expect(server.sum('limitrate.checks', 'result:allowed')).toBe(3);
    expect(server.sum('limitrate.events', 'event:store_error', 'store:remote', 'policy:allow')).toBe(1);
    // tokens charged by checks
    expect(server.sum('limitrate.tokens', 'plan:free')).toBe(15);
    await limiter.close();
  });

  it('counts events: exceeded by limit and action, slowdowns, circuit state changes with a gauge', async () => {
    const m = metrics();
    const failing = new AsyncStore();
    failing.fail = true;
    const store = new ResilientStore(failing, { failureThreshold: 1 });
    const limiter = new RateLimiter({ policies: POLICIES, metrics: m, store });
    await limiter.check({ userId: 'a', plan: 'free', endpoint: 'POST|/api/chat' });
    await m.flush();
    await server.sync();
    const circuit = server.find('limitrate.events', 'event:store_circuit');
    expect(circuit).toHaveLength(1);
    expect(circuit[0]!.tags).toEqual(expect.arrayContaining(['store:remote', 'state:open']));
    expect(server.find('limitrate.store.circuit', 'store:remote')[0]).toMatchObject({ type: 'g', value: 1 });
    await limiter.close();

    server.clear();
    const m2 = metrics();
    const l2 = new RateLimiter({ policies: POLICIES, metrics: m2 });
    for (let i = 0; i < 5; i++) await l2.check({ userId: 'a', plan: 'free', endpoint: 'POST|/api/chat' });
    for (let i = 0; i < 2; i++) await l2.check({ userId: 'a', plan: 'free', endpoint: 'GET|/slow' });
    await m2.flush();
    await server.sync();
    expect(server.sum('limitrate.events', 'event:rate_exceeded', 'plan:free', 'endpoint:POST_/api/chat', 'limit:rate:1m', 'action:block')).toBe(2);
    expect(server.sum('limitrate.events', 'event:slowdown_applied', 'endpoint:GET_/slow')).toBe(1);
    // allowed events are not subscribed to (they would cost every check)
    expect(server.find('limitrate.events', 'event:allowed')).toEqual([]);
    await l2.close();
  });

  it('tags users only when asked, capped at maxUsers with an other bucket', async () => {
    const m = metrics({ tagUsers: true, maxUsers: 2, timingsPerSecond: Infinity });
    // user tags need each check: the per-check hook
    expect([m.counts, typeof m.onCheck, m.onTimedCheck]).toEqual([false, 'function', undefined]);
    const limiter = new RateLimiter({ policies: POLICIES, metrics: m });
    for (const u of ['u1', 'u2', 'u3', 'u4', 'u1']) limiter.checkNow({ userId: u, plan: 'pro', endpoint: 'GET|/x' });
    await limiter.check({ userId: 'u1', plan: 'free', endpoint: 'POST|/api/chat' });
    await m.flush();
    await server.sync();
    const byUser = Object.fromEntries(server.find('limitrate.checks', 'plan:pro').map((l) => [l.tags.find((t) => t.startsWith('user:')), l.value]));
    expect(byUser).toEqual({ 'user:u1': 2, 'user:u2': 1, 'user:other': 2 });
    expect(server.find('limitrate.checks', 'plan:free', 'user:u1', 'result:allowed').map((l) => l.value)).toEqual([1]);
    // gauges and distributions stay per plan and endpoint
    expect(server.find('limitrate.usage', 'plan:free')[0]).toMatchObject({ value: 1 });
    expect(server.find('limitrate.usage').every((l) => !l.tags.some((t) => t.startsWith('user:')))).toBe(true);
    expect(server.find('limitrate.check.duration', 'plan:pro')).toHaveLength(5);
    expect(server.find('limitrate.check.duration').every((l) => !l.tags.some((t) => t.startsWith('user:')))).toBe(true);
    // and a second flush sends only what came since
    server.clear();
    limiter.checkNow({ userId: 'u2', plan: 'pro', endpoint: 'GET|/x' });
    await m.flush();
    await server.sync();
    expect(server.find('limitrate.checks').map((l) => [l.value, l.tags.find((t) => t.startsWith('user:'))])).toEqual([[1, 'user:u2']]);
    await limiter.close();
  });

  it('bounds series: past maxSeries, new endpoints are counted under endpoint:other', async () => {
    const m = metrics({ maxSeries: 2 });
    const limiter = new RateLimiter({ policies: POLICIES, metrics: m });
    for (let i = 0; i < 6; i++) limiter.checkNow({ userId: 'u', plan: 'pro', endpoint: `GET|/e${i}` });
    await m.flush();
    await server.sync();
    const endpoints = server.find('limitrate.checks').map((l) => [l.tags.find((t) => t.startsWith('endpoint:')), l.value]);
    expect(endpoints).toEqual([['endpoint:GET_/e0', 1], ['endpoint:GET_/e1', 1], ['endpoint:other', 4]]);
    await limiter.close();
  });

  it('uses the prefix, and sanitises tag values', async () => {
    const m = metrics({ prefix: 'myapp.rl.', globalTags: { env: 'prod', team: 'a b|c' } });
    const limiter = new RateLimiter({ policies: { 'gold,#x': { rate: { maxPerMinute: 10 } } }, metrics: m });
    limiter.checkNow({ userId: 'u', plan: 'gold,#x', endpoint: 'GET|/a b' });
    await m.flush();
    await server.sync();
    const [line] = server.find('myapp.rl.checks');
    expect(line!.tags).toEqual(expect.arrayContaining(['env:prod', 'team:a_b_c', 'plan:gold__x', 'endpoint:GET_/a_b', 'result:allowed']));
    expect(server.find('limitrate.checks')).toEqual([]);
    await limiter.close();
  });

  it('flushes on close (limiter.close), closes the socket, and flushes on the interval', async () => {
    const m = metrics();
    const limiter = new RateLimiter({ policies: POLICIES, metrics: m });
    limiter.checkNow({ userId: 'u', plan: 'pro', endpoint: 'GET|/x' });
    await limiter.close();
    await server.sync();
    expect(server.sum('limitrate.checks')).toBe(1);
    // closing again, and flushing with nothing to send, are harmless
    await m.close();
    await m.flush();

    server.clear();
    const timed = metrics({ flushIntervalMs: 100 });
    const l2 = new RateLimiter({ policies: POLICIES, metrics: timed });
    l2.checkNow({ userId: 'u', plan: 'pro', endpoint: 'GET|/x' });
    await server.waitForLines(1);
    expect(server.sum('limitrate.checks')).toBe(1);
    await l2.close();
  });

  it('never throws into the app when the agent is unreachable; errors go to onError', async () => {
    const seen: Error[] = [];
    const m = datadogMetrics({ host: 'no-such-host.invalid', port: 8125, flushIntervalMs: 0, onError: (e) => seen.push(e) });
    const limiter = new RateLimiter({ policies: POLICIES, metrics: m });
    expect((await limiter.check({ userId: 'u', plan: 'pro', endpoint: 'GET|/x' })).allowed).toBe(true);
    await expect(m.flush()).resolves.toBeUndefined();
    await expect(limiter.close()).resolves.toBeUndefined();
    // a throwing onError is contained as well
    const m2 = datadogMetrics({ host: 'no-such-host.invalid', flushIntervalMs: 0, onError: () => { throw new Error('bad handler'); } });
    const l2 = new RateLimiter({ policies: POLICIES, metrics: m2 });
    l2.checkNow({ userId: 'u', plan: 'pro', endpoint: 'GET|/x' });
    await expect(l2.close()).resolves.toBeUndefined();
  });
});
