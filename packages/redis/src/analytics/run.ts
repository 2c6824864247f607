// Running an analytics script: EVALSHA, then EVAL once after NOSCRIPT (a script flush or a
// restart), bounded by a timeout; failures become coded errors.
import { LimitRateError } from '@limitrate/core';
import type { Cluster, Redis } from 'ioredis';
import type { LuaScript } from './scripts.js';

/** EVALSHA, falling back to EVAL (which also loads the script) on NOSCRIPT. */
export async function runScript(client: Redis | Cluster, script: LuaScript, keys: readonly string[], args: readonly string[]): Promise<unknown> {
  try {
    return await client.call('EVALSHA', script.sha, String(keys.length), ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return await client.call('EVAL', script.source, String(keys.length), ...keys, ...args);
  }
}

/**
 * Runs `op`, rejecting with ERR_LIMITRATE_STORE_TIMEOUT after `ms`, and turning any other
 * failure into an ERR_LIMITRATE_STORE error (coded errors pass through).
 */
export function timed<T>(what: string, ms: number, op: () => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new LimitRateError('ERR_LIMITRATE_STORE_TIMEOUT', `Redis analytics: ${what} did not finish within ${ms} ms`, {
            hint: 'Check that Redis is reachable, or raise commandTimeoutMs; rate limiting is not affected',
          }),
        ),
      ms,
    );
    let running: Promise<T>;
    try {
      running = op();
    } catch (error) {
      running = Promise.reject(error);
    }
    running.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(analyticsError(what, error));
      },
    );
  });
}

/** Coded errors pass through; anything else becomes ERR_LIMITRATE_STORE with the original as `cause`. */
export function analyticsError(what: string, error: unknown): LimitRateError {
  if (error instanceof LimitRateError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new LimitRateError('ERR_LIMITRATE_STORE', `Redis analytics: ${what} failed: ${message}`, {
    hint: 'Check that Redis is reachable; rate limiting is not affected',
    cause: error,
  });
}
