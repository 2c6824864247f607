// prometheusMetrics() on real limiters: what each metric says after known traffic, bounded
// labels, store operations and events, sampled timings, the exposition passing promtool,
// registration errors and option validation.
import { spawnSync } from 'node:child_process';
import { ConfigError, HttpLimiter, MemoryStore, RateLimiter, type ConsumeOptions, type LimitSpec, type ResetSelector, type Store } from '@limitrate/core';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { metricNames, prometheusMetrics, type PrometheusMetricsOptions } from '../src/index.js';
import { parseExposition, PROMTOOL, valueOf } from './exposition.js';

const POLICIES = {
  free: {
    endpoints: {
      'POST|/api/chat': { rate: { maxPerMinute: 2, maxTokensPerMinute: 1000 }, cost: { estimateCost: () => 0.01, hourlyCap: 0.05 } },
      'GET|/slow': { rate: { maxPerMinute: 1, actionOnExceed: 'slowdown' as const, slowdownMs: 10 } },
    },
    defaults: { rate: { maxPerMinute: 3 } },
  },
  pro: { rate: { maxPerMinute: 100 } },
};

function setup(options: PrometheusMetricsOptions = {}) {
  const registry = new Registry();
  const metrics = prometheusMetrics({ registry, ...options });
  const limiter = new RateLimiter({ policies: POLICIES, metrics });
  const scrape = async () => parseExposition(await registry.metrics());
  return { registry, metrics, limiter, scrape };
}

class AsyncStore implements Store {
  readonly name = 'remote';
  readonly inner = new MemoryStore({ cleanupIntervalMs: 0 });
  fail = false;
  async consume(limits: readonly LimitSpec[], options?: ConsumeOptions) {
    await new Promise((r) => setTimeout(r, 1));
    if (this.fail) throw new Error('connection refused');
    return this.inner.consume(limits, options);
  }
  async reset(selector: ResetSelector) {
    return this.inner.reset(selector);
  }
}

describe('prometheusMetrics', () => {
  it('counts checks by plan, endpoint and result, exactly', async () => {
    const { limiter, scrape } = setup();
    for (let i = 0; i < 5; i++) await limiter.check({ userId: 'u1', endpoint: 'GET|/items' });
    for (let i = 0; i < 2; i++) await limiter.check({ userId: 'u1', endpoint: 'GET|/slow' });
    for (let i = 0; i < 7; i++) await limiter.check({ userId: 'p1', plan: 'pro', endpoint: 'GET|/items' });
    const s = await scrape();
    expect(valueOf(s, 'limitrate_checks_total', { plan: 'free', endpoint: 'GET|/items', result: 'allowed' })).toBe(3);
    expect(valueOf(s, 'limitrate_checks_total', { plan: 'free', endpoint: 'GET|/items', result: 'blocked' })).toBe(2);
    expect(valueOf(s, 'limitrate_checks_total', { plan: 'free', endpoint: 'GET|/slow', result: 'slowed' })).toBe(1);
    expect(valueOf(s, 'limitrate_checks_total', { plan: 'pro', endpoint: 'GET|/items', result: 'allowed' })).toBe(7);
    // No user label unless asked for.
    expect(s.filter((x) => x.name === 'limitrate_checks_total').every((x) => !('user' in x.labels))).toBe(true);
    // The two blocked checks and the slowed one each emitted rate_exceeded.
    await limiter.events.flush();
    expect(valueOf(await scrape(), 'limitrate_events_total', { type: 'rate_exceeded' })).toBe(3);
    expect(valueOf(await scrape(), 'limitrate_events_total', { type: 'slowdown_applied' })).toBe(1);
  });

  it('exports usage and limits of the latest check, cost, cost caps and tokens', async () => {
    // Every check timed: the latest check is the latest timed one.
    const { limiter, scrape } = setup({ timingsPerSecond: Infinity });
    await limiter.check({ userId: 'u1', endpoint: 'POST|/api/chat', tokens: 300 });
    await limiter.check({ userId: 'u2', endpoint: 'POST|/api/chat', tokens: 200 });
    const s = await scrape();
    const chat = { plan: 'free', endpoint: 'POST|/api/chat' };
    expect(valueOf(s, 'limitrate_current_usage', { ...chat, limit: 'rate:1m' })).toBe(1);
    expect(valueOf(s, 'limitrate_current_usage', { ...chat, limit: 'tokens:1m' })).toBe(200);
    expect(valueOf(s, 'limitrate_limit', { ...chat, limit: 'rate:1m' })).toBe(2);
    expect(valueOf(s, 'limitrate_limit', { ...chat, limit: 'tokens:1m' })).toBe(1000);
    expect(valueOf(s, 'limitrate_cost_cap', { ...chat, limit: 'cost:1h' })).toBe(0.05);
    expect(valueOf(s, 'limitrate_cost_total', chat)).toBeCloseTo(0.02, 10);
    expect(valueOf(s, 'limitrate_tokens_total', chat)).toBe(500);
  });

  it('times every check with timingsPerSecond: Infinity', async () => {
    const { limiter, scrape } = setup({ timingsPerSecond: Infinity });
    for (let i = 0; i < 12; i++) limiter.checkNow({ userId: `u${i}`, plan: 'pro' });
    const s = await scrape();
    expect(valueOf(s, 'limitrate_check_duration_seconds_count')).toBe(12);
    expect(valueOf(s, 'limitrate_check_duration_seconds_bucket', { le: '+Inf' })).toBe(12);
    expect(valueOf(s, 'limitrate_check_duration_seconds_sum')).toBeGreaterThan(0);
    const buckets = s.filter((x) => x.name === 'limitrate_check_duration_seconds_bucket').map((x) => x.value);
    expect([...buckets].sort((a, b) => a - b)).toEqual(buckets);
  });

  it('times a sample of frequent checks, each timing counted for the checks it stands for', async () => {
    const { limiter, scrape } = setup();
    // 5,000 checks in a few milliseconds: far more than 100 a second.
    for (let i = 0; i < 5000; i++) limiter.checkNow({ userId: `u${i % 50}`, plan: 'pro' });
    const s = await scrape();
    const count = valueOf(s, 'limitrate_check_duration_seconds_count');
    // The timings' weights add up to the checks up to the last timed one (the interval at most doubles each time).
    expect(count).toBeGreaterThan(2500);
    expect(count).toBeLessThanOrEqual(5000);
    expect(s.filter((x) => x.name === 'limitrate_checks_total').reduce((n, x) => n + x.value, 0)).toBe(5000);
  });

  it('gives users a label only when asked, bounded by maxUsers (the rest are "other")', async () => {
    const { limiter, scrape } = setup({ labels: ['plan', 'user'], maxUsers: 2 });
    for (const u of ['a', 'b', 'c', 'd', 'a', 'c']) await limiter.check({ userId: u, plan: 'pro' });
    const s = (await scrape()).filter((x) => x.name === 'limitrate_checks_total');
    expect(s.map((x) => [x.labels.user, x.value]).sort()).toEqual([['a', 2], ['b', 1], ['other', 3]]);
    expect(s.every((x) => !('endpoint' in x.labels))).toBe(true);
  });

  it('bounds endpoint labels: a flood of distinct paths lands in "other"', async () => {
    const { limiter, scrape } = setup({ maxEndpoints: 3 });
    for (let i = 0; i < 50; i++) await limiter.check({ userId: 'u', plan: 'pro', endpoint: `GET|/scan/${i}` });
    const s = (await scrape()).filter((x) => x.name === 'limitrate_checks_total');
    expect(s).toHaveLength(4);
    expect(valueOf(s, 'limitrate_checks_total', { endpoint: 'other', result: 'allowed' })).toBe(47);
    expect(s.reduce((n, x) => n + x.value, 0)).toBe(50);
  });

  it('counts and times the operations of a remote store, failures included', async () => {
    const registry = new Registry();
    const store = new AsyncStore();
    const limiter = new RateLimiter({ policies: POLICIES, store, metrics: prometheusMetrics({ registry }) });
    for (let i = 0; i < 3; i++) await limiter.check({ userId: 'u', plan: 'pro' });
    store.fail = true;
    await limiter.check({ userId: 'u', plan: 'pro' });
    await limiter.events.flush();
    const s = parseExposition(await registry.metrics());
    expect(valueOf(s, 'limitrate_store_operations_total', { store: 'remote', operation: 'consume', status: 'success' })).toBe(3);
    expect(valueOf(s, 'limitrate_store_operations_total', { store: 'remote', operation: 'consume', status: 'error' })).toBe(1);
    expect(valueOf(s, 'limitrate_store_latency_seconds_count', { store: 'remote', operation: 'consume' })).toBe(4);
    expect(valueOf(s, 'limitrate_store_latency_seconds_sum', { store: 'remote', operation: 'consume' })).toBeGreaterThan(0.002);
    expect(valueOf(s, 'limitrate_events_total', { type: 'store_error' })).toBe(1);
  });

  it('shows the in-flight limits of an HTTP limiter: requests running and waiting', async () => {
    const registry = new Registry();
    const http = new HttpLimiter({ policies: { free: { endpoints: { 'POST|/render': { rate: { maxPerMinute: 100 }, concurrency: { max: 1, actionOnExceed: 'queue', maxQueueSize: 5 } } } } }, metrics: prometheusMetrics({ registry }) });
    const info = { method: 'POST', path: '/render', route: '/render', remoteAddress: '203.0.113.1', forwardedFor: undefined, raw: {} };
    const first = await http.decide(info);
    const second = http.decide(info);
    const s = parseExposition(await registry.metrics());
    expect(valueOf(s, 'limitrate_inflight_requests', { plan: 'free', endpoint: 'POST|/render' })).toBe(1);
    expect(valueOf(s, 'limitrate_queued_requests', { plan: 'free', endpoint: 'POST|/render' })).toBe(1);
    first.done?.({ statusCode: 200, completed: true, res: {} });
    const next = await second;
    const after = parseExposition(await registry.metrics());
    expect(valueOf(after, 'limitrate_queued_requests', { plan: 'free', endpoint: 'POST|/render' })).toBe(0);
    next.done?.({ statusCode: 200, completed: true, res: {} });
    await http.close();
  });

  it('shows a circuit state from store_circuit events', async () => {
    const { limiter, scrape } = setup();
    limiter.events.emit({ type: 'store_circuit', timestamp: 0, user: '', plan: '', endpoint: '', store: 'redis', state: 'open', previous: 'closed', failures: 5 });
    await limiter.events.flush();
    const s = await scrape();
    expect(valueOf(s, 'limitrate_store_circuit_state', { store: 'redis', state: 'open' })).toBe(1);
    expect(valueOf(s, 'limitrate_store_circuit_state', { store: 'redis', state: 'closed' })).toBe(0);
  });

  it('one instance serves several limiters; a second one on the same registry is refused', async () => {
    const registry = new Registry();
    const metrics = prometheusMetrics({ registry });
    const a = new RateLimiter({ policies: POLICIES, metrics });
    const b = new RateLimiter({ policies: POLICIES, metrics });
    await a.check({ userId: 'u', plan: 'pro' });
    await b.check({ userId: 'u', plan: 'pro' });
    expect(valueOf(parseExposition(await registry.metrics()), 'limitrate_checks_total', { plan: 'pro', result: 'allowed' })).toBe(2);
    expect(() => prometheusMetrics({ registry })).toThrow(ConfigError);
    expect(() => prometheusMetrics({ registry, prefix: 'other_' })).not.toThrow();
  });

  it('keeps a closed limiter\'s counts, so counters never go back', async () => {
    const registry = new Registry();
    const metrics = prometheusMetrics({ registry });
    const a = new RateLimiter({ policies: POLICIES, metrics });
    const b = new RateLimiter({ policies: POLICIES, metrics });
    for (let i = 0; i < 3; i++) await a.check({ userId: `u${i}`, plan: 'pro', endpoint: 'GET|/x' });
    await b.check({ userId: 'u', plan: 'pro', endpoint: 'GET|/x' });
    const pro = { plan: 'pro', endpoint: 'GET|/x', result: 'allowed' };
    expect(valueOf(parseExposition(await registry.metrics()), 'limitrate_checks_total', pro)).toBe(4);
    await a.close();
    expect(valueOf(parseExposition(await registry.metrics()), 'limitrate_checks_total', pro)).toBe(4);
    await b.check({ userId: 'u', plan: 'pro', endpoint: 'GET|/x' });
    expect(valueOf(parseExposition(await registry.metrics()), 'limitrate_checks_total', pro)).toBe(5);
  });

  it('starts the counters again from zero on registry.resetMetrics()', async () => {
    const { registry, limiter, scrape } = setup();
    for (let i = 0; i < 3; i++) await limiter.check({ userId: `u${i}`, plan: 'pro' });
    registry.resetMetrics();
    expect((await scrape()).filter((x) => x.name === 'limitrate_checks_total')).toEqual([]);
    await limiter.check({ userId: 'u', plan: 'pro' });
    expect((await scrape()).filter((x) => x.name === 'limitrate_checks_total').map((x) => x.value)).toEqual([1]);
  });

  it.each<[string, unknown, string]>([
    ['a bad prefix', { prefix: '9x' }, 'prometheusMetrics.prefix'],
    ['an unknown label', { labels: ['plan', 'region'] }, 'prometheusMetrics.labels[1]'],
    ['labels not a list', { labels: 'plan' }, 'prometheusMetrics.labels'],
    ['maxUsers 0', { maxUsers: 0 }, 'prometheusMetrics.maxUsers'],
    ['timingsPerSecond zero', { timingsPerSecond: 0 }, 'prometheusMetrics.timingsPerSecond'],
    ['timingsPerSecond not a number', { timingsPerSecond: 'fast' }, 'prometheusMetrics.timingsPerSecond'],
    ['buckets not increasing', { checkBuckets: [0.1, 0.01] }, 'prometheusMetrics.checkBuckets'],
    ['a registry that is not one', { registry: {} }, 'prometheusMetrics.registry'],
    ['an unknown option', { lables: ['plan'] }, 'prometheusMetrics.lables'],
  ])('refuses %s with a coded error', (_label, options, path) => {
    let error: unknown;
    try {
      prometheusMetrics({ registry: new Registry(), ...(options as object) } as PrometheusMetricsOptions);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((i) => i.path)).toContain(path);
  });

  it('lists every metric it registers', () => {
    const { metrics, registry } = setup({ prefix: 'app_rl_' });
    expect([...metrics.metricNames].sort()).toEqual(metricNames('app_rl_').sort());
    expect(registry.getMetricsAsArray().map((m) => m.name).sort()).toEqual(metricNames('app_rl_').sort());
  });

  it.skipIf(PROMTOOL === undefined)('its exposition passes promtool check metrics', async () => {
    const { limiter, registry } = setup({ labels: ['plan', 'endpoint', 'user'] });
    for (let i = 0; i < 6; i++) await limiter.check({ userId: `u"${i % 2}\\\n`, endpoint: 'POST|/api/chat', tokens: 10 });
    await limiter.check({ userId: 'p', plan: 'pro' });
    await limiter.events.flush();
    const text = await registry.metrics();
    const run = spawnSync(PROMTOOL!, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(run.stdout + run.stderr, text).toBe('');
    expect(run.status).toBe(0);
  });
});
