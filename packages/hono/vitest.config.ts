// Test project for @limitrate/hono (listed in the root vitest.workspace.ts): real Hono apps
// on @hono/node-server over HTTP, app.request(), and the built dist checked for edge safety.
import { defineProject } from 'vitest/config';

export default defineProject({
  // Set by the build per format (tsup.config.ts); the tests run the ESM source.
  define: { __LIMITRATE_CJS__: 'false' },
  test: {
    name: 'hono',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
  },
});
