// Exactness on a Redis Cluster across processes: 4 child processes x 500 concurrent consumes
// against a limit of 1,000 admit exactly 1,000, for one key (one slot, one script) and for a
// cross-slot set whose only refusing limit is the shared one (refunds never touch it).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LimitSpec } from '@limitrate/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RedisStore } from '../src/index.js';
import { startCluster, type TestCluster } from './cluster-helper.js';
import { uniquePrefix } from './redis-server.js';

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startCluster();
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
});

const HELPER = fileURLToPath(new URL('./cluster-helper.ts', import.meta.url));
const HOOKS = fileURLToPath(new URL('./fixtures/register-ts.mjs', import.meta.url));

interface Result {
  admitted: number;
  total: number;
  errors: string[];
}

function child(prefix: string, limits: LimitSpec[]): Promise<Result> {
  const nodes = cluster.nodes.map((n) => `${n.host}:${n.port}`).join(',');
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', HOOKS, HELPER, 'child', nodes, prefix, '500', JSON.stringify(limits)], { timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`child failed: ${error.message}\n${stderr}`));
      else resolve(JSON.parse(stdout) as Result);
    });
  });
}

// The window is long (about 31 years) so that no window boundary falls inside the test.
const shared: LimitSpec = { key: 'shared', algorithm: 'fixed-window', limit: 1000, windowMs: 1e12, cost: 1 };

it('4 processes x 500 concurrent consumes of one limit admit exactly 1,000', { timeout: 90_000 }, async () => {
  const prefix = uniquePrefix('cexact');
  const results = await Promise.all([0, 1, 2, 3].map(() => child(prefix, [shared])));
  expect(results.flatMap((r) => r.errors)).toEqual([]);
  expect(results.map((r) => r.total)).toEqual([500, 500, 500, 500]);
  expect(results.reduce((sum, r) => sum + r.admitted, 0)).toBe(1000);
  const store = new RedisStore({ client: cluster.client(), keyPrefix: prefix });
  expect((await store.consume([shared], { mode: 'peek' })).limits[0]).toMatchObject({ used: 1000, remaining: 0 });
});

it('4 processes x 500 concurrent cross-slot sets (a user limit each + the shared limit) admit exactly 1,000', { timeout: 90_000 }, async () => {
  const prefix = uniquePrefix('cexact2');
  const users = [0, 1, 2, 3].map((i): LimitSpec => ({ key: `user${i}:GET|/a`, algorithm: 'sliding-window', limit: 10_000, windowMs: 1e12, cost: 1 }));
  const results = await Promise.all(users.map((u) => child(prefix, [u, shared])));
  expect(results.flatMap((r) => r.errors)).toEqual([]);
  expect(results.reduce((sum, r) => sum + r.admitted, 0)).toBe(1000);
  const store = new RedisStore({ client: cluster.client(), keyPrefix: prefix });
  const after = await store.consume([shared, ...users], { mode: 'peek' });
  expect(after.limits[0]).toMatchObject({ used: 1000, remaining: 0 });
  expect(after.limits.slice(1).map((l) => l.used)).toEqual(results.map((r) => r.admitted));
});
