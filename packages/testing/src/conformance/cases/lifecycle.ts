// Cases: concurrent calls admit exactly the limit (no lost updates, no partial sets), and a
// closed store rejects further calls with ERR_LIMITRATE_CLOSED.
import type { AlgorithmSpec, LimitSpec, ResetSelector, Store } from '@limitrate/core';
import type { CaseContext, CaseDef } from '../harness.js';

/** Each algorithm with a capacity of `n` that does not recover while the clock stands still. */
function capacityOf(n: number): Record<string, AlgorithmSpec> {
  return {
    'fixed-window': { algorithm: 'fixed-window', limit: n, windowMs: 60_000 },
    'sliding-window': { algorithm: 'sliding-window', limit: n, windowMs: 60_000 },
    'sliding-log': { algorithm: 'sliding-log', limit: n, windowMs: 60_000 },
    'token-bucket': { algorithm: 'token-bucket', capacity: n, refillRate: 0.001 },
    'leaky-bucket': { algorithm: 'leaky-bucket', capacity: n, leakRate: 0.001 },
    gcra: { algorithm: 'gcra', limit: n, windowMs: 60_000 },
  };
}

/** Start `count` consumes of `limits` at once; resolve to their answers. */
async function flood(c: CaseContext, limits: readonly LimitSpec[], count: number) {
  const calls = Array.from({ length: count }, () => c.consume(limits));
  return Promise.all(calls);
}

const single: CaseDef = {
  group: 'concurrency',
  slug: 'concurrent-consumes-admit-exactly-the-limit',
  name: 'N concurrent consumes against a limit of N/2 admit exactly N/2, each seeing its own remaining count (every algorithm)',
  async run(c, { concurrency }) {
    const half = Math.floor(concurrency / 2);
    for (const [name, spec] of Object.entries(capacityOf(half))) {
      const l = c.limit(`flood:${name}`, spec);
      const results = await flood(c, [l], concurrency);
      const admitted = results.filter((r) => r.allowed);
      c.check(admitted.length === half, `${name}: ${concurrency} concurrent consumes against a limit of ${half} admitted ${admitted.length}; expected exactly ${half}`);
      const remaining = admitted.map((r) => r.limits[0]!.remaining).sort((a, b) => a - b);
      const dup = remaining.find((v, i) => i > 0 && v === remaining[i - 1]);
      c.check(dup === undefined, `${name}: two admitted calls both reported remaining ${String(dup)}: each admitted call must see the count left by the ones before it`);
      await c.expectUsed(`${name}: after the flood`, [l], [half]);
    }
  },
};

const sets: CaseDef = {
  group: 'concurrency',
  slug: 'concurrent-sets-stay-all-or-nothing',
  name: 'N concurrent two-limit sets (limits N/2 and 3N/4) admit exactly N/2 and charge both limits equally',
  async run(c, { concurrency }) {
    const half = Math.floor(concurrency / 2);
    const more = Math.floor((concurrency * 3) / 4);
    const a = c.limit('set:a', { algorithm: 'fixed-window', limit: half, windowMs: 60_000 });
    const b = c.limit('set:b', { algorithm: 'sliding-log', limit: more, windowMs: 60_000 });
    const results = await flood(c, [b, a], concurrency);
    const admitted = results.filter((r) => r.allowed).length;
    c.check(admitted === half, `${concurrency} concurrent sets admitted ${admitted}; expected exactly ${half} (the smaller limit)`);
    const partial = results.find((r) => !r.allowed && r.committed);
    c.check(partial === undefined, 'a refused set reported committed=true in consume mode');
    await c.expectUsed('after the concurrent sets (a refused set must charge neither limit)', [a, b], [half, half]);
  },
};

async function expectClosed(c: CaseContext, what: string, call: () => unknown): Promise<void> {
  let pending: unknown;
  try {
    pending = call();
  } catch (error) {
    c.fail(`${what} on a closed store threw synchronously (${String(error)}); it must reject instead`);
  }
  try {
    await pending;
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    c.check(code === 'ERR_LIMITRATE_CLOSED', `${what} on a closed store rejected with code ${String(code)} (${String(error)}); expected ERR_LIMITRATE_CLOSED`);
    return;
  }
  c.fail(`${what} on a closed store resolved; it must reject with ERR_LIMITRATE_CLOSED`);
}

const closed: CaseDef = {
  group: 'lifecycle',
  slug: 'closed-store-rejects',
  name: 'after close(), consume and reset reject with ERR_LIMITRATE_CLOSED (stores without close() pass trivially)',
  applies: (store: Store) => typeof store.close === 'function',
  async run(c) {
    const l = c.limit('k', { algorithm: 'fixed-window', limit: 5, windowMs: 1000 });
    await c.consume([l]);
    c.closed = true;
    await c.store.close!();
    await expectClosed(c, 'consume', () => c.store.consume([l]));
    await expectClosed(c, 'peek', () => c.store.consume([l], { mode: 'peek' }));
    const all: ResetSelector = { all: true };
    await expectClosed(c, 'reset', () => c.store.reset(all));
  },
};

/** Every concurrency and lifecycle case. */
export function lifecycleCases(): CaseDef[] {
  return [single, sets, closed];
}
