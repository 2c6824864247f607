// ResilientStore under a RateLimiter: the failure policy holds (and is applied at once while
// the circuit is open), decisions stay bounded in time, the insurance store decides during an
// outage, events reach the limiter's bus, and the limiter recovers when the store does.
import { describe, expect, it } from 'vitest';
import { failOnUnhandledRejections } from '../__tests__/unhandled.js';
import { manualClock, type ManualClock } from '../clock.js';
import type { LimitRateEvent } from '../events/types.js';
import { RateLimiter } from '../limiter.js';
import { MemoryStore } from './memory.js';
import { FaultyStore } from './resilient-fakes.js';
import { ResilientStore, type ResilientStoreOptions } from './resilient.js';

failOnUnhandledRejections();

const policies = { free: { rate: { maxPerMinute: 5 } } };
const request = (userId = 'u') => ({ userId, plan: 'free', endpoint: 'GET|/x' });

let clock: ManualClock;
let remote: FaultyStore;
let events: LimitRateEvent[];

function setup(onStoreError: 'allow' | 'block', options: ResilientStoreOptions = {}, storeTimeoutMs = 1000) {
  clock = manualClock(1_000_000);
  remote = new FaultyStore(clock);
  events = [];
  const store = new ResilientStore(remote, { failureThreshold: 3, openMs: 5000, timeoutMs: 50, clock, ...options });
  const limiter = new RateLimiter({ store, policies, onStoreError, storeTimeoutMs, clock, onEvent: (e) => void events.push(e) });
  // No attach() here: the limiter attaches its own bus to the store.
  return { store, limiter };
}

const count = (type: LimitRateEvent['type']) => events.filter((e) => e.type === type).length;

describe.each(['allow', 'block'] as const)('onStoreError %s without insurance', (policy) => {
  it('applies the policy to failed calls, then at once while the circuit is open', async () => {
    const { store, limiter } = setup(policy);
    remote.mode = 'reject';
    const results = [];
    for (let i = 0; i < 10; i++) results.push(await limiter.check(request()));
    expect(results.every((r) => r.allowed === (policy === 'allow') && r.reason === 'store_error' && r.degraded)).toBe(true);
    expect(remote.calls).toBe(3);
    expect(results[9]!.error?.message).toMatch(/circuit open/);
    await limiter.events.flush();
    expect(count('store_error')).toBe(10);
    expect(events.find((e) => e.type === 'store_error')).toMatchObject({ store: 'remote', policy });
    expect(events.find((e) => e.type === 'store_circuit')).toMatchObject({ state: 'open', store: 'remote' });
    expect(store.state).toBe('open');
  });

  it('keeps every decision bounded when the store hangs, and stops calling it', async () => {
    const { limiter } = setup(policy);
    remote.mode = 'hang';
    const started = Date.now();
    const first = await Promise.all(Array.from({ length: 20 }, (_, i) => limiter.check(request(`u${i}`))));
    const rest = await Promise.all(Array.from({ length: 200 }, (_, i) => limiter.check(request(`v${i}`))));
    expect(Date.now() - started).toBeLessThan(5000); // generous: each waits timeoutMs (50 ms) at most
    expect([...first, ...rest].every((r) => r.allowed === (policy === 'allow') && r.reason === 'store_error')).toBe(true);
    expect(first.every((r) => r.error?.code === 'ERR_LIMITRATE_STORE_TIMEOUT')).toBe(true);
    expect(remote.calls).toBe(20); // the 20 in flight together; none once the circuit opened
    expect(rest.every((r) => r.error?.code === 'ERR_LIMITRATE_STORE')).toBe(true);
  });

  it('recovers by itself: a probe after openMs closes the circuit and the store decides again', async () => {
    const { store, limiter } = setup(policy);
    remote.mode = 'reject';
    for (let i = 0; i < 4; i++) await limiter.check(request());
    remote.mode = 'ok';
    clock.advance(5000);
    const after = [];
    for (let i = 0; i < 6; i++) after.push(await limiter.check(request()));
    expect(after.map((r) => r.allowed)).toEqual([true, true, true, true, true, false]);
    expect(after.every((r) => !r.degraded)).toBe(true);
    expect(store.state).toBe('closed');
    await limiter.events.flush();
    expect(events.filter((e) => e.type === 'store_circuit').map((e) => (e.type === 'store_circuit' ? e.state : ''))).toEqual(['open', 'half-open', 'closed']);
  });
});

describe('with an insurance store', () => {
  it('decides from the insurance store during the outage: limits hold, no store_error', async () => {
    const { store, limiter } = setup('block', { insurance: new MemoryStore({ clock, cleanupIntervalMs: 0 }) });
    remote.mode = 'reject';
    const results = [];
    for (let i = 0; i < 8; i++) results.push(await limiter.check(request()));
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, true, true, false, false, false]);
    expect(results[7]).toMatchObject({ reason: 'rate_limited', degraded: false });
    expect(remote.calls).toBe(3);
    expect(store.stats()).toMatchObject({ state: 'open', insured: 8, skipped: 5 });
    await limiter.events.flush();
    expect(count('store_error')).toBe(0);
    expect(count('store_fallback')).toBe(3);
    expect(count('store_circuit')).toBe(1);
    expect(count('rate_exceeded')).toBe(3);
  });

  it('answers a hung store from the insurance store within timeoutMs, below storeTimeoutMs', async () => {
    const { limiter } = setup('block', { insurance: new MemoryStore({ clock, cleanupIntervalMs: 0 }) });
    remote.mode = 'hang';
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => limiter.check(request(`u${i}`))));
    expect(results.every((r) => r.allowed && !r.degraded)).toBe(true);
    expect(remote.calls).toBe(5);
    expect((await limiter.check(request('later'))).allowed).toBe(true);
    expect(remote.calls).toBe(5);
  });

  it('still opens when the limiter gives up first (timeoutMs above storeTimeoutMs)', async () => {
    const { store, limiter } = setup('allow', { timeoutMs: 60, insurance: new MemoryStore() }, 20);
    remote.mode = 'hang';
    const results = await Promise.all(Array.from({ length: 3 }, (_, i) => limiter.check(request(`u${i}`))));
    expect(results.every((r) => r.reason === 'store_error' && r.error?.code === 'ERR_LIMITRATE_STORE_TIMEOUT')).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
    expect(store.state).toBe('open');
    expect((await limiter.check(request())).degraded).toBe(false);
  });

  it('routes record() charges to the insurance store while open', async () => {
    const { limiter } = setup('allow', { insurance: new MemoryStore({ clock, cleanupIntervalMs: 0 }) });
    remote.mode = 'reject';
    for (let i = 0; i < 3; i++) await limiter.check(request());
    const r = await limiter.record(request('r'), { requests: 2 });
    expect(r).toMatchObject({ recorded: true, requests: 2 });
    expect((await limiter.check(request('r'))).remaining).toBe(2);
  });
});
