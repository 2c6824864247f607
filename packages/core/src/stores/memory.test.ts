// MemoryStore: atomic all-or-nothing sets, modes, expiry, the key cap and eviction, timers,
// hostile keys, and agreement with the pure algorithm functions.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fixedWindow, gcra, leakyBucket, slidingLog, slidingWindow, tokenBucket } from '../algorithms/index.js';
import type { AlgorithmSpec } from '../algorithms/types.js';
import { manualClock } from '../clock.js';
import { MemoryStore } from './memory.js';
import type { ConsumeResult, LimitSpec } from './types.js';

const fw = (key: string, limit: number, cost = 1, windowMs = 1000): LimitSpec => ({ key, algorithm: 'fixed-window', limit, windowMs, cost });
const sync = (r: ConsumeResult | Promise<ConsumeResult>): ConsumeResult => {
  if (r instanceof Promise) throw new Error('memory store should answer synchronously');
  return r;
};

describe('MemoryStore.consume', () => {
  it('answers synchronously and counts', () => {
    const store = new MemoryStore({ clock: manualClock(0), cleanupIntervalMs: 0 });
    const a = sync(store.consume([fw('k', 2)]));
    const b = sync(store.consume([fw('k', 2)]));
    const c = sync(store.consume([fw('k', 2)]));
    expect([a.allowed, b.allowed, c.allowed]).toEqual([true, true, false]);
    expect(c.limits[0]).toMatchObject({ allowed: false, remaining: 0, used: 2, limit: 2, retryAfterMs: 1000 });
    expect(c.committed).toBe(false);
  });

  it('is all-or-nothing: when one limit refuses, none is consumed', () => {
    const store = new MemoryStore({ clock: manualClock(0), cleanupIntervalMs: 0 });
    sync(store.consume([fw('b', 1)]));
    const r = sync(store.consume([fw('a', 5), fw('b', 1), fw('c', 5)]));
    expect(r.allowed).toBe(false);
    expect(r.limits.map((l) => l.allowed)).toEqual([true, false, true]);
    // a and c were not charged
    const peek = sync(store.consume([fw('a', 5, 0), fw('c', 5, 0)], { mode: 'peek' }));
    expect(peek.limits.map((l) => l.remaining)).toEqual([5, 5]);
  });

  it('lets soft limits through and counts them', () => {
    const store = new MemoryStore({ clock: manualClock(0), cleanupIntervalMs: 0 });
    const soft = { ...fw('s', 1), soft: true };
    sync(store.consume([soft]));
    const r = sync(store.consume([soft, fw('h', 10)]));
    expect(r.allowed).toBe(true);
    expect(r.committed).toBe(true);
    expect(r.limits[0]!.allowed).toBe(false);
    expect(r.limits[1]!.remaining).toBe(9);
    // A set of one full soft limit is allowed too (the single-limit path answers like the others).
    for (const mode of ['consume', 'peek'] as const) {
      const alone = sync(store.consume([soft], { mode }));
      expect(alone.allowed).toBe(true);
      expect(alone.limits[0]!.allowed).toBe(false);
      expect(alone.committed).toBe(mode === 'consume');
    }
    expect(sync(store.consume([soft], { mode: 'force' })).allowed).toBe(false);
  });

  it('peek never writes; force always writes and refunds by time of charge', () => {
    const clock = manualClock(10_000);
    const store = new MemoryStore({ clock, cleanupIntervalMs: 0 });
    sync(store.consume([fw('p', 3)], { mode: 'peek' }));
    expect(store.stats().keys).toBe(0);
    const forced = sync(store.consume([fw('p', 3, 5)], { mode: 'force' }));
    expect(forced).toMatchObject({ allowed: false, committed: true });
    expect(forced.limits[0]).toMatchObject({ used: 5, remaining: 0 });
    sync(store.consume([fw('p', 3, -4)], { mode: 'force', at: 10_000 }));
    expect(sync(store.consume([fw('p', 3, 0)], { mode: 'peek' })).limits[0]!.remaining).toBe(2);
    // A refund for a charge made in an earlier window gives nothing back.
    clock.advance(1000);
    sync(store.consume([fw('p', 3, 3)]));
    sync(store.consume([fw('p', 3, -3)], { mode: 'force', at: 10_000 }));
    expect(sync(store.consume([fw('p', 3, 0)], { mode: 'peek' })).limits[0]!.remaining).toBe(0);
  });

  it('starts fresh when a key is reused with another algorithm', () => {
    const store = new MemoryStore({ clock: manualClock(0), cleanupIntervalMs: 0 });
    sync(store.consume([fw('k', 1)]));
    const r = sync(store.consume([{ key: 'k', algorithm: 'gcra', limit: 1, windowMs: 1000, cost: 1 }]));
    expect(r.allowed).toBe(true);
  });

  it('keeps hostile keys apart', () => {
    const store = new MemoryStore({ clock: manualClock(0), cleanupIntervalMs: 0 });
    const keys = ['', ' ', 'a:b', 'a', 'a:', '{x}', 'ключ', '🔥'.repeat(3), 'x'.repeat(10_240), 'x'.repeat(10_239)];
    for (const k of keys) expect(sync(store.consume([fw(k, 1)])).allowed).toBe(true);
    for (const k of keys) expect(sync(store.consume([fw(k, 1)])).allowed).toBe(false);
    expect(store.stats().keys).toBe(keys.length);
  });

  it('reaches the same state through consumeFor (user + scope parts) and through the full key', () => {
    const store = new MemoryStore({ clock: manualClock(0), cleanupIntervalMs: 0 });
    const suffix = ':GET|/x:r:fw:1000';
    const spec = fw('', 3);
    store.consumeFor('u%3A1', [suffix], [spec], [1]);
    const viaKey = sync(store.consume([fw(`u%3A1${suffix}`, 3)]));
    expect(viaKey.limits[0]!.used).toBe(2);
    expect(store.consumeFor('u%3A1', [suffix], [spec], [1]).limits[0]!.used).toBe(3);
    expect(store.stats().keys).toBe(1);
    expect(store.reset({ keys: [`u%3A1${suffix}`] })).toBe(1);
    // Keys in any other format are kept whole.
    sync(store.consume([fw('a:b|c', 3)]));
    expect(store.reset({ pattern: 'a:b|c' })).toBe(1);
  });

  it('fails with ERR_LIMITRATE_CLOSED after close()', async () => {
    const store = new MemoryStore({ cleanupIntervalMs: 0 });
    store.close();
    await expect(Promise.resolve(store.consume([fw('k', 1)]))).rejects.toMatchObject({ code: 'ERR_LIMITRATE_CLOSED' });
  });
});

describe('MemoryStore expiry and bounds', () => {
  it('sweeps expired keys', () => {
    const clock = manualClock(0);
    const store = new MemoryStore({ clock, cleanupIntervalMs: 0 });
    for (let i = 0; i < 100; i++) sync(store.consume([fw(`k${i}`, 5)]));
    expect(store.stats().keys).toBe(100);
    clock.advance(999);
    expect(store.sweep()).toBe(0);
    clock.advance(1);
    expect(store.sweep()).toBe(100);
    expect(store.stats()).toMatchObject({ keys: 0, expired: 100 });
  });

  it('reclaims expired slots incrementally as new keys arrive', () => {
    const clock = manualClock(0);
    const store = new MemoryStore({ clock, cleanupIntervalMs: 0, maxKeys: 1000 });
    for (let i = 0; i < 500; i++) sync(store.consume([fw(`old${i}`, 5)]));
    clock.advance(5000);
    for (let i = 0; i < 500; i++) sync(store.consume([fw(`new${i}`, 5)]));
    expect(store.stats().keys).toBeLessThan(1000);
    expect(store.stats().evictions).toBe(0);
  });

  it('never holds more than maxKeys under a flood of unique keys', () => {
    const store = new MemoryStore({ clock: manualClock(0), cleanupIntervalMs: 0, maxKeys: 64 });
    for (let i = 0; i < 10_000; i++) sync(store.consume([fw(`flood${i}`, 5)]));
    expect(store.stats().keys).toBe(64);
    expect(store.stats().evictions).toBe(10_000 - 64);
  });

  it('evicts keys that were not used recently before those that were (second chance)', () => {
    const store = new MemoryStore({ clock: manualClock(0), cleanupIntervalMs: 0, maxKeys: 16 });
    for (let i = 0; i < 16; i++) sync(store.consume([fw(`k${i}`, 100)]));
    // Everyone has been referenced once; the first eviction pass clears the bits.
    sync(store.consume([fw('n0', 100)]));
    // Touch k5 and k6 again, then add more keys: k5/k6 must survive.
    sync(store.consume([fw('k5', 100)]));
    sync(store.consume([fw('k6', 100)]));
    for (let i = 1; i < 8; i++) sync(store.consume([fw(`n${i}`, 100)]));
    const r = sync(store.consume([fw('k5', 100, 0), fw('k6', 100, 0)], { mode: 'peek' }));
    expect(r.limits.map((l) => l.used)).toEqual([2, 2]);
  });

  it('never evicts a key of the call being committed', () => {
    const store = new MemoryStore({ clock: manualClock(0), cleanupIntervalMs: 0, maxKeys: 16 });
    for (let i = 0; i < 16; i++) sync(store.consume([fw(`k${i}`, 100)]));
    const set = Array.from({ length: 12 }, (_, i) => fw(`set${i}`, 100));
    for (let round = 0; round < 3; round++) sync(store.consume(set));
    const r = sync(store.consume(set.map((s) => ({ ...s, cost: 0 })), { mode: 'peek' }));
    expect(r.limits.every((l) => l.used === 3)).toBe(true);
  });

  it('rejects a set larger than the store can hold', async () => {
    const store = new MemoryStore({ clock: manualClock(0), cleanupIntervalMs: 0, maxKeys: 16 });
    const set = Array.from({ length: 17 }, (_, i) => fw(`s${i}`, 100));
    await expect(Promise.resolve(store.consume(set))).rejects.toMatchObject({ code: 'ERR_LIMITRATE_INVALID_REQUEST' });
  });

  it('resets by keys, by pattern and entirely', () => {
    const store = new MemoryStore({ clock: manualClock(0), cleanupIntervalMs: 0 });
    for (const k of ['u1:a:r', 'u1:b:r', 'u2:a:r', 'u2:b:r', 'u3:a:r']) sync(store.consume([fw(k, 5)]));
    expect(store.reset({ keys: ['u3:a:r', 'missing'] })).toBe(1);
    expect(store.reset({ pattern: 'u1:*' })).toBe(2);
    expect(store.reset({ pattern: '*:a:*' })).toBe(1);
    expect(store.stats().keys).toBe(1);
    expect(store.reset({ all: true })).toBe(1);
    expect(store.stats().keys).toBe(0);
  });

  it('treats regex characters in patterns literally', () => {
    const store = new MemoryStore({ clock: manualClock(0), cleanupIntervalMs: 0 });
    sync(store.consume([fw('a.b:x', 5)]));
    sync(store.consume([fw('aXb:x', 5)]));
    expect(store.reset({ pattern: 'a.b:*' })).toBe(1);
  });

  it('validates its options', () => {
    expect(() => new MemoryStore({ maxKeys: 3 })).toThrow(/maxKeys/);
    expect(() => new MemoryStore({ cleanupIntervalMs: -1 })).toThrow(/cleanupIntervalMs/);
  });
});

describe('MemoryStore timers', () => {
  const dist = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

  it('does not keep the process alive (the sweep timer is unref-ed)', () => {
    const script = `
      const { MemoryStore } = await import(${JSON.stringify(dist)});
      const s = new MemoryStore({ cleanupIntervalMs: 50 });
      s.consume([{ key: 'k', algorithm: 'fixed-window', limit: 1, windowMs: 1000, cost: 1 }]);
      console.log('done');
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { timeout: 10_000, encoding: 'utf8' });
    expect(r.error).toBeUndefined();
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('done');
  });

  it('sweeps on its timer', async () => {
    let t = 0;
    const store = new MemoryStore({ clock: { now: () => t }, cleanupIntervalMs: 20 });
    sync(store.consume([fw('k', 1)]));
    t = 5000;
    await new Promise((r) => setTimeout(r, 100));
    expect(store.stats().keys).toBe(0);
    store.close();
  });
});

/** Reference: run one algorithm's pure function over a trace. */
type Step = { dt: number; cost: number };
const pure = {
  'fixed-window': fixedWindow,
  'sliding-window': slidingWindow,
  'sliding-log': slidingLog,
  'token-bucket': tokenBucket,
  'leaky-bucket': leakyBucket,
  gcra,
} as const;

const specs: AlgorithmSpec[] = [
  { algorithm: 'fixed-window', limit: 5, windowMs: 1000 },
  { algorithm: 'sliding-window', limit: 5, windowMs: 1000 },
  { algorithm: 'sliding-log', limit: 5, windowMs: 1000 },
  { algorithm: 'token-bucket', capacity: 5, refillRate: 3 },
  { algorithm: 'token-bucket', capacity: 4, refillRate: 0.5, initialTokens: 1 },
  { algorithm: 'leaky-bucket', capacity: 5, leakRate: 2.5 },
  { algorithm: 'gcra', limit: 5, windowMs: 1000, burst: 2 },
];

describe('MemoryStore agrees with the pure algorithm functions', () => {
  it.each(specs.map((s) => [s.algorithm, s] as const))('%s', (_name, spec) => {
    fc.assert(
      fc.property(fc.array(fc.record({ dt: fc.integer({ min: 0, max: 700 }), cost: fc.integer({ min: 0, max: 4 }) }), { maxLength: 60 }), (trace: Step[]) => {
        const clock = manualClock(1_000_000);
        const store = new MemoryStore({ clock, cleanupIntervalMs: 0 });
        const fn = pure[spec.algorithm] as (s: unknown, now: number, p: AlgorithmSpec, cost: number) => { state: unknown; allowed: boolean; remaining: number; retryAfterMs: number; resetMs: number };
        let state: unknown;
        for (const step of trace) {
          clock.advance(step.dt);
          const expected = fn(state, clock.now(), spec, step.cost);
          state = expected.state;
          const got = sync(store.consume([{ ...spec, key: 'k', cost: step.cost } as LimitSpec])).limits[0]!;
          expect(got.allowed).toBe(expected.allowed);
          expect(got.remaining).toBe(expected.remaining);
          expect(got.retryAfterMs).toBe(expected.retryAfterMs);
          expect(got.resetMs).toBe(expected.resetMs);
        }
      }),
      { numRuns: 150 },
    );
  });
});
