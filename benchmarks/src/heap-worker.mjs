// Child process (run with --expose-gc): memory held per tracked key by one library. The key
// strings are made before the baseline, so only what the library itself keeps is counted.
import process from 'node:process';
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import { pathToFileURL } from 'node:url';
import { ENDPOINT, HUGE_LIMIT, makeKeys, WINDOW_MS } from './subjects.mjs';

/**
 * LimitRate's stores run on a frozen clock at t = 1,000,000 ms. With `limit: 1e9` per minute a
 * GCRA key is idle again 0.06 µs after its request; at today's epoch (~1.7e12 ms) that is below
 * float64 resolution (~0.24 µs), so the state equals "no state" at once and the store rightly
 * forgets the key: nothing would be tracked. A frozen clock near the epoch keeps all N keys
 * tracked (and keeps fixed-window keys from dropping out if a window boundary passed
 * mid-run). The layout measured is the same whatever the clock. The peers read Date.now()
 * themselves and keep every key for the whole 60 s window; `tracked` confirms the count.
 */
export const FROZEN_NOW = 1_000_000;

/** Heap subjects: `create()` returns `{ ref, insert(keys), tracked() }`. */
export const HEAP_SUBJECTS = {
  'limitrate-fixed-window': {
    label: 'LimitRate MemoryStore, fixed-window',
    create: () => limitrateStore({ algorithm: 'fixed-window', limit: HUGE_LIMIT, windowMs: WINDOW_MS }),
  },
  'limitrate-gcra': {
    label: 'LimitRate MemoryStore, GCRA',
    create: () => limitrateStore({ algorithm: 'gcra', limit: HUGE_LIMIT, windowMs: WINDOW_MS }),
  },
  'express-rate-limit': {
    label: 'express-rate-limit MemoryStore',
    async create() {
      const { MemoryStore } = await import('express-rate-limit');
      const store = new MemoryStore();
      store.init({ windowMs: WINDOW_MS });
      return {
        ref: store,
        async insert(keys) {
          for (const key of keys) await store.increment(key);
        },
        tracked: () => store.current.size + store.previous.size,
      };
    },
  },
  'rate-limiter-flexible': {
    label: 'rate-limiter-flexible RateLimiterMemory (incl. its per-key timer)',
    async create() {
      const { RateLimiterMemory } = await import('rate-limiter-flexible');
      const limiter = new RateLimiterMemory({ points: HUGE_LIMIT, duration: WINDOW_MS / 1000 });
      return {
        ref: limiter,
        async insert(keys) {
          for (const key of keys) await limiter.consume(key);
        },
        // Private field, read only to confirm that every key is tracked.
        tracked: () => limiter._memoryStorage?._storage?.size ?? Number.NaN,
      };
    },
  },
  'limitrate-check': {
    label: 'LimitRate RateLimiter.check, per user (incl. the limiter-built key strings)',
    extra: true,
    async create() {
      const { MemoryStore, RateLimiter, manualClock } = await import('@limitrate/core');
      const store = new MemoryStore({ cleanupIntervalMs: 0, clock: manualClock(FROZEN_NOW) });
      const limiter = new RateLimiter({ policies: { free: { rate: { maxPerMinute: HUGE_LIMIT } } }, store });
      return {
        ref: limiter,
        async insert(keys) {
          for (const key of keys) {
            const r = await limiter.check({ userId: key, endpoint: ENDPOINT });
            if (!r.allowed) throw new Error('limitrate-check: a request was refused');
          }
        },
        tracked: () => store.stats().keys,
      };
    },
  },
};

async function limitrateStore(algorithmSpec) {
  const { MemoryStore, manualClock } = await import('@limitrate/core');
  const store = new MemoryStore({ cleanupIntervalMs: 0, maxKeys: 1_000_000, clock: manualClock(FROZEN_NOW) });
  const spec = { key: '', ...algorithmSpec, cost: 1 };
  const specs = [spec];
  return {
    ref: store,
    insert(keys) {
      for (const key of keys) {
        spec.key = key;
        const r = store.consume(specs);
        if (typeof r.then === 'function') throw new Error('MemoryStore.consume returned a promise');
        if (!r.allowed) throw new Error('limitrate: a request was refused');
      }
    },
    tracked: () => store.stats().keys,
  };
}

function fullGc() {
  for (let i = 0; i < 4; i++) globalThis.gc();
}

function snapshot() {
  const { used_heap_size: heap } = v8.getHeapStatistics();
  const { arrayBuffers, external } = process.memoryUsage();
  return { heap, arrayBuffers, external };
}

async function main() {
  if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');
  const { subject: name, keys: count } = JSON.parse(process.argv[2]);
  const subject = HEAP_SUBJECTS[name];
  if (subject === undefined) throw new Error(`unknown heap subject ${name}`);
  if (name.startsWith('limitrate') && count > 1_000_000) throw new Error('raise maxKeys to measure more than 1,000,000 keys');

  const keys = makeKeys(count);
  const s = await subject.create();
  fullGc();
  const before = snapshot();
  const t0 = performance.now();
  await s.insert(keys);
  const insertMs = performance.now() - t0;
  fullGc();
  const after = snapshot();
  const tracked = s.tracked();
  globalThis.__keepAlive = [s.ref, keys];

  const heap = after.heap - before.heap;
  const arrayBuffers = after.arrayBuffers - before.arrayBuffers;
  process.stdout.write(
    `${JSON.stringify({
      subject: name,
      keys: count,
      tracked,
      insertMs,
      heapBytes: heap,
      arrayBufferBytes: arrayBuffers,
      externalBytes: after.external - before.external,
      heapPerKey: heap / count,
      arrayBuffersPerKey: arrayBuffers / count,
      totalPerKey: (heap + arrayBuffers) / count,
    })}\n`,
  );
  process.exit(0);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
