// The store conformance suite of @limitrate/testing, against a real Redis: every case a
// LimitRate store must pass, on RedisStore with the suite's clock and a key prefix per case.
import { defineStoreConformance } from '@limitrate/testing';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { RedisStore } from '../src/index.js';
import { startRedis, uniquePrefix, type TestRedis } from './redis-server.js';

let redis: TestRedis;
let client: ReturnType<TestRedis['client']>;
beforeAll(async () => {
  redis = await startRedis();
  client = redis.client();
});
afterAll(async () => {
  await redis?.stop();
});

defineStoreConformance(
  { describe, it },
  {
    name: 'redis',
    create: ({ clock, namespace }) => new RedisStore({ client, clock, keyPrefix: `${uniquePrefix('conf')}${namespace}:` }),
  },
);
