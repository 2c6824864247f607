// Failure policy: store errors and timeouts, throwing or slow user callbacks, and event
// listeners that throw. Nothing may reject into the caller or leave a check hanging.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { failOnUnhandledRejections } from './__tests__/unhandled.js';
import { manualClock } from './clock.js';
import type { LimitRateEvent } from './events/types.js';
import { RateLimiter } from './limiter.js';
import { MemoryStore } from './stores/memory.js';
import type { ConsumeResult, Store } from './stores/types.js';

const policies = { free: { rate: { maxPerMinute: 5 }, cost: { hourlyCap: 1, estimateCost: () => 0.01 } } };

/** A store that fails the way it is told to. */
function brokenStore(kind: 'throw' | 'reject' | 'hang' | 'garbage'): Store {
  return {
    name: 'broken',
    consume(): ConsumeResult | Promise<ConsumeResult> {
      if (kind === 'throw') throw new Error('ECONNREFUSED');
      if (kind === 'reject') return Promise.reject(new Error('READONLY'));
      if (kind === 'hang') return new Promise<ConsumeResult>(() => {});
      return { allowed: true, committed: true, now: 0, limits: [] };
    },
    reset: () => 0,
  };
}

failOnUnhandledRejections();

describe('store failures', () => {
  it.each(['throw', 'reject', 'hang', 'garbage'] as const)('%s: fail-open by default, with a store_error event', async (kind) => {
    const events: LimitRateEvent[] = [];
    const limiter = new RateLimiter({ policies, store: brokenStore(kind), storeTimeoutMs: 30, onEvent: (e) => void events.push(e) });
    const r = await limiter.check({ userId: 'u' });
    expect(r).toMatchObject({ allowed: true, action: 'allow', reason: 'store_error', degraded: true });
    expect(r.error?.code).toBe(kind === 'hang' ? 'ERR_LIMITRATE_STORE_TIMEOUT' : 'ERR_LIMITRATE_STORE');
    await limiter.events.flush();
    expect(events.find((e) => e.type === 'store_error')).toMatchObject({ store: 'broken', policy: 'allow' });
  });

  it.each(['throw', 'reject', 'hang'] as const)('%s: fail-closed with onStoreError block (and the v3 onRedisError)', async (kind) => {
    for (const opt of [{ onStoreError: 'block' as const }, { onRedisError: 'block' as const }]) {
      const limiter = new RateLimiter({ policies, store: brokenStore(kind), storeTimeoutMs: 30, ...opt });
      expect(await limiter.check({ userId: 'u' })).toMatchObject({ allowed: false, action: 'block', reason: 'store_error', degraded: true });
    }
  });

  it('bounds the wait for a hanging store by storeTimeoutMs', async () => {
    const limiter = new RateLimiter({ policies, store: brokenStore('hang'), storeTimeoutMs: 50 });
    const results = await Promise.all(Array.from({ length: 50 }, () => limiter.check({ userId: 'u' })));
    expect(results.every((r) => r.degraded)).toBe(true);
  });

  it('answers even when a hung store is the only thing left running', () => {
    const dist = new URL('../dist/index.js', import.meta.url).pathname;
    const script = `
      const { RateLimiter } = await import(${JSON.stringify(dist)});
      const limiter = new RateLimiter({
        storeTimeoutMs: 100,
        store: { name: 'hung', consume: () => new Promise(() => {}), reset: () => 0 },
        policies: { free: { rate: { maxPerMinute: 1 } } },
      });
      const r = await limiter.check({ userId: 'u' });
      console.log(r.reason, r.allowed);
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { timeout: 10_000, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('store_error true');
  });

  it('record() reports a store failure instead of rejecting', async () => {
    const limiter = new RateLimiter({ policies: { free: { rate: { maxTokensPerMinute: 10 } } }, store: brokenStore('reject') });
    const r = await limiter.record({ userId: 'u' }, { tokens: 5 });
    expect(r).toMatchObject({ recorded: false, error: { code: 'ERR_LIMITRATE_STORE' } });
  });
});

describe('callback failures', () => {
  const cases: Array<[string, () => unknown]> = [
    ['throws', () => { throw new Error('pricing table missing'); }],
    ['rejects', () => Promise.reject(new Error('no'))],
    ['hangs', () => new Promise(() => {})],
    ['returns NaN', () => Number.NaN],
    ['returns a negative number', () => -1],
    ['returns a string', () => '0.01'],
  ];

  it.each(cases)('estimateCost %s: allow checks the caps without a cost', async (_name, estimateCost) => {
    const events: LimitRateEvent[] = [];
    const limiter = new RateLimiter({
      clock: manualClock(0),
      policies: { free: { rate: { maxPerMinute: 5 }, cost: { hourlyCap: 1, estimateCost: estimateCost as () => number, costEstimationTimeoutMs: 20 } } },
      onEvent: (e) => void events.push(e),
    });
    const r = await limiter.check({ userId: 'u' });
    expect(r).toMatchObject({ allowed: true, degraded: true, cost: 0 });
    expect(r.error?.code).toMatch(/^ERR_LIMITRATE_(CALLBACK|CALLBACK_TIMEOUT|INVALID_COST)$/);
    expect(r.limits.find((l) => l.kind === 'rate')?.used).toBe(1);
    await limiter.events.flush();
    expect(events.find((e) => e.type === 'callback_error')).toMatchObject({ callback: 'estimateCost' });
  });

  it.each(cases)('estimateCost %s: block refuses the request', async (_name, estimateCost) => {
    const limiter = new RateLimiter({
      onStoreError: 'block',
      policies: { free: { cost: { hourlyCap: 1, estimateCost: estimateCost as () => number, costEstimationTimeoutMs: 20 } } },
    });
    expect(await limiter.check({ userId: 'u' })).toMatchObject({ allowed: false, reason: 'callback_error', degraded: true });
  });

  it('still enforces an exhausted cap when the estimate fails (fail-open)', async () => {
    let fail = false;
    const limiter = new RateLimiter({
      clock: manualClock(0),
      policies: { free: { cost: { hourlyCap: 0.02, estimateCost: () => { if (fail) throw new Error('x'); return 0.01; } } } },
    });
    await limiter.check({ userId: 'u' });
    await limiter.check({ userId: 'u' });
    fail = true;
    expect(await limiter.check({ userId: 'u' })).toMatchObject({ allowed: false, reason: 'cost_exceeded' });
  });
});

describe('event listeners cannot break checks', () => {
  it('throwing and rejecting listeners are isolated and reported', async () => {
    const reported: unknown[] = [];
    const limiter = new RateLimiter({ policies, store: new MemoryStore({ cleanupIntervalMs: 0 }) });
    limiter.events.on('allowed', () => {
      throw new Error('listener bug');
    });
    limiter.events.on('*', async () => {
      throw new Error('async listener bug');
    });
    const seen: string[] = [];
    limiter.events.on('allowed', (e) => void seen.push(e.user));
    // Replace the default console report so the test output stays clean.
    limiter.events.handleListenerErrors((e) => void reported.push(e));
    const r = await limiter.check({ userId: 'u' });
    expect(r.allowed).toBe(true);
    await limiter.events.flush();
    await new Promise((res) => setTimeout(res, 5));
    expect(seen).toEqual(['u']);
    expect(reported).toHaveLength(2);
    expect(limiter.events.stats().listenerErrors).toBe(2);
  });

  it('a slow async listener does not delay the check', async () => {
    const limiter = new RateLimiter({ policies, store: new MemoryStore({ cleanupIntervalMs: 0 }) });
    let finished = false;
    limiter.events.on('allowed', () => new Promise<void>((res) => setTimeout(() => { finished = true; res(); }, 200)));
    await limiter.check({ userId: 'u' });
    expect(finished).toBe(false);
  });

  it('onEvent receives every event and close() flushes them', async () => {
    const events: string[] = [];
    const limiter = new RateLimiter({ policies: { free: { rate: { maxPerMinute: 1 } } }, onEvent: (e) => void events.push(e.type) });
    await limiter.check({ userId: 'u' });
    await limiter.check({ userId: 'u' });
    await limiter.close();
    expect(events).toEqual(['allowed', 'rate_exceeded']);
  });
});
