// Test project for the benchmark harness (listed in the root vitest.workspace.ts): a smoke
// test only. Timings are never asserted.
import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'benchmarks',
    include: ['*.test.ts'],
    environment: 'node',
    testTimeout: 180_000,
  },
});
