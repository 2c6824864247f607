// Test project of the express-basic example (listed in the root vitest.workspace.ts): the
// app over real HTTP, and the live demo run in a child process.
import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'example-express-basic',
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
  },
});
