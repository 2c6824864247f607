// Differential test: random traces (algorithms, parameters, costs with refunds, peeks and
// forced charges, time steps including small steps back) must give exactly the same
// ConsumeResults from UpstashStore (Lua over the REST protocol, through @upstash/redis) as
// from core's MemoryStore (the reference). The properties are the Redis store's, shared.
import { afterAll, beforeAll } from 'vitest';
import { describeDifferential } from '../../redis/test/differential-suite.js';
import { UpstashStore } from '../src/index.js';
import { startHarness, uniquePrefix, type Harness } from './harness.js';

let h: Harness;
let sharedClient: ReturnType<Harness['upstash']>;
beforeAll(async () => {
  h = await startHarness();
  sharedClient = h.upstash();
});
afterAll(async () => {
  await h?.stop();
});

// Concurrent HTTP requests may run in any order: the in-call-order property is RedisStore's
// (batch.test.ts checks what holds over HTTP).
describeDifferential('UpstashStore', (clock) => new UpstashStore({ client: sharedClient, clock, keyPrefix: uniquePrefix('diff') }), { inCallOrder: false });
