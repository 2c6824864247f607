// The differential suite shared by the Redis-protocol stores' tests: random traces
// (algorithms, parameters, costs with refunds, peeks and forced charges, time steps including
// small steps back) must give exactly the same ConsumeResults from the store under test as
// from core's MemoryStore (the reference). packages/upstash runs it too.
import { manualClock, MemoryStore, type Clock, type ConsumeMode, type LimitSpec, type Store } from '@limitrate/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

export type Algo = LimitSpec['algorithm'];
const ALGOS: readonly Algo[] = ['fixed-window', 'sliding-window', 'sliding-log', 'token-bucket', 'leaky-bucket', 'gcra'];

const windowMs = fc.oneof(fc.constantFrom(100, 1000, 1500, 60_000), fc.integer({ min: 7, max: 5000 }));
const rate = fc.oneof(fc.constantFrom(0.1, 0.7, 1, 2.5, 10, 33.3), fc.double({ min: 0.05, max: 50, noNaN: true }));
const small = fc.integer({ min: 1, max: 10 });

/** A limit (without key and cost) of the given algorithm with random parameters. */
function specOf(algorithm: Algo): fc.Arbitrary<Omit<LimitSpec, 'key' | 'cost'>> {
  const soft = fc.boolean().map((b) => (b ? { soft: true } : {}));
  switch (algorithm) {
    case 'fixed-window':
    case 'sliding-window':
    case 'sliding-log':
      return fc.record({ limit: small, windowMs }).chain((p) => soft.map((s) => ({ algorithm, ...p, ...s })));
    case 'token-bucket':
      return fc
        .record({ capacity: small, refillRate: rate, initialTokens: fc.option(fc.integer({ min: 0, max: 12 }), { nil: undefined }) })
        .chain((p) => soft.map((s) => ({ algorithm, capacity: p.capacity, refillRate: p.refillRate, ...(p.initialTokens === undefined ? {} : { initialTokens: p.initialTokens }), ...s })));
    case 'leaky-bucket':
      return fc.record({ capacity: small, leakRate: rate }).chain((p) => soft.map((s) => ({ algorithm, ...p, ...s })));
    case 'gcra':
      return fc
        .record({ limit: small, windowMs, burst: fc.option(fc.integer({ min: 1, max: 12 }), { nil: undefined }) })
        .chain((p) => soft.map((s) => ({ algorithm, limit: p.limit, windowMs: p.windowMs, ...(p.burst === undefined ? {} : { burst: p.burst }), ...s })));
  }
}

const cost = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 4 }) },
  { weight: 2, arbitrary: fc.integer({ min: -3, max: -1 }) },
  { weight: 1, arbitrary: fc.constantFrom(0.5, 1.25, 11, -0.75) },
);
const step = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 400 }) },
  { weight: 2, arbitrary: fc.integer({ min: 400, max: 6000 }) },
  { weight: 1, arbitrary: fc.integer({ min: -60, max: -1 }) },
  { weight: 1, arbitrary: fc.constantFrom(0, 59_999, 60_000, 120_001) },
);
const mode = fc.constantFrom<ConsumeMode>('consume', 'consume', 'consume', 'peek', 'force');

interface Op {
  dt: number;
  mode: ConsumeMode;
  costs: number[];
  /** For refunds: which earlier call they were charged at (undefined: now). */
  atBack: number | undefined;
}

function traceOf(specs: fc.Arbitrary<Omit<LimitSpec, 'key' | 'cost'>[]>) {
  return specs.chain((limits) =>
    fc.record({
      start: fc.integer({ min: 0, max: 2_000_000_000_000 }),
      limits: fc.constant(limits),
      ops: fc.array(
        fc.record({
          dt: step,
          mode,
          costs: fc.array(cost, { minLength: limits.length, maxLength: limits.length }),
          atBack: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
        }),
        { minLength: 1, maxLength: 40 },
      ),
    }),
  );
}

/** Runs a trace on both stores, comparing every answer. */
async function runTrace(make: (clock: Clock) => Store, t: { start: number; limits: Omit<LimitSpec, 'key' | 'cost'>[]; ops: Op[] }): Promise<void> {
  const clock = manualClock(t.start);
  const memory = new MemoryStore({ clock, cleanupIntervalMs: 0 });
  const store = make(clock);
  const times: number[] = [];
  for (const op of t.ops) {
    clock.advance(op.dt);
    const limits = t.limits.map((l, i) => ({ ...l, key: `k${i}`, cost: op.costs[i]! }) as LimitSpec);
    const at = op.atBack === undefined ? undefined : times[times.length - 1 - op.atBack];
    const options = { mode: op.mode, ...(at === undefined ? {} : { at }) };
    times.push(clock.now());
    const expected = await memory.consume(limits, options);
    const actual = await store.consume(limits, options);
    expect(actual).toEqual(expected);
  }
  memory.close();
}

/**
 * Runs a trace whose calls come in groups made together (not awaiting each other, so a
 * batching store sends them in one round trip), at one time per group: each answer must be
 * what the reference gives for the same calls one after the other.
 */
async function runGroupedTrace(make: (clock: Clock) => Store, t: { start: number; limits: Omit<LimitSpec, 'key' | 'cost'>[]; ops: Op[] }, sizes: number[]): Promise<void> {
  const clock = manualClock(t.start);
  const memory = new MemoryStore({ clock, cleanupIntervalMs: 0 });
  const store = make(clock);
  const times: number[] = [];
  let i = 0;
  for (let g = 0; i < t.ops.length; g++) {
    const group = t.ops.slice(i, i + sizes[g % sizes.length]!);
    i += group.length;
    clock.advance(group[0]!.dt);
    const calls = group.map((op) => {
      const limits = t.limits.map((l, j) => ({ ...l, key: `k${j}`, cost: op.costs[j]! }) as LimitSpec);
      const at = op.atBack === undefined ? undefined : times[times.length - 1 - op.atBack];
      return { limits, options: { mode: op.mode, ...(at === undefined ? {} : { at }) } };
    });
    for (let j = 0; j < group.length; j++) times.push(clock.now());
    const expected = [];
    for (const c of calls) expected.push(await memory.consume(c.limits, c.options));
    const actual = await Promise.all(calls.map((c) => store.consume(c.limits, c.options)));
    expect(actual).toEqual(expected);
  }
  memory.close();
}

/** Runs per property (LIMITRATE_FC_RUNS multiplies them for a longer hunt). */
function runs(n: number): number {
  return n * Number(process.env.LIMITRATE_FC_RUNS ?? 1);
}

/**
 * Registers the differential properties for a store: `make(clock)` returns a store on that
 * clock with keys of its own (a fresh prefix per call). `inCallOrder`: calls made together
 * are decided in the order they were made (true of one ordered connection, as RedisStore's;
 * not of concurrent HTTP requests, which the server may take in any order).
 */
export function describeDifferential(name: string, make: (clock: Clock) => Store, { inCallOrder = true }: { inCallOrder?: boolean } = {}): void {
  describe(`${name} matches MemoryStore exactly`, () => {
    for (const algorithm of ALGOS) {
      it(`${algorithm}: one limit`, async () => {
        await fc.assert(
          fc.asyncProperty(traceOf(specOf(algorithm).map((s) => [s])), (t) => runTrace(make, t)),
          { numRuns: runs(60) },
        );
      });
    }

    it('sets of one to four limits of any algorithms (hard and soft)', async () => {
      const anySpec = fc.constantFrom(...ALGOS).chain(specOf);
      await fc.assert(
        fc.asyncProperty(traceOf(fc.array(anySpec, { minLength: 1, maxLength: 4 })), (t) => runTrace(make, t)),
        { numRuns: runs(150) },
      );
    });

    it.runIf(inCallOrder)('calls made together (one batch) answer as the same calls one after the other', async () => {
      const anySpec = fc.constantFrom(...ALGOS).chain(specOf);
      await fc.assert(
        fc.asyncProperty(traceOf(fc.array(anySpec, { minLength: 1, maxLength: 4 })), fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 5 }), (t, sizes) =>
          runGroupedTrace(make, t, sizes),
        ),
        { numRuns: runs(100) },
      );
    });
  });
}
