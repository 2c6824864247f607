// Coded errors: one class per failure, each with a stable `code`, a message that says what
// to do, and the underlying `cause` when there is one.

/** Every error code LimitRate can raise. Codes are stable across releases. */
export type LimitRateErrorCode =
  | 'ERR_LIMITRATE_INVALID_CONFIG'
  | 'ERR_LIMITRATE_UNKNOWN_OPTION'
  | 'ERR_LIMITRATE_UNSUPPORTED_OPTION'
  | 'ERR_LIMITRATE_INVALID_REQUEST'
  | 'ERR_LIMITRATE_INVALID_COST'
  | 'ERR_LIMITRATE_STORE'
  | 'ERR_LIMITRATE_STORE_TIMEOUT'
  | 'ERR_LIMITRATE_CALLBACK'
  | 'ERR_LIMITRATE_CALLBACK_TIMEOUT'
  | 'ERR_LIMITRATE_CLOSED';

/** Base class of every error LimitRate throws or reports. */
export class LimitRateError extends Error {
  /** Stable, documented error code (`ERR_LIMITRATE_*`). */
  readonly code: LimitRateErrorCode;
  /** What to do about it, when there is something to do. */
  readonly hint: string | undefined;

  constructor(code: LimitRateErrorCode, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(options.hint ? `${message}. ${options.hint}` : message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LimitRateError';
    this.code = code;
    this.hint = options.hint;
  }
}

/** One problem found while validating a configuration. */
export interface ConfigIssue {
  /** Dotted path of the offending field, e.g. `policies.free.endpoints["POST|/api"].rate.maxPerMinute`. */
  path: string;
  code: 'ERR_LIMITRATE_INVALID_CONFIG' | 'ERR_LIMITRATE_UNKNOWN_OPTION' | 'ERR_LIMITRATE_UNSUPPORTED_OPTION';
  message: string;
  hint: string;
}

/**
 * Thrown at construction when the configuration is wrong. `issues` lists every problem
 * found (not only the first), each with its path, code and hint.
 *
 * @example
 * ```ts
 * try { new RateLimiter({ policies: { free: { rate: { maxPerMinute: -1 } } } }); }
 * catch (e) { if (e instanceof ConfigError) console.log(e.issues[0].path); }
 * ```
 */
export class ConfigError extends LimitRateError {
  readonly issues: readonly ConfigIssue[];
  /** Path of the first issue, for quick display. */
  readonly path: string;

  constructor(issues: readonly ConfigIssue[]) {
    const first = issues[0];
    const code = first?.code ?? 'ERR_LIMITRATE_INVALID_CONFIG';
    const lines = issues.map((i) => `  - ${i.path}: ${i.message}. ${i.hint}`);
    super(code, `Invalid LimitRate configuration (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${lines.join('\n')}`);
    this.name = 'ConfigError';
    this.issues = issues;
    this.path = first?.path ?? '';
  }
}

/** A store operation failed or timed out. Carries the store's name and the original error as `cause`. */
export class StoreError extends LimitRateError {
  readonly store: string;
  constructor(store: string, message: string, options: { cause?: unknown; timeout?: boolean } = {}) {
    super(
      options.timeout ? 'ERR_LIMITRATE_STORE_TIMEOUT' : 'ERR_LIMITRATE_STORE',
      `Store "${store}" ${message}`,
      {
        hint: options.timeout
          ? 'Check that the store is reachable, or raise storeTimeoutMs; requests follow the onStoreError policy meanwhile'
          : 'Requests follow the onStoreError policy ("allow" or "block") until the store recovers',
        cause: options.cause,
      },
    );
    this.name = 'StoreError';
    this.store = store;
  }
}

/** A user callback (`getUserOverride`, `estimateCost`, ...) threw, rejected, returned nonsense or timed out. */
export class CallbackError extends LimitRateError {
  readonly callback: string;
  constructor(callback: string, message: string, options: { cause?: unknown; timeout?: boolean; code?: LimitRateErrorCode; hint?: string } = {}) {
    super(options.code ?? (options.timeout ? 'ERR_LIMITRATE_CALLBACK_TIMEOUT' : 'ERR_LIMITRATE_CALLBACK'), `${callback} ${message}`, {
      hint: options.hint ?? `Make ${callback} return quickly and never throw; until then the onStoreError policy applies`,
      cause: options.cause,
    });
    this.name = 'CallbackError';
    this.callback = callback;
  }
}

/** A call to the limiter had bad arguments (for example a negative token count). */
export class RequestError extends LimitRateError {
  constructor(message: string, hint: string) {
    super('ERR_LIMITRATE_INVALID_REQUEST', message, { hint });
    this.name = 'RequestError';
  }
}

/** `true` when `value` is a LimitRate error, with an optional code check. */
export function isLimitRateError(value: unknown, code?: LimitRateErrorCode): value is LimitRateError {
  return value instanceof LimitRateError && (code === undefined || value.code === code);
}
