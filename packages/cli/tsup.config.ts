// Build @limitrate/cli: the `limitrate` bin (with its shebang) and the programmatic API, ESM only (ink is ESM only).
import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

export default defineConfig({
  entry: { index: 'src/index.ts', cli: 'src/cli.ts' },
  format: ['esm'],
  dts: { entry: { index: 'src/index.ts' } },
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  splitting: true,
  define: { __LIMITRATE_CLI_VERSION__: JSON.stringify(version) },
  esbuildOptions(options) {
    options.jsx = 'automatic';
  },
});
