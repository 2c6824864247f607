// The adapter conformance suite: every case as a runner-agnostic function, and a one-liner
// to register them with any describe/it pair (vitest, jest, mocha, node:test).
import type { DescribeLike, ItLike } from '../conformance/types.js';
import { ADAPTER_CASES, AdapterCaseContext } from './cases.js';
import type { AdapterCase, AdapterHarness } from './types.js';

/**
 * The behaviours every LimitRate HTTP adapter must show. Each case starts its own app
 * through `harness.start`, drives it over real HTTP, and closes it; a violation rejects with
 * an `AdapterConformanceError` saying what differed.
 *
 * @example
 * ```ts
 * import { adapterConformance } from '@limitrate/testing';
 *
 * for (const c of adapterConformance(myFrameworkHarness)) await c.run();
 * ```
 */
export function adapterConformance(harness: AdapterHarness): AdapterCase[] {
  return ADAPTER_CASES.filter((d) => harness.skip?.[`${d.group}/${d.slug}`] === undefined).map((d) => ({
    group: d.group,
    name: d.name,
    id: `${d.group}/${d.slug}`,
    async run() {
      const ctx = new AdapterCaseContext(harness, `${d.group}/${d.slug}`);
      try {
        await d.run(ctx);
      } finally {
        await ctx.close();
      }
    },
  }));
}

/**
 * Registers the adapter conformance suite: one `describe` per group, one `it` per case,
 * inside `describe('adapter conformance: <name>')`.
 *
 * @example
 * ```ts
 * import { describe, it } from 'vitest';
 * import { defineAdapterConformance } from '@limitrate/testing';
 *
 * defineAdapterConformance({ describe, it }, {
 *   name: 'my framework',
 *   start: async (options, routes) => startMyApp(limitrate(options), routes), // { url, close }
 *   requestHeader: (req, name) => req.headers[name],
 *   responseHeader: (res, name) => res.getHeader(name),
 * });
 * ```
 */
export function defineAdapterConformance(runner: { describe: DescribeLike; it: ItLike }, harness: AdapterHarness): void {
  const cases = adapterConformance(harness);
  runner.describe(`adapter conformance: ${harness.name}`, () => {
    for (const group of [...new Set(cases.map((c) => c.group))]) {
      runner.describe(group, () => {
        for (const c of cases.filter((x) => x.group === group)) runner.it(c.name, () => c.run());
      });
    }
  });
}
