// `store` of an integration test as the adapter takes it: 'memory' is the adapter's default,
// a Store or a store configuration passes as it is, and 'redis' / 'upstash' become in-memory
// mock clients (mockStore, the one place that maps them).
import { ConfigError, type Clock, type StoreOption } from '@limitrate/core';
import type { IntegrationStore } from './types.js';

/** The names `store` takes as a string. */
export const STORE_NAMES = ['memory', 'redis', 'upstash'] as const;

/** Problems with `store` that the adapter would not report as clearly (a string it does not know). */
export function storeIssue(store: unknown): ConfigError | undefined {
  if (typeof store !== 'string' || (STORE_NAMES as readonly string[]).includes(store)) return undefined;
  return new ConfigError([
    {
      path: 'store',
      code: 'ERR_LIMITRATE_INVALID_CONFIG',
      message: `must be 'memory', 'redis', 'upstash', a Store or a store configuration, got ${JSON.stringify(store)}`,
      hint: "Leave it out for the memory store, or pass a Store instance or { type: 'redis', url }",
    },
  ]);
}

/**
 * The store option for 'redis' and 'upstash': a mock client of that kind, in memory, on the
 * test's clock. The stores themselves come from @limitrate/redis and @limitrate/upstash, which
 * core loads (a coded error names them when they are not installed).
 */
async function mockStore(kind: 'redis' | 'upstash', clock: Clock | undefined): Promise<StoreOption> {
  const { mockRedis, mockUpstash } = await import('../stores/index.js');
  const options = clock === undefined ? {} : { clock };
  return kind === 'redis' ? { client: mockRedis(options) } : { type: 'upstash', client: mockUpstash(options) };
}

/** The store to give the adapter (undefined: its default memory store, on the test's clock). */
export async function storeOption(store: IntegrationStore | undefined, clock: Clock | undefined): Promise<StoreOption | undefined> {
  if (store === undefined || store === 'memory') return undefined;
  if (store === 'redis' || store === 'upstash') return mockStore(store, clock);
  return store;
}
