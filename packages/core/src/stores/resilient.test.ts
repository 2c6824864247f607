// ResilientStore's breaker, driven by a manual clock and a store that fails on demand:
// threshold, fail-fast while open, the half-open probe, insurance answers, one probe under
// concurrency, timeouts, events, reset and close.
import { describe, expect, it } from 'vitest';
import { failOnUnhandledRejections } from '../__tests__/unhandled.js';
import { manualClock, type ManualClock } from '../clock.js';
import { EventBus } from '../events/bus.js';
import type { LimitRateEvent } from '../events/types.js';
import { MemoryStore } from './memory.js';
import { FaultyStore, settle, spec } from './resilient-fakes.js';
import { ResilientStore, type ResilientStoreOptions } from './resilient.js';

failOnUnhandledRejections();

let clock: ManualClock;
let remote: FaultyStore;
let events: LimitRateEvent[];

function make(options: ResilientStoreOptions = {}): ResilientStore {
  clock = manualClock(1_000_000);
  remote = new FaultyStore(clock);
  events = [];
  const store = new ResilientStore(remote, { failureThreshold: 3, openMs: 5000, clock, ...options });
  const bus = new EventBus();
  bus.on('*', (e) => void events.push(e));
  store.attach(bus);
  return store;
}

/** Calls consume and reports how it went (never rejects). */
async function attempt(store: ResilientStore, key = 'u:api'): Promise<string> {
  try {
    const r = await store.consume([spec(key)]);
    return r.allowed ? 'allowed' : 'refused';
  } catch (e) {
    return (e as { code?: string }).code ?? 'error';
  }
}

const circuit = () => events.filter((e) => e.type === 'store_circuit').map((e) => (e.type === 'store_circuit' ? `${e.previous}>${e.state}` : ''));

describe('ResilientStore: the breaker', () => {
  it('passes calls through while the store answers, under the store name', async () => {
    const store = make();
    expect(store.name).toBe('remote');
    expect(await attempt(store)).toBe('allowed');
    expect(remote.calls).toBe(1);
    expect(store.stats()).toMatchObject({ state: 'closed', calls: 1, failures: 0, skipped: 0, insured: 0 });
  });

  it('opens after failureThreshold consecutive failures; a success resets the count', async () => {
    const store = make();
    remote.mode = 'reject';
    expect([await attempt(store), await attempt(store)]).toEqual(['ERR_LIMITRATE_STORE', 'ERR_LIMITRATE_STORE']);
    remote.mode = 'ok';
    await attempt(store);
    remote.mode = 'throw';
    await attempt(store);
    await attempt(store);
    expect(store.state).toBe('closed');
    await attempt(store);
    expect(store.state).toBe('open');
    expect(store.stats()).toMatchObject({ calls: 6, failures: 5, opened: 1 });
    await settle();
    expect(circuit()).toEqual(['closed>open']);
    expect(events[0]).toMatchObject({ type: 'store_circuit', store: 'remote', failures: 3, user: '', error: { code: 'ERR_LIMITRATE_STORE' } });
  });

  it('fails fast while open: the store is not called, calls reject with a store error', async () => {
    const store = make();
    remote.mode = 'reject';
    for (let i = 0; i < 3; i++) await attempt(store);
    remote.mode = 'hang'; // would hang if it were called
    const before = remote.calls;
    const results = await Promise.all(Array.from({ length: 100 }, () => attempt(store)));
    expect(results.every((r) => r === 'ERR_LIMITRATE_STORE')).toBe(true);
    expect(remote.calls).toBe(before);
    expect(store.stats().skipped).toBe(100);
    await expect(store.consume([spec()])).rejects.toThrow(/circuit open after 3 consecutive failures/);
    clock.advance(4999);
    expect(await attempt(store)).toBe('ERR_LIMITRATE_STORE');
    expect(remote.calls).toBe(before);
  });

  it('half-open: a successful probe closes the circuit', async () => {
    const store = make();
    remote.mode = 'reject';
    for (let i = 0; i < 3; i++) await attempt(store);
    remote.mode = 'ok';
    clock.advance(5000);
    expect(await attempt(store)).toBe('allowed');
    expect(store.state).toBe('closed');
    expect(await attempt(store)).toBe('allowed');
    expect(remote.calls).toBe(5);
    await settle();
    expect(circuit()).toEqual(['closed>open', 'open>half-open', 'half-open>closed']);
  });

  it('half-open: a failed probe reopens the circuit for another openMs', async () => {
    const store = make();
    remote.mode = 'reject';
    for (let i = 0; i < 3; i++) await attempt(store);
    clock.advance(6000);
    expect(await attempt(store)).toBe('ERR_LIMITRATE_STORE');
    expect(store.state).toBe('open');
    expect(remote.calls).toBe(4);
    clock.advance(4000);
    await attempt(store);
    expect(remote.calls).toBe(4);
    clock.advance(1000);
    remote.mode = 'ok';
    expect(await attempt(store)).toBe('allowed');
    expect(store.state).toBe('closed');
    await settle();
    expect(circuit()).toEqual(['closed>open', 'open>half-open', 'half-open>open', 'open>half-open', 'half-open>closed']);
    expect(store.stats().opened).toBe(2);
  });

  it('half-open under concurrency: exactly one probe reaches the store', async () => {
    const store = make({ insurance: new MemoryStore({ clock, cleanupIntervalMs: 0 }) });
    remote.mode = 'reject';
    for (let i = 0; i < 3; i++) await attempt(store);
    remote.mode = 'held';
    clock.advance(5000);
    const before = remote.calls;
    const pending = Array.from({ length: 50 }, (_, i) => attempt(store, `k${i}`));
    expect(remote.calls).toBe(before + 1);
    expect(store.state).toBe('half-open');
    remote.release(true);
    const results = await Promise.all(pending);
    expect(results.every((r) => r === 'allowed')).toBe(true); // 49 from insurance, the probe from the store
    expect(store.state).toBe('closed');
    expect(store.stats()).toMatchObject({ skipped: 49 });
  });

  it('replaces a probe that never settles (no timeout of its own) after openMs', async () => {
    const store = make({ timeoutMs: 0 });
    remote.mode = 'reject';
    for (let i = 0; i < 3; i++) await attempt(store);
    remote.mode = 'hang';
    clock.advance(5000);
    void Promise.resolve(store.consume([spec()])).catch(() => undefined);
    expect(remote.calls).toBe(4);
    expect(await attempt(store)).toBe('ERR_LIMITRATE_STORE');
    clock.advance(5000);
    remote.mode = 'ok';
    expect(await attempt(store)).toBe('allowed');
    expect(store.state).toBe('closed');
  });

  it('ignores late outcomes of calls admitted before the circuit moved', async () => {
    const store = make();
    remote.mode = 'held';
    const late = attempt(store);
    remote.mode = 'reject';
    for (let i = 0; i < 3; i++) await attempt(store);
    clock.advance(5000);
    remote.mode = 'ok';
    expect(await attempt(store)).toBe('allowed');
    remote.release(false); // the old call fails now: it must not count against the new closed state
    expect(await late).toBe('ERR_LIMITRATE_STORE');
    expect(store.stats()).toMatchObject({ state: 'closed', consecutiveFailures: 0 });
  });

  it('counts timeouts (timeoutMs) and malformed answers as failures', async () => {
    const store = make({ timeoutMs: 20, failureThreshold: 2 });
    remote.mode = 'hang';
    const started = Date.now();
    expect(await attempt(store)).toBe('ERR_LIMITRATE_STORE_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(5000);
    remote.mode = 'garbage';
    await expect(store.consume([spec()])).rejects.toThrow(/malformed/);
    expect(store.state).toBe('open');
  });

  it('answers synchronous stores synchronously', () => {
    clock = manualClock(0);
    const memory = new MemoryStore({ clock, cleanupIntervalMs: 0 });
    const store = new ResilientStore(memory, { clock });
    const r = store.consume([spec()]);
    expect('then' in r).toBe(false);
  });
});

describe('ResilientStore: the insurance store', () => {
  it('answers failed calls and, while open, every call; limits still hold', async () => {
    const insurance = new MemoryStore({ clock: manualClock(0), cleanupIntervalMs: 0 });
    const store = make({ insurance });
    remote.mode = 'reject';
    const results: string[] = [];
    for (let i = 0; i < 5; i++) results.push(await attempt(store));
    expect(results).toEqual(['allowed', 'allowed', 'allowed', 'refused', 'refused']); // limit 3, from insurance
    expect(remote.calls).toBe(3);
    expect(store.stats()).toMatchObject({ state: 'open', failures: 3, skipped: 2, insured: 5 });
    // While open the answer comes back without a promise (the memory store's own).
    expect('then' in store.consume([spec('other')])).toBe(false);
    await settle();
    const fallbacks = events.filter((e) => e.type === 'store_fallback');
    expect(fallbacks).toHaveLength(3); // one per failed call, none per skipped call
    expect(fallbacks[0]).toMatchObject({ store: 'remote', insurance: 'memory', error: { code: 'ERR_LIMITRATE_STORE' } });
    expect(events.find((e) => e.type === 'store_circuit')).toMatchObject({ state: 'open', insurance: 'memory' });
  });

  it('goes back to the store when the circuit closes; insurance counts are not copied back', async () => {
    const insurance = new MemoryStore({ clock: manualClock(0), cleanupIntervalMs: 0 });
    const store = make({ insurance });
    expect(await attempt(store)).toBe('allowed'); // counted by the store: 1 of 3
    remote.mode = 'reject';
    for (let i = 0; i < 5; i++) await attempt(store); // insurance: 3 allowed, 2 refused
    remote.mode = 'ok';
    clock.advance(5000);
    expect([await attempt(store), await attempt(store), await attempt(store)]).toEqual(['allowed', 'allowed', 'refused']);
    expect(store.state).toBe('closed');
  });

  it('rejects when the insurance store fails too', async () => {
    const insurance = new MemoryStore();
    insurance.close();
    const store = make({ insurance });
    remote.mode = 'reject';
    expect(await attempt(store)).toBe('ERR_LIMITRATE_CLOSED');
  });
});

describe('ResilientStore: reset, close, options', () => {
  it('reset clears both stores and resolves to what the store removed', async () => {
    const insurance = new MemoryStore();
    const store = make({ insurance });
    await store.consume([spec('a')]);
    insurance.consume([spec('a')]);
    expect(await store.reset({ all: true })).toBe(1);
    expect(insurance.stats().keys).toBe(0);
    remote.mode = 'reject';
    await expect(store.reset({ keys: ['a'] })).rejects.toMatchObject({ code: 'ERR_LIMITRATE_STORE' });
    expect(store.stats().failures).toBe(0); // reset is outside the breaker
  });

  it('close closes both stores by default, neither with closeStores: false; later calls reject', async () => {
    const insurance = new MemoryStore();
    const store = make({ insurance });
    await store.close();
    await store.close();
    expect(remote.closed).toBe(1);
    await expect(store.consume([spec()])).rejects.toMatchObject({ code: 'ERR_LIMITRATE_CLOSED' });
    await expect(store.reset({ all: true })).rejects.toMatchObject({ code: 'ERR_LIMITRATE_CLOSED' });
    const kept = make({ closeStores: false });
    await kept.close();
    expect(remote.closed).toBe(0);
  });

  it('rejects bad options with a clear error', () => {
    const s = new MemoryStore();
    expect(() => new ResilientStore(s, { failureThreshold: 0 })).toThrow(/failureThreshold must be an integer > 0/);
    expect(() => new ResilientStore(s, { openMs: -1 })).toThrow(/openMs/);
    expect(() => new ResilientStore(s, { timeoutMs: Number.NaN })).toThrow(/timeoutMs/);
    expect(() => new ResilientStore(s, { insurance: {} as MemoryStore })).toThrow(/insurance must be a Store/);
    expect(() => new ResilientStore(undefined as unknown as MemoryStore)).toThrow(/needs a store/);
  });

  it('stops emitting on a disposed bus', async () => {
    const store = make();
    const bus = new EventBus();
    const seen: string[] = [];
    bus.on('*', (e) => void seen.push(e.type));
    store.attach(bus).dispose();
    remote.mode = 'reject';
    for (let i = 0; i < 3; i++) await attempt(store);
    await settle();
    expect(seen).toEqual([]);
    expect(circuit()).toEqual(['closed>open']);
  });
});
