// Test project of the Next.js example (listed in the root vitest.workspace.ts): the app is
// built with `next build` and served with `next start` once, then driven over HTTP.
import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'example-nextjs',
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 300_000,
  },
});
