// The source the command line asks for: --url (HTTP inspector) or --redis.
import type { CliOptions } from '../args.js';
import { createHttpSource } from './http.js';
import { createRedisSource } from './redis.js';
import type { ReportSource } from './types.js';

/**
 * The source of parsed options (exactly one of `url` and `redis` is set by `parseArgs`).
 *
 * @example
 * ```ts
 * const parsed = parseArgs(process.argv.slice(2), process.env);
 * if (parsed.kind === 'run') { const source = createSource(parsed.options); }
 * ```
 */
export function createSource(options: Pick<CliOptions, 'url' | 'redis' | 'token' | 'prefix' | 'timeoutMs'>): ReportSource {
  if (options.url !== undefined) {
    return createHttpSource({ url: options.url, ...(options.token === undefined ? {} : { token: options.token }), timeoutMs: options.timeoutMs });
  }
  return createRedisSource({ url: options.redis ?? '', ...(options.prefix === undefined ? {} : { prefix: options.prefix }), timeoutMs: options.timeoutMs });
}
