// The store conformance suite: every case as a runner-agnostic function, and a one-liner to
// register them with any describe/it pair (vitest, jest, mocha, node:test).
import type { Store } from '@limitrate/core';
import { algorithmCases } from './cases/algorithms.js';
import { keyCases } from './cases/keys.js';
import { lifecycleCases } from './cases/lifecycle.js';
import { resetCases } from './cases/reset.js';
import { setCases } from './cases/sets.js';
import { bindCases, type CaseDef } from './harness.js';
import type { ConformanceCase, DescribeLike, ItLike, StoreConformanceOptions } from './types.js';

function allCases(): CaseDef[] {
  return [...algorithmCases(), ...setCases(), ...resetCases(), ...keyCases(), ...lifecycleCases()];
}

/**
 * The cases every LimitRate store must pass. Each case creates its own store (through
 * `options.create`, with a manual clock to inject), runs, and cleans up; cases can run in
 * any order and in parallel. A failing case rejects with a `ConformanceError` naming the
 * limit and the expected and actual values.
 *
 * @example
 * ```ts
 * import { MemoryStore } from '@limitrate/core';
 * import { storeConformance } from '@limitrate/testing';
 *
 * for (const c of storeConformance({ name: 'memory', create: ({ clock }) => new MemoryStore({ clock }) })) {
 *   await c.run(); // throws on a violation
 * }
 * ```
 */
export function storeConformance<S extends Store>(options: StoreConformanceOptions<S>): ConformanceCase[] {
  return bindCases(allCases(), options as unknown as StoreConformanceOptions);
}

/**
 * Registers the conformance suite with a test runner: one `describe` per group, one `it`
 * per case, inside `describe('store conformance: <name>')`.
 *
 * @example
 * ```ts
 * import { describe, it } from 'vitest'; // or '@jest/globals', or 'node:test'
 * import { defineStoreConformance } from '@limitrate/testing';
 *
 * defineStoreConformance({ describe, it }, {
 *   name: 'redis',
 *   create: ({ clock, namespace }) => new RedisStore({ client, clock, prefix: namespace }),
 * });
 * ```
 */
export function defineStoreConformance<S extends Store>(runner: { describe: DescribeLike; it: ItLike }, options: StoreConformanceOptions<S>): void {
  const cases = storeConformance(options);
  const groups = new Map<string, ConformanceCase[]>();
  for (const c of cases) {
    const list = groups.get(c.group);
    if (list === undefined) groups.set(c.group, [c]);
    else list.push(c);
  }
  runner.describe(`store conformance: ${options.name}`, () => {
    for (const [group, list] of groups) {
      runner.describe(group, () => {
        for (const c of list) runner.it(c.name, () => c.run());
      });
    }
  });
}
