// Build @limitrate/opentelemetry to ESM + CJS with type declarations for both. Two entry
// points: the instrumentation (on @opentelemetry/api only) and the optional SDK setup helper.
import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/setup.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  platform: 'neutral',
  external: [/^@opentelemetry\//, '@limitrate/core'],
});
