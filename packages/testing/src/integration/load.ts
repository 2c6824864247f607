// Loading an adapter and its framework at run time (they are optional peers of this package,
// never its dependencies): resolved from the test's directory or the working directory, the
// framework from the adapter's own directory so both share one copy.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '@limitrate/core';

/** A module loaded from a directory. */
export interface Loaded {
  /** The module's exports. */
  exports: Record<string, unknown>;
  /** The file it was loaded from. */
  file: string;
}

/** A missing package: a configuration error naming what to install. */
export function missingPackage(name: string, framework: string, install: string, cause?: unknown): ConfigError {
  const error = new ConfigError([
    {
      path: 'framework',
      code: 'ERR_LIMITRATE_INVALID_CONFIG',
      message: `createIntegrationTest({ framework: '${framework}' }) needs the package "${name}", which cannot be found`,
      hint: `Install it next to your tests (${install}), or pass \`root\` as the directory it is installed under`,
    },
  ]);
  if (cause !== undefined) Object.defineProperty(error, 'cause', { value: cause, enumerable: false, configurable: true });
  return error;
}

function notFound(error: unknown, name: string): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  if (typeof e !== 'object' || e === null) return false;
  // Only the package asked for: a missing dependency of it is its own problem, reported as it is.
  return (e.code === 'MODULE_NOT_FOUND' || e.code === 'ERR_MODULE_NOT_FOUND') && typeof e.message === 'string' && e.message.includes(`'${name}'`);
}

/**
 * Requires `name` as seen from the first of `bases` that can resolve it. Undefined when none
 * can; a package that is found but fails to load throws its own error.
 */
export function loadFrom(name: string, bases: readonly string[]): Loaded | undefined {
  for (const base of bases) {
    const require = createRequire(join(base, '__limitrate_integration__.js'));
    let file: string;
    try {
      file = require.resolve(name);
    } catch (error) {
      if (notFound(error, name)) continue;
      throw error;
    }
    return { exports: require(file) as Record<string, unknown>, file };
  }
  return undefined;
}

/** The directory of a module file (the adapter's, to load its framework from). */
export const directoryOf = (file: string): string => dirname(file);

/** A stack frame's file, as a path. */
function frameFile(line: string): string | undefined {
  const m = /(?:\(|\bat )((?:file:\/\/)?\/[^():]+|[A-Za-z]:\\[^():]+):\d+:\d+\)?\s*$/.exec(line);
  if (m === null) return undefined;
  const file = m[1]!;
  if (file.startsWith('file://')) {
    try {
      return fileURLToPath(file);
    } catch {
      return undefined;
    }
  }
  return file;
}

/**
 * The directory of the file that called into this package (the test file), from the stack.
 * Frames of this package's own file and of node internals are passed over.
 */
export function callerDirectory(stack: string | undefined): string | undefined {
  if (stack === undefined) return undefined;
  const files = stack
    .split('\n')
    .slice(1)
    .map(frameFile)
    .filter((f): f is string => f !== undefined);
  const own = files[0];
  const caller = files.find((f) => f !== own && !f.includes('/node_modules/vitest/') && !f.includes('/node_modules/@vitest/'));
  return caller === undefined ? undefined : dirname(caller);
}

/** Directories to resolve from, in order, without repeats. */
export function searchBases(root: string | undefined, caller: string | undefined): string[] {
  const out: string[] = [];
  for (const d of [root, caller, process.cwd()]) if (d !== undefined && !out.includes(d)) out.push(d);
  return out;
}
