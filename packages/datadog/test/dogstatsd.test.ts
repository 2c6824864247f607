// datadogMetrics() over DogStatsD against a real UDP listener on 127.0.0.1: exact counts,
// tags, gauges, sampled distributions, store operations, events, user tags, flush and close.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryStore, RateLimiter, ResilientStore, type ConsumeOptions, type LimitSpec, type ResetSelector, type Store } from '@limitrate/core';
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
    const limiter = new RateLimiter({ policies: POLICIES, metrics: m });
    for (let i = 0; i < 5; i++) await limiter.check({ userId: 'alice', plan: 'free', endpoint: 'POST|/api/chat' });
    for (let i = 0; i < 7; i++) limiter.checkNow({ userId: 'bob', plan: 'pro', endpoint: 'GET|/api/items' });
    for (let i = 0; i < 2; i++) await limiter.check({ userId: 'carol', plan: 'free', endpoint: 'GET|/slow' });
    await m.flush();
    await server.sync();
    const chat = ['plan:free', 'endpoint:POST_/api/chat'];
    expect(server.sum('limitrate.checks', ...chat, 'result:allowed')).toBe(3);
    expect(server.sum('limitrate.checks', ...chat, 'result:blocked')).toBe(2);
    expect(server.find('limitrate.checks', ...chat, 'result:blocked')[0]!.tags).toContain('reason:rate_limited');
    expect(server.find('limitrate.checks', ...chat, 'result:allowed')[0]!.tags.some((t) => t.startsWith('reason:'))).toBe(false);
    expect(server.sum('limitrate.checks', 'plan:pro', 'endpoint:GET_/api/items', 'result:allowed')).toBe(7);
    expect(server.sum('limitrate.checks', 'plan:free', 'endpoint:GET_/slow', 'result:slowed')).toBe(1);
    expect(server.sum('limitrate.checks')).toBe(14);
    for (const line of server.find('limitrate.checks')) {
      expect(line.type).toBe('c');
      expect(line.tags).toEqual(expect.arrayContaining(['env:test', 'service:api']));
      // no user ids unless tagUsers
      expect(line.tags.some((t) => t.startsWith('user:'))).toBe(false);
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

  it('sends sampled check durations as distributions with sample rate 1/timeEvery', async () => {
    const m = metrics({ timeEvery: 4 });
    const limiter = new RateLimiter({ policies: POLICIES, metrics: m });
    for (let i = 0; i < 12; i++) limiter.checkNow({ userId: 'u', plan: 'pro', endpoint: 'GET|/api/items' });
    await m.flush();
    await server.sync();
    const d = server.find('limitrate.check.duration', 'plan:pro', 'endpoint:GET_/api/items');
    expect(d).toHaveLength(3);
    for (const line of d) {
      expect(line.type).toBe('d');
      expect(line.rate).toBe(0.25);
      expect(line.value).toBeGreaterThanOrEqual(0);
      expect(line.raw).not.toMatch(/e-/);
    }
    // the weights add up to the checks
    expect(d.reduce((s, l) => s + 1 / l.rate, 0)).toBe(12);
    // timeEvery 1: every check, no rate field
    const all = metrics({ timeEvery: 1 });
    const l2 = new RateLimiter({ policies: POLICIES, metrics: all });
    for (let i = 0; i < 3; i++) l2.checkNow({ userId: 'u', plan: 'pro', endpoint: 'GET|/x' });
    server.clear();
    await all.flush();
    await server.sync();
    expect(server.find('limitrate.check.duration').map((l) => [l.rate, l.raw.includes('@')])).toEqual([[1, false], [1, false], [1, false]]);
    await Promise.all([limiter.close(), l2.close()]);
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
    // the failure policy let it through: allowed, reason store_error; and a store_error event
    expect(server.sum('limitrate.checks', 'result:allowed', 'reason:store_error')).toBe(1);
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
    const m = metrics({ tagUsers: true, maxUsers: 2 });
    const limiter = new RateLimiter({ policies: POLICIES, metrics: m });
    for (const u of ['u1', 'u2', 'u3', 'u4', 'u1']) limiter.checkNow({ userId: u, plan: 'pro', endpoint: 'GET|/x' });
    await m.flush();
    await server.sync();
    const byUser = Object.fromEntries(server.find('limitrate.checks').map((l) => [l.tags.find((t) => t.startsWith('user:')), l.value]));
    expect(byUser).toEqual({ 'user:u1': 2, 'user:u2': 1, 'user:other': 2 });
    // gauges and distributions stay per plan and endpoint
    expect(server.find('limitrate.usage').every((l) => !l.tags.some((t) => t.startsWith('user:')))).toBe(true);
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
