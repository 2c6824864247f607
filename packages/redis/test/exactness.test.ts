// Exactness across processes: 4 child processes x 500 concurrent consumes against one
// fixed-window limit of 1,000 admit exactly 1,000 in total (the script is atomic).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RedisStore } from '../src/index.js';
import { startRedis, uniquePrefix, type TestRedis } from './redis-server.js';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

const CHILD = fileURLToPath(new URL('./fixtures/consume-child.ts', import.meta.url));
const HOOKS = fileURLToPath(new URL('./fixtures/register-ts.mjs', import.meta.url));

function child(prefix: string): Promise<{ admitted: number; total: number }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', HOOKS, CHILD, redis.url, prefix, 'shared', '500', '1000'], { timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`child failed: ${error.message}\n${stderr}`));
      else resolve(JSON.parse(stdout) as { admitted: number; total: number });
    });
  });
}

it('4 processes x 500 concurrent consumes admit exactly 1,000', { timeout: 90_000 }, async () => {
  const prefix = uniquePrefix('exact');
  const results = await Promise.all([child(prefix), child(prefix), child(prefix), child(prefix)]);
  expect(results.map((r) => r.total)).toEqual([500, 500, 500, 500]);
  expect(results.reduce((sum, r) => sum + r.admitted, 0)).toBe(1000);
  const store = new RedisStore({ client: redis.client(), keyPrefix: prefix });
  const spec = { key: 'shared', algorithm: 'fixed-window', limit: 1000, windowMs: 1e12, cost: 1 } as const;
  expect((await store.consume([spec], { mode: 'peek' })).limits[0]).toMatchObject({ used: 1000, remaining: 0 });
});
