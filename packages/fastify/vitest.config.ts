// Test project for @limitrate/fastify (listed in the root vitest.workspace.ts): real Fastify 5 apps over real HTTP and app.inject.
import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'fastify',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
  },
});
