// Test project of the fastify-basic example (listed in the root vitest.workspace.ts): the
// app in-process on a test clock, and the server started for real in a child process.
import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'example-fastify-basic',
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
  },
});
