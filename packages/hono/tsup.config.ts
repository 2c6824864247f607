// Build @limitrate/hono to ESM + CJS with type declarations for both, for every runtime
// (edge-safe). The CJS build loads @limitrate/upstash with require (see src/upstash.ts).
import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  platform: 'neutral',
  external: ['hono', '@limitrate/core', '@limitrate/upstash'],
  esbuildOptions(options, { format }) {
    options.define = { ...options.define, __LIMITRATE_CJS__: String(format === 'cjs') };
  },
});
