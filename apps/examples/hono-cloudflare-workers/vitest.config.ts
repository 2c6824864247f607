// Test project of the hono-cloudflare-workers example (listed in the root vitest.workspace.ts):
// the Worker bundled with esbuild and run in real workerd through miniflare, alone (memory
// store) and on Upstash next to the same app on Node.js.
import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'example-hono-cloudflare-workers',
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
