// faultyStore: passes calls through untouched when no fault applies (the store conformance
// suite still passes), injects latency, seeded failures and hangs that a limiter's failure
// policy and storeTimeoutMs then handle, only on the calls failOn picks, and counts calls.
import { EventBus, isLimitRateError, manualClock, MemoryStore, RateLimiter, type LimitSpec, type Store } from '@limitrate/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defineStoreConformance } from '../conformance/suite.js';
import { faultyStore } from './faulty-store.js';

const limit: LimitSpec = { key: 'u1:GET|/a:r:fw:60000', algorithm: 'fixed-window', limit: 3, windowMs: 60_000, cost: 1 };
const policies = { free: { rate: { maxPerMinute: 3 } } };
const request = { userId: 'u1', endpoint: 'GET|/a' };

afterEach(() => {
  vi.useRealTimers();
});

defineStoreConformance({ describe, it }, { name: 'faultyStore without faults', create: ({ clock }) => faultyStore(new MemoryStore({ clock, cleanupIntervalMs: 0 })) });
defineStoreConformance(
  { describe, it },
  { name: 'faultyStore with random latency', create: ({ clock }) => faultyStore(new MemoryStore({ clock, cleanupIntervalMs: 0 }), { latency: { min: 0, max: 2 }, seed: 5 }) },
);

describe('faultyStore', () => {
  it('passes calls straight through when no fault applies (a MemoryStore stays synchronous)', () => {
    const inner = new MemoryStore({ clock: manualClock(0), cleanupIntervalMs: 0 });
    const store = faultyStore(inner);
    const r = store.consume([limit]);
    expect(r).not.toBeInstanceOf(Promise);
    expect(store.name).toBe('memory');
    expect(store.inner).toBe(inner);
    expect(store.reset({ all: true })).toBe(1);
    expect(store.calls).toEqual({ total: 2, failed: 0, timedOut: 0, byName: { consume: 1, reset: 1 } });
  });

  it('fails a seeded share of calls with a StoreError, never reaching the store', async () => {
    const run = async () => {
      const store = faultyStore(new MemoryStore({ clock: manualClock(0), cleanupIntervalMs: 0 }), { failureRate: 0.25, seed: 11 });
      const codes: string[] = [];
      for (let i = 0; i < 40; i++) {
        codes.push(
          await Promise.resolve(store.consume([{ ...limit, limit: 100 }])).then(
            () => 'ok',
            (e: unknown) => (isLimitRateError(e) ? e.code : 'other'),
          ),
        );
      }
      const used = (await store.inner.consume([{ ...limit, limit: 100, cost: 0 }], { mode: 'peek' })).limits[0]!.used;
      return { codes, used };
    };
    const a = await run();
    expect(await run()).toEqual(a);
    const failed = a.codes.filter((c) => c === 'ERR_LIMITRATE_STORE').length;
    expect(failed).toBeGreaterThan(3);
    expect(failed + a.used).toBe(40);
    expect(a.codes.filter((c) => c !== 'ok' && c !== 'ERR_LIMITRATE_STORE')).toEqual([]);
  });

  it('hangs for `timeout` then rejects with ERR_LIMITRATE_STORE_TIMEOUT; Infinity hangs until close()', async () => {
    vi.useFakeTimers();
    const store = faultyStore(new MemoryStore({ cleanupIntervalMs: 0 }), { timeout: 500 });
    store.failNext(1);
    const first = Promise.resolve(store.consume([limit])).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(500);
    expect(await first).toMatchObject({ code: 'ERR_LIMITRATE_STORE_TIMEOUT', store: 'memory' });
    store.setFaults({ timeout: Infinity });
    store.fail();
    const hung = Promise.resolve(store.reset({ all: true })).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(3_600_000);
    await store.close();
    expect(await hung).toMatchObject({ code: 'ERR_LIMITRATE_CLOSED' });
    await expect(store.consume([limit])).rejects.toMatchObject({ code: 'ERR_LIMITRATE_CLOSED' });
    expect(store.calls).toMatchObject({ failed: 0, timedOut: 2 });
  });

  it("answers after the latency, with the store's answer as of the call", async () => {
    vi.useFakeTimers();
    const clock = manualClock(0);
    const store = faultyStore(new MemoryStore({ clock, cleanupIntervalMs: 0 }), { latency: 30 });
    let answer: Awaited<ReturnType<Store['consume']>> | undefined;
    void Promise.resolve(store.consume([limit])).then((r) => (answer = r));
    clock.advance(10);
    await vi.advanceTimersByTimeAsync(29);
    expect(answer).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(answer).toMatchObject({ allowed: true, now: 0 });
  });

  it('applies faults only to the calls failOn picks: operations, or a test on each call', async () => {
    const resets = faultyStore(new MemoryStore({ cleanupIntervalMs: 0 }), { failOn: 'reset' });
    resets.fail();
    expect(await resets.consume([limit])).toMatchObject({ allowed: true });
    await expect(resets.reset({ all: true })).rejects.toMatchObject({ code: 'ERR_LIMITRATE_STORE' });
    const orgs = faultyStore(new MemoryStore({ cleanupIntervalMs: 0 }), { failureRate: 1, failOn: (call) => call.op === 'consume' && call.limits.some((l) => l.key.startsWith('org')) });
    expect(await orgs.consume([limit])).toMatchObject({ allowed: true });
    await expect(orgs.consume([limit, { ...limit, key: 'org1:x' }])).rejects.toThrow(/injected failure/);
    const closes = faultyStore(new MemoryStore({ cleanupIntervalMs: 0 }), { failOn: ['close'] });
    closes.failNext(1);
    await expect(closes.close()).rejects.toMatchObject({ code: 'ERR_LIMITRATE_STORE' });
    await closes.close();
    expect(() => faultyStore(new MemoryStore(), { failOn: 'consum' as never })).toThrow(/failOn must name operations/);
    expect(() => faultyStore({} as never)).toThrow(/wraps a Store/);
  });

  it("passes attach() through to a store with events of its own", () => {
    const disposed = vi.fn();
    const inner: Store = { name: 'evented', consume: () => Promise.reject(new Error('unused')), reset: () => 0, attach: () => ({ dispose: disposed }) };
    const store = faultyStore(inner);
    store.attach!(new EventBus()).dispose();
    expect(disposed).toHaveBeenCalledTimes(1);
    expect(faultyStore(new MemoryStore()).attach).toBeUndefined();
  });
});

describe('faultyStore under a RateLimiter', () => {
  it("onStoreError 'allow' and 'block' decide while the store fails", async () => {
    for (const policy of ['allow', 'block'] as const) {
      const store = faultyStore(new MemoryStore({ cleanupIntervalMs: 0 }));
      const limiter = new RateLimiter({ store, onStoreError: policy, policies });
      store.failNext(2);
      const results = [];
      for (let i = 0; i < 5; i++) results.push(await limiter.check(request));
      expect(results.map((r) => r.allowed)).toEqual(policy === 'allow' ? [true, true, true, true, true] : [false, false, true, true, true]);
      expect(results.map((r) => r.degraded)).toEqual([true, true, false, false, false]);
      expect((await limiter.check(request)).reason).toBe('rate_limited');
      await limiter.close();
    }
  });

  it('storeTimeoutMs bounds a hung store: the failure policy answers at the deadline', async () => {
    vi.useFakeTimers();
    const store = faultyStore(new MemoryStore({ cleanupIntervalMs: 0 }), { timeout: Infinity });
    const limiter = new RateLimiter({ store, storeTimeoutMs: 75, onStoreError: 'block', policies });
    store.fail();
    let result: Awaited<ReturnType<RateLimiter['check']>> | undefined;
    void limiter.check(request).then((r) => (result = r));
    await vi.advanceTimersByTimeAsync(74);
    expect(result).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(result).toMatchObject({ allowed: false, degraded: true, reason: 'store_error' });
    expect(result?.error?.code).toBe('ERR_LIMITRATE_STORE_TIMEOUT');
    await limiter.close();
  });
});
