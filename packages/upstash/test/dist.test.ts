// The built package is edge-safe: dist imports no `node:` module (nor a bare Node built-in)
// and uses no Buffer, only web APIs. Builds dist first when it is missing.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const files = ['dist/index.js', 'dist/index.cjs'];

describe('dist', () => {
  if (!files.every((f) => existsSync(root + f))) execFileSync('pnpm', ['exec', 'tsup'], { cwd: root, stdio: 'ignore' });

  for (const file of files) {
    it(`${file} imports only @limitrate/core and @upstash/redis, and uses no Buffer or process.binding`, () => {
      const code = readFileSync(root + file, 'utf8');
      const specifiers = [...code.matchAll(/(?:from\s*|import\s*\(\s*|require\s*\(\s*)["']([^"']+)["']/g)].map((m) => m[1]!);
      expect(specifiers.length).toBeGreaterThan(0);
      for (const s of specifiers) {
        expect(s.startsWith('node:'), s).toBe(false);
        expect(builtinModules.includes(s), s).toBe(false);
      }
      expect(new Set(specifiers)).toEqual(new Set(['@limitrate/core', '@upstash/redis']));
      expect(code).not.toMatch(/\bBuffer\b/);
    });
  }
});
