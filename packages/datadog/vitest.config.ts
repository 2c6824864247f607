// Test project for @limitrate/datadog (listed in the root vitest.workspace.ts).
import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'datadog',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
  },
});
