// Test project for @limitrate/cli (listed in the root vitest.workspace.ts).
import { readFileSync } from 'node:fs';
import { defineProject } from 'vitest/config';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

export default defineProject({
  define: { __LIMITRATE_CLI_VERSION__: JSON.stringify(version) },
  test: {
    name: 'cli',
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'test/**/*.test.ts', 'test/**/*.test.tsx'],
    environment: 'node',
    testTimeout: 20_000,
    // Colour is decided per test (the dashboard's `color` prop); force chalk on so that
    // a test can tell coloured output from plain output even though stdout is no TTY.
    env: { FORCE_COLOR: '1' },
  },
});
