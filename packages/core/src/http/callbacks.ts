// Running a user callback of the HTTP layer (identifyUser, skip, ...) so that it can
// neither throw into the request nor hang it: a synchronous answer stays synchronous, a
// promise is bounded by a timeout, and every failure becomes a coded CallbackError.
import { CallbackError, LimitRateError } from '../errors/index.js';
import { isPromiseLike, withTimeout } from '../util/timeout.js';

/** A callback's answer, or why there is none. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: LimitRateError };

const failure = (name: string, e: unknown): Outcome<never> => ({
  ok: false,
  error: e instanceof LimitRateError ? e : new CallbackError(name, `failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e }),
});

/**
 * Calls `fn(...args)`; checks the answer with `accept` (which returns an error message
 * for an unacceptable value). Synchronous answers come back synchronously.
 */
export function runCallback<T>(
  name: string,
  fn: (...args: never[]) => unknown,
  args: readonly unknown[],
  timeoutMs: number,
  accept: (value: unknown) => string | undefined,
): Outcome<T> | Promise<Outcome<T>> {
  const check = (value: unknown): Outcome<T> => {
    const problem = accept(value);
    return problem === undefined ? { ok: true, value: value as T } : { ok: false, error: new CallbackError(name, problem, { code: 'ERR_LIMITRATE_CALLBACK' }) };
  };
  let value: unknown;
  try {
    value = (fn as (...a: unknown[]) => unknown)(...args);
  } catch (e) {
    return failure(name, e);
  }
  if (!isPromiseLike(value)) return check(value);
  return withTimeout(value as PromiseLike<unknown>, timeoutMs, () => new CallbackError(name, `took longer than ${timeoutMs} ms`, { timeout: true })).then(check, (e: unknown) => failure(name, e));
}

/**
 * `then` that stays synchronous for synchronous values. (Not called `then`: a module that
 * exports `then` looks like a promise to `await import(...)`.)
 */
export function andThen<T, U>(value: T | Promise<T>, fn: (v: T) => U | Promise<U>): U | Promise<U> {
  return value instanceof Promise ? value.then(fn) : fn(value);
}
