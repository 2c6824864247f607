// Differential test: random traces (algorithms, parameters, costs with refunds, peeks and
// forced charges, time steps including small steps back) must give exactly the same
// ConsumeResults from RedisStore (Lua) as from core's MemoryStore (the reference).
import { afterAll, beforeAll } from 'vitest';
import { RedisStore } from '../src/index.js';
import { describeDifferential } from './differential-suite.js';
import { startRedis, uniquePrefix, type TestRedis } from './redis-server.js';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

let sharedClient: ReturnType<TestRedis['client']>;
beforeAll(() => {
  sharedClient = redis.client();
});

describeDifferential('RedisStore', (clock) => new RedisStore({ client: sharedClient, clock, keyPrefix: uniquePrefix('diff') }));
