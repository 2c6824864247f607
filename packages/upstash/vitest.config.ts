// Test project for @limitrate/upstash (listed in the root vitest.workspace.ts).
import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'upstash',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
  },
});
