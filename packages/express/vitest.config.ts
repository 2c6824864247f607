// Test project for @limitrate/express (listed in the root vitest.workspace.ts): real apps over real HTTP.
import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'express',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
  },
});
