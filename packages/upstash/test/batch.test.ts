// Batching over HTTP: decisions made while a request is in flight share the next request,
// each decided atomically; concurrent requests may be taken in any order, so what holds is
// that the decisions are some order of the calls: exactly the limit admitted, each seeing
// the units before it. One bad decision rejects alone; a failed request rejects what it carried.
import { isLimitRateError, type LimitSpec } from '@limitrate/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UpstashStore } from '../src/index.js';
import { startHarness, uniquePrefix, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

// A day's window: the decisions take a fraction of a second, and a window ending among them
// (a minute's could, now and then) would admit what the next window allows on top.
const fw = (key: string, limit: number): LimitSpec => ({ key, algorithm: 'fixed-window', limit, windowMs: 86_400_000, cost: 1 });

describe('UpstashStore batching', () => {
  it('300 concurrent decisions take far fewer requests and admit exactly the limit, each seeing the units before it', async () => {
    const store = new UpstashStore({ client: h.upstash(), keyPrefix: uniquePrefix('many'), timeoutMs: 10_000 });
    // The script loaded first: on a fresh Redis, each request would otherwise be sent twice (NOSCRIPT, then EVAL).
    await store.consume([fw('warm-up', 1)]);
    const { count, result } = await h.countRequests(() => Promise.all(Array.from({ length: 300 }, () => store.consume([fw('shared', 200)]))));
    expect(count).toBeLessThanOrEqual(1 + Math.ceil(299 / 64));
    const admitted = result.filter((r) => r.allowed);
    expect(admitted).toHaveLength(200);
    expect(admitted.map((r) => r.limits[0]!.used).sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(result.filter((r) => !r.allowed).every((r) => r.limits[0]!.used === 200)).toBe(true);
  });

  it('maxBatch: 1 sends one request per decision, concurrent or not', async () => {
    const store = new UpstashStore({ client: h.upstash(), keyPrefix: uniquePrefix('one'), maxBatch: 1, timeoutMs: 10_000 });
    const { count } = await h.countRequests(() => Promise.all(Array.from({ length: 20 }, (_, i) => store.consume([fw(`u${i}`, 5)]))));
    expect(count).toBe(20);
    expect(() => new UpstashStore({ client: h.upstash(), maxBatch: 0 })).toThrow(expect.objectContaining({ code: 'ERR_LIMITRATE_INVALID_REQUEST' }));
  });

  it('an invalid decision rejects alone; a failed request rejects each decision it carried with a coded error', async () => {
    const store = new UpstashStore({ client: h.upstash(), keyPrefix: uniquePrefix('bad'), timeoutMs: 300 });
    const bad = { key: 'b', algorithm: 'no-such', limit: 1, windowMs: 1000, cost: 1 } as unknown as LimitSpec;
    const settled = await Promise.allSettled([store.consume([fw('a', 5)]), store.consume([bad]), store.consume([fw('a', 5)])]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    h.rest.delayMs = 1000;
    try {
      const slow = await Promise.allSettled(Array.from({ length: 10 }, () => store.consume([fw('s', 100)])));
      expect(slow.every((s) => s.status === 'rejected' && isLimitRateError(s.reason, 'ERR_LIMITRATE_STORE_TIMEOUT'))).toBe(true);
    } finally {
      h.rest.delayMs = 0;
    }
    expect(await store.consume([fw('after', 5)])).toMatchObject({ allowed: true });
  });
});
