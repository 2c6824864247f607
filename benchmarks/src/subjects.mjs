// What is measured: each library's setup and one operation, exactly as a user would call it.
// Libraries are imported lazily so a child process loads (and JIT-compiles) only its own.
import { performance } from 'node:perf_hooks';

/** The limit every throughput subject is given: never reached during a run. */
export const HUGE_LIMIT = 1e9;
export const WINDOW_MS = 60_000;
export const ENDPOINT = 'POST|/api/chat';

const isThenable = (r) => typeof r.then === 'function';

/**
 * Throughput subjects. `create()` returns `{ call(key), read(result) }`: `call` performs one
 * operation, `read` turns its (awaited) result into 1 when the request was admitted.
 * `usage` says how the timing loop calls it:
 * - `natural`: awaits only when the result is a promise (how LimitRate's own limiter and an
 *   adapter use a store; express-rate-limit and rate-limiter-flexible always return one);
 * - `awaited`: awaits every call, whatever it returns.
 */
export const SUBJECTS = {
  limitrate: {
    library: 'limitrate',
    usage: 'natural',
    label: 'LimitRate MemoryStore.consume, sync result used as is',
    async create() {
      const { MemoryStore } = await import('@limitrate/core');
      const store = new MemoryStore({ cleanupIntervalMs: 0 });
      const spec = { key: '', algorithm: 'fixed-window', limit: HUGE_LIMIT, windowMs: WINDOW_MS, cost: 1 };
      const specs = [spec];
      return {
        store,
        call(key) {
          spec.key = key;
          return store.consume(specs);
        },
        read: (r) => (r.allowed ? 1 : 0),
      };
    },
  },
  'limitrate-awaited': {
    library: 'limitrate',
    usage: 'awaited',
    label: 'LimitRate MemoryStore.consume, every call awaited',
    create: () => SUBJECTS.limitrate.create(),
  },
  'express-rate-limit': {
    library: 'express-rate-limit',
    usage: 'natural',
    label: 'express-rate-limit MemoryStore.increment (async)',
    async create() {
      const { MemoryStore } = await import('express-rate-limit');
      const store = new MemoryStore();
      store.init({ windowMs: WINDOW_MS });
      return {
        store,
        call: (key) => store.increment(key),
        read: (r) => (r.totalHits <= HUGE_LIMIT ? 1 : 0),
      };
    },
  },
  'rate-limiter-flexible': {
    library: 'rate-limiter-flexible',
    usage: 'natural',
    label: 'rate-limiter-flexible RateLimiterMemory.consume (async)',
    async create() {
      const { RateLimiterMemory } = await import('rate-limiter-flexible');
      const limiter = new RateLimiterMemory({ points: HUGE_LIMIT, duration: WINDOW_MS / 1000 });
      return {
        store: limiter,
        call: (key) => limiter.consume(key),
        read: (r) => (r.remainingPoints > 0 ? 1 : 0),
      };
    },
  },
  'limitrate-check': {
    library: 'limitrate',
    usage: 'natural',
    label: 'LimitRate RateLimiter.check (policy + consume + decision; always a promise)',
    create: () => limiterSubject('check'),
  },
  'limitrate-checknow': {
    library: 'limitrate',
    usage: 'natural',
    label: 'LimitRate RateLimiter.checkNow (same pipeline as check; no promise when the store answers synchronously, as adapters call it)',
    create: () => limiterSubject('checkNow'),
  },
};

/** A RateLimiter on the memory store with one never-reached limit, called through `method`. */
async function limiterSubject(method) {
  const { MemoryStore, RateLimiter } = await import('@limitrate/core');
  const limiter = new RateLimiter({
    policies: { free: { rate: { maxPerMinute: HUGE_LIMIT } } },
    store: new MemoryStore({ cleanupIntervalMs: 0 }),
  });
  return {
    store: limiter,
    call: (key) => limiter[method]({ userId: key, endpoint: ENDPOINT }),
    read: (r) => (r.allowed ? 1 : 0),
  };
}

/**
 * One operation per call for `durationMs` (and at least `minOps`), `batch` calls between
 * clock reads. `awaitAll` awaits every call; otherwise only promises are awaited.
 */
async function timeLoop(awaitAll, call, read, keys, durationMs, minOps, batch) {
  const n = keys.length;
  let i = 0;
  let ops = 0;
  let admitted = 0;
  const t0 = performance.now();
  const end = t0 + durationMs;
  let t = t0;
  do {
    for (let b = 0; b < batch; b++) {
      let r = call(keys[i]);
      if (awaitAll || isThenable(r)) r = await r;
      admitted += read(r);
      if (++i === n) i = 0;
    }
    ops += batch;
    t = performance.now();
  } while (t < end || ops < minOps);
  return { ops, ms: t - t0, admitted };
}

/** One operation per call, awaiting only promises. */
export const timeNatural = (...args) => timeLoop(false, ...args);

/** One operation per call, every call awaited. */
export const timeAwaited = (...args) => timeLoop(true, ...args);

/** Caller-owned key strings (flat, short: `user-0` .. `user-999999`), or one hot key. */
export function makeKeys(count) {
  if (count === 1) return ['user-hot'];
  const keys = new Array(count);
  for (let i = 0; i < count; i++) keys[i] = `user-${i}`;
  return keys;
}
