// One subject, run `n` times after a warm-up: launched under callgrind by instructions.mjs,
// which subtracts two runs to get instructions per operation (JIT and start-up cancel out).
import process from 'node:process';
import { HUGE_LIMIT, WINDOW_MS, ENDPOINT } from './subjects.mjs';

const [which, nArg] = process.argv.slice(2);
const n = Number(nArg);
const key = 'user-hot';

async function make() {
  switch (which) {
    case 'limitrate-store': {
      const { MemoryStore } = await import('@limitrate/core');
      const store = new MemoryStore({ cleanupIntervalMs: 0 });
      const specs = [{ key, algorithm: 'fixed-window', limit: HUGE_LIMIT, windowMs: WINDOW_MS, cost: 1 }];
      return () => store.consume(specs);
    }
    case 'express-rate-limit': {
      const { MemoryStore } = await import('express-rate-limit');
      const store = new MemoryStore();
      store.init({ windowMs: WINDOW_MS });
      return () => store.increment(key);
    }
    case 'rate-limiter-flexible': {
      const { RateLimiterMemory } = await import('rate-limiter-flexible');
      const limiter = new RateLimiterMemory({ points: HUGE_LIMIT, duration: WINDOW_MS / 1000 });
      return () => limiter.consume(key);
    }
    case 'limitrate-check':
    case 'limitrate-checknow': {
      const { MemoryStore, RateLimiter } = await import('@limitrate/core');
      const limiter = new RateLimiter({ policies: { free: { rate: { maxPerMinute: HUGE_LIMIT } } }, store: new MemoryStore({ cleanupIntervalMs: 0 }) });
      return which === 'limitrate-check'
        ? () => limiter.check({ userId: key, endpoint: ENDPOINT })
        : () => limiter.checkNow({ userId: key, endpoint: ENDPOINT });
    }
    default:
      throw new Error(`unknown subject ${which}`);
  }
}

const call = await make();
let sink;
async function run(times) {
  for (let i = 0; i < times; i++) {
    const r = call();
    sink = typeof r?.then === 'function' ? await r : r;
  }
}
await run(200_000); // warm up: the same JIT work in both runs
await run(n);
if (sink === undefined) process.exitCode = 1;
