// Shared by the Redis-protocol stores' failure tests (packages/upstash runs them too): a port
// nothing listens on, and the check that an unreachable store leaves the decision to the
// limiter's failure policy.
import { RateLimiter, type Store } from '@limitrate/core';
import { createServer } from 'node:net';
import { expect } from 'vitest';

/** A 127.0.0.1 port that was free a moment ago: nothing answers there. */
export async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 1));
    });
  });
}

/**
 * With `store` failing, a limiter with onStoreError 'allow' admits and reports a store_error
 * event, one with 'block' refuses. Closes the limiters and the store.
 */
export async function expectFailurePolicy(store: Store): Promise<void> {
  const events: string[] = [];
  const policies = { free: { rate: { maxPerMinute: 1 } } };
  const allow = new RateLimiter({ store, policies, onStoreError: 'allow', onEvent: (e) => void events.push(e.type) });
  const block = new RateLimiter({ store, policies, onStoreError: 'block' });
  const request = { userId: 'u', plan: 'free', endpoint: 'GET|/x' };
  expect((await allow.check(request)).allowed).toBe(true);
  expect((await block.check(request)).allowed).toBe(false);
  await new Promise((r) => setTimeout(r, 10)); // events are delivered asynchronously
  expect(events).toContain('store_error');
  await allow.close();
  await block.close();
  await store.close?.();
}
