// Build @limitrate/nextjs to ESM + CJS with type declarations for both. The CommonJS build
// turns `import('@limitrate/upstash')` into require(), so that the store package loads on
// the same (CommonJS) copy of @limitrate/core as this one.
import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  platform: 'neutral',
  external: ['next', '@limitrate/core', '@limitrate/upstash', '@upstash/redis'],
  esbuildOptions(options, { format }) {
    if (format === 'cjs') options.supported = { ...options.supported, 'dynamic-import': false };
  },
});
