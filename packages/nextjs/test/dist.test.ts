// The built package: edge-safe (no `node:` or Node built-in imports, no Buffer), importing
// nothing but @limitrate/core and @limitrate/upstash at run time (next is types only), and
// loadable by plain Node.js in both formats, where the CommonJS build loads the Upstash
// store with require() onto the same copy of core. Builds dist first when it is missing.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const files = ['dist/index.js', 'dist/index.cjs'];

/** Runs `code` in a plain Node.js process (no test-runner module loader) in the package folder. */
const node = (args: string[]): string => execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 30_000 });

describe('dist', () => {
  if (!files.every((f) => existsSync(root + f))) execFileSync('pnpm', ['exec', 'tsup'], { cwd: root, stdio: 'ignore' });

  for (const file of files) {
    it(`${file} imports only @limitrate/core and @limitrate/upstash, no Node built-in, no Buffer`, () => {
      const code = readFileSync(root + file, 'utf8');
      const specifiers = [...code.matchAll(/(?:from\s*|import\s*\(\s*|require\s*\(\s*)["']([^"']+)["']/g)].map((m) => m[1]!);
      for (const s of specifiers) {
        expect(s.startsWith('node:'), s).toBe(false);
        expect(builtinModules.includes(s), s).toBe(false);
      }
      expect(new Set(specifiers)).toEqual(new Set(['@limitrate/core', '@limitrate/upstash']));
      expect(code).not.toMatch(/\bBuffer\b/);
    });
  }

  it('loads in plain Node.js as ESM and as CommonJS, and answers a request', () => {
    const run = `
      const { withRateLimit, rateLimitProxy } = MOD;
      const GET = withRateLimit({ identifyUser: () => 'u', policies: { free: { rate: { maxPerMinute: 1 } } } })(async () => Response.json({ ok: true }));
      const proxy = rateLimitProxy({ identifyUser: () => 'u', policies: { free: { rate: { maxPerMinute: 1 } } } });
      const a = await GET(new Request('http://x/a'));
      const b = await GET(new Request('http://x/a'));
      const p = await proxy(new Request('http://x/p'));
      console.log(JSON.stringify([a.status, b.status, p.headers.get('x-middleware-next'), p.headers.get('ratelimit-remaining')]));
    `;
    const esm = node(['--input-type=module', '-e', `const MOD = await import('./dist/index.js'); ${run}`]);
    const cjs = node(['-e', `(async () => { const MOD = require('./dist/index.cjs'); ${run} })()`]);
    expect(JSON.parse(esm)).toEqual([200, 429, '1', '0']);
    expect(JSON.parse(cjs)).toEqual([200, 429, '1', '0']);
  });

  it("the CommonJS build loads UpstashStore for store: { type: 'upstash' } with require(), on the CommonJS core", () => {
    const out = node([
      '-e',
      `(async () => {
        const { withRateLimit } = require('./dist/index.cjs');
        const core = require('@limitrate/core');
        const { UpstashStore } = require('@limitrate/upstash');
        const limit = withRateLimit({ store: { type: 'upstash', url: 'http://127.0.0.1:9', token: 't' }, policies: { free: {} } });
        const store = await limit.limiter.store.loaded;
        console.log(JSON.stringify([limit.limiter.store instanceof core.DeferredStore, store instanceof UpstashStore]));
        await limit.close();
      })()`,
    ]);
    expect(JSON.parse(out)).toEqual([true, true]);
  });
});
