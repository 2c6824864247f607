// Coded errors of the CLI: a usage mistake (exit code 2) or a source that failed (exit code 1).

/** Every error code the CLI raises. Codes are stable across releases. */
export type CliErrorCode =
  /** A bad flag, value or command: the usage is printed, exit code 2. */
  | 'ERR_LIMITRATE_CLI_USAGE'
  /** The source could not be reached (connection refused, host not found, reset...). */
  | 'ERR_LIMITRATE_CLI_UNREACHABLE'
  /** The source did not answer in time. */
  | 'ERR_LIMITRATE_CLI_TIMEOUT'
  /** The source refused the credentials (inspector token, Redis password). */
  | 'ERR_LIMITRATE_CLI_UNAUTHORIZED'
  /** Nothing answers at that URL (HTTP 404 without an inspector's body). */
  | 'ERR_LIMITRATE_CLI_NOT_FOUND'
  /** An answer that is not a report this CLI understands (not JSON, another version, an HTTP error). */
  | 'ERR_LIMITRATE_CLI_BAD_RESPONSE'
  /** Redis answered with an error while the analytics were read. */
  | 'ERR_LIMITRATE_CLI_REDIS'
  /** The CSV export could not be written. */
  | 'ERR_LIMITRATE_CLI_EXPORT';

/**
 * An error the CLI explains to people: `message` says what happened and what to do, and
 * starts with nothing technical; `code` is for scripts.
 *
 * @example
 * ```ts
 * try { await source.fetch({ range: 'now' }); }
 * catch (e) { if (e instanceof CliError && e.code === 'ERR_LIMITRATE_CLI_UNREACHABLE') retryLater(); }
 * ```
 */
export class CliError extends Error {
  /** Stable error code (`ERR_LIMITRATE_CLI_*`). */
  readonly code: CliErrorCode;

  constructor(code: CliErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CliError';
    this.code = code;
  }

  /** The process exit code this error ends the CLI with: 2 for usage, 1 for the rest. */
  get exitCode(): 1 | 2 {
    return this.code === 'ERR_LIMITRATE_CLI_USAGE' ? 2 : 1;
  }
}

/**
 * A usage error (`ERR_LIMITRATE_CLI_USAGE`, exit code 2).
 *
 * @example
 * ```ts
 * throw usageError('--top must be a whole number from 1 to 1000, got "ten"');
 * ```
 */
export function usageError(message: string): CliError {
  return new CliError('ERR_LIMITRATE_CLI_USAGE', message);
}

/**
 * The message of anything thrown, for a status line (never `[object Object]`).
 *
 * @example
 * ```ts
 * messageOf(new Error('boom')); // 'boom'
 * ```
 */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}
