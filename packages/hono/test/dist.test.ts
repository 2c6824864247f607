// The built package is edge-safe: dist imports nothing but hono, @limitrate/core and (on
// demand, by its literal name) @limitrate/upstash; no `node:` module or Node built-in, no
// Buffer, no process; the ESM build has no require. The CommonJS build loads
// @limitrate/upstash with require, on the same copy of core. Builds dist when it is missing.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const files = ['dist/index.js', 'dist/index.cjs'];

describe('dist', () => {
  if (!files.every((f) => existsSync(root + f))) execFileSync('pnpm', ['exec', 'tsup'], { cwd: root, stdio: 'ignore' });

  for (const file of files) {
    it(`${file} imports only hono, @limitrate/core and @limitrate/upstash, and uses no Buffer or process`, () => {
      const code = readFileSync(root + file, 'utf8');
      const specifiers = [...code.matchAll(/(?:from\s*|import\s*\(\s*|require\s*\(\s*)["']([^"']+)["']/g)].map((m) => m[1]!);
      for (const s of specifiers) {
        expect(s.startsWith('node:'), s).toBe(false);
        expect(builtinModules.includes(s), s).toBe(false);
      }
      expect(new Set(specifiers)).toEqual(new Set(['@limitrate/core', '@limitrate/upstash', 'hono/adapter', 'hono/route']));
      expect(code).not.toMatch(/\bBuffer\b/);
      expect(code).not.toMatch(/\bprocess\b/);
      if (file.endsWith('.js')) {
        expect(code).not.toMatch(/\brequire\s*\(/);
        // Bundlers follow the literal name, and `.catch` lets them build without the package.
        expect(code).toMatch(/import\("@limitrate\/upstash"\)\.catch\(/);
      }
    });
  }

  it('the CommonJS build builds its Upstash store from the CommonJS @limitrate/upstash, on the same core', async () => {
    const require = createRequire(root + 'dist/index.cjs');
    const hono = require(root + 'dist/index.cjs') as typeof import('../src/index.js');
    const core = require('@limitrate/core') as typeof import('@limitrate/core');
    const upstash = require('@limitrate/upstash') as typeof import('@limitrate/upstash');
    const lr = hono.limitrate({ store: { type: 'upstash', url: 'http://127.0.0.1:9', token: 't' }, policies: { free: { rate: { maxPerMinute: 1 } } } });
    try {
      const store = await (lr.limiter.store as InstanceType<typeof core.DeferredStore>).loaded;
      expect(store).toBeInstanceOf(upstash.UpstashStore);
      expect(lr.limiter).toBeInstanceOf(core.RateLimiter);
    } finally {
      await lr.close();
    }
  });
});
