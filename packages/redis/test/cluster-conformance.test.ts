// The store conformance suite of @limitrate/testing on a real Redis Cluster. The suite's keys
// are `<namespace><name>` with names like `a`, `blocker` or `u1:a`: the store tags the text
// before the first `:`, so a case's limits often have different owners and slots, and its
// sets run the cross-slot protocol (all or nothing by refunds), while `set:a`/`set:b` (the
// concurrency case) share one slot and run the single atomic script.
import { defineStoreConformance } from '@limitrate/testing';
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { RedisStore } from '../src/index.js';
import { startCluster, type TestCluster } from './cluster-helper.js';
import { uniquePrefix } from './redis-server.js';

let cluster: TestCluster;
let client: Cluster;
beforeAll(async () => {
  cluster = await startCluster();
  client = cluster.client();
  await client.ping();
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
});

defineStoreConformance(
  { describe, it },
  {
    name: 'redis-cluster',
    create: ({ clock, namespace }) => new RedisStore({ client, clock, keyPrefix: `${uniquePrefix('cconf')}${namespace}:` }),
  },
);
