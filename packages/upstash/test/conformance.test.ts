// The store conformance suite of @limitrate/testing, through @upstash/redis and the local
// REST server: every case a LimitRate store must pass, with the suite's clock and a key
// prefix per case.
import { defineStoreConformance } from '@limitrate/testing';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { UpstashStore } from '../src/index.js';
import { startHarness, uniquePrefix, type Harness } from './harness.js';

let h: Harness;
let client: ReturnType<Harness['upstash']>;
beforeAll(async () => {
  h = await startHarness();
  client = h.upstash();
});
afterAll(async () => {
  await h?.stop();
});

defineStoreConformance(
  { describe, it },
  {
    name: 'upstash',
    create: ({ clock, namespace }) => new UpstashStore({ client, clock, keyPrefix: `${uniquePrefix('conf')}${namespace}:` }),
  },
);
