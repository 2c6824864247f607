// Test helper: bundles a Worker entry with esbuild the way wrangler does (the workerd,
// worker and browser conditions; `cloudflare:` modules left to the runtime) and runs it in
// real workerd through miniflare, with the bindings given.
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';

/** A Worker running in workerd. */
export interface RunningWorker {
  fetch(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

/** The example's directory, for entry paths. */
export const exampleDir = fileURLToPath(new URL('..', import.meta.url));

/** Bundles `entry` (relative to the example's directory) into one ES module. */
export async function bundle(entry: string): Promise<string> {
  const out = await build({
    entryPoints: [exampleDir + entry],
    absWorkingDir: exampleDir,
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['browser', 'module', 'main'],
    external: ['cloudflare:*'],
    logLevel: 'silent',
  });
  return out.outputFiles[0]!.text;
}

/** Starts the bundled Worker in workerd with `bindings` (text bindings, as `[vars]` and secrets are). */
export async function startWorker(code: string, bindings: Record<string, string> = {}): Promise<RunningWorker> {
  const mf = new Miniflare({
    compatibilityDate: '2025-09-01',
    modules: [{ type: 'ESModule', path: 'worker.js', contents: code }],
    bindings,
  });
  await mf.ready;
  return {
    fetch: async (path, init) => (await mf.dispatchFetch(`http://worker.test${path}`, init as never)) as unknown as Response,
    close: () => mf.dispose(),
  };
}
