// Test project of the express-ai example (listed in the root vitest.workspace.ts): cost
// caps, token limits and their reconciliation, over real HTTP.
import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'example-express-ai',
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
  },
});
