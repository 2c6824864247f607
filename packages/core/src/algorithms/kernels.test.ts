// Kernel contract: what `apply` reports about the next state (usage, reset, expiry) is what
// `inspect` says about that state, so a store that commits can skip the second call.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KERNEL_BY_TAG } from './registry.js';
import { createScratch, type Kernel } from './types.js';

const params: Record<string, unknown[]> = {
  'fixed-window': [{ limit: 5, windowMs: 1000 }, { limit: 1, windowMs: 7 }],
  'sliding-window': [{ limit: 5, windowMs: 1000 }, { limit: 3, windowMs: 333 }],
  'token-bucket': [{ capacity: 5, refillRate: 3 }, { capacity: 4, refillRate: 0.1, initialTokens: 0 }],
  'leaky-bucket': [{ capacity: 5, leakRate: 2.5 }, { capacity: 2, leakRate: 1 / 3 }],
  gcra: [{ limit: 5, windowMs: 1000 }, { limit: 7, windowMs: 60_000, burst: 1 }],
};

describe.each(KERNEL_BY_TAG.filter((k): k is Kernel<unknown> => k !== undefined).map((k) => [k.name, k] as const))('%s kernel', (name, kernel) => {
  it('apply describes the next state exactly as inspect does', () => {
    for (const p of params[name]!) {
      fc.assert(
        fc.property(
          fc.array(fc.record({ dt: fc.integer({ min: -50, max: 900 }), cost: fc.integer({ min: -3, max: 4 }) }), { maxLength: 40 }),
          (trace) => {
            const state = new Float64Array(3);
            let has = false;
            let now = 1_000_000;
            const a = createScratch();
            const b = createScratch();
            for (const { dt, cost } of trace) {
              now += dt;
              kernel.apply(state, 0, has, now, p, cost, now - 10, a);
              const before = a.used;
              kernel.inspect(state, 0, has, now, p, b);
              expect(b.used).toBe(before);
              if (a.allowed) {
                state.set(a.next.subarray(0, kernel.width));
                has = true;
                kernel.inspect(state, 0, true, now, p, b);
                expect([a.usedNext, a.resetMs, a.expiresAt]).toEqual([b.used, b.resetMs, b.expiresAt]);
              }
            }
          },
        ),
        { numRuns: 200 },
      );
    }
  });
});
