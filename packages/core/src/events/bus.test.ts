// EventBus: typed subscriptions, disposal, asynchronous delivery, bounded queue, isolation.
import { describe, expect, it } from 'vitest';
import { EventBus } from './bus.js';
import type { LimitRateEvent } from './types.js';

const allowed = (user = 'u'): LimitRateEvent => ({ type: 'allowed', timestamp: 0, user, plan: 'free', endpoint: 'GET|/' });

describe('EventBus', () => {
  it('delivers after the emitting code has finished, by type and to wildcards', async () => {
    const bus = new EventBus();
    const got: string[] = [];
    bus.on('allowed', (e) => void got.push(`allowed:${e.user}`));
    bus.on('*', (e) => void got.push(`*:${e.type}`));
    bus.emit(allowed('a'));
    expect(got).toEqual([]);
    await bus.flush();
    expect(got).toEqual(['allowed:a', '*:allowed']);
  });

  it('dispose unsubscribes (twice is harmless) and has() follows', async () => {
    const bus = new EventBus();
    const got: string[] = [];
    const sub = bus.on('allowed', (e) => void got.push(e.user));
    expect(bus.has('allowed')).toBe(true);
    expect(bus.has('rate_exceeded')).toBe(false);
    sub.dispose();
    sub.dispose();
    expect(bus.has('allowed')).toBe(false);
    bus.emit(allowed());
    await bus.flush();
    expect(got).toEqual([]);
    expect(bus.stats().delivered).toBe(0);
  });

  it('has() answers per type through any mix of subscriptions and disposals, wildcards included', () => {
    const bus = new EventBus();
    const a1 = bus.on('allowed', () => undefined);
    const a2 = bus.on('allowed', () => undefined);
    const b = bus.on('rate_exceeded', () => undefined);
    a1.dispose();
    expect([bus.has('allowed'), bus.has('rate_exceeded'), bus.has('store_error')]).toEqual([true, true, false]);
    a2.dispose();
    expect([bus.has('allowed'), bus.has('rate_exceeded')]).toEqual([false, true]);
    const all = bus.on('*', () => undefined);
    expect([bus.has('allowed'), bus.has('store_error')]).toEqual([true, true]);
    all.dispose();
    b.dispose();
    expect([bus.has('allowed'), bus.has('rate_exceeded'), bus.has('store_error')]).toEqual([false, false, false]);
    bus.on('allowed', () => undefined);
    expect(bus.has('allowed')).toBe(true);
    // Names that are properties of every object are not taken for listeners.
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) expect(bus.has(name as 'allowed')).toBe(false);
  });

  it('bounds its queue and counts what it drops', async () => {
    const bus = new EventBus({ maxQueue: 10 });
    let n = 0;
    bus.on('allowed', () => void n++);
    for (let i = 0; i < 25; i++) bus.emit(allowed());
    await bus.flush();
    expect(n).toBe(10);
    expect(bus.stats()).toMatchObject({ delivered: 10, dropped: 15, queued: 0 });
  });

  it('isolates listener errors and reports them to the handler', async () => {
    const errors: unknown[] = [];
    const bus = new EventBus({ onListenerError: (e) => void errors.push(e) });
    const got: string[] = [];
    bus.on('allowed', () => {
      throw new Error('sync');
    });
    bus.on('allowed', () => Promise.reject(new Error('async')));
    bus.on('allowed', (e) => void got.push(e.user));
    bus.emit(allowed('x'));
    await bus.flush();
    await new Promise((r) => setTimeout(r, 1));
    expect(got).toEqual(['x']);
    expect(errors.map((e) => (e as Error).message).sort()).toEqual(['async', 'sync']);
  });

  it('reports listener errors to the console at most once per 10 s by default', async () => {
    let t = 0;
    const bus = new EventBus({ clock: { now: () => t } });
    const logged: unknown[][] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void logged.push(args);
    try {
      bus.on('allowed', () => {
        throw new Error('boom');
      });
      bus.emit(allowed());
      bus.emit(allowed());
      await bus.flush();
      t = 10_001;
      bus.emit(allowed());
      await bus.flush();
    } finally {
      console.error = original;
    }
    expect(logged).toHaveLength(2);
    expect(bus.stats().listenerErrors).toBe(3);
  });
});
