// Test project for @limitrate/prometheus (listed in the root vitest.workspace.ts).
import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'prometheus',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
  },
});
