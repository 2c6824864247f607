// Test project for @limitrate/nextjs (listed in the root vitest.workspace.ts): handlers called
// with NextRequest, and served over real HTTP through Next.js's own request and response code.
import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'nextjs',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
  },
});
