// Network failures (Node's and undici's error codes) in words people can act on.

const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed (DNS)',
  ECONNRESET: 'connection reset by the server',
  EPIPE: 'connection closed by the server',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_SOCKET: 'connection closed by the server',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_HEADERS_TIMEOUT: 'no response headers in time',
};

const TLS = /CERT|TLS|SSL|SELF_SIGNED/;

/**
 * The error code inside a fetch or socket failure (`ECONNREFUSED`...), looking through
 * `cause` and AggregateError's `errors`.
 *
 * @example
 * ```ts
 * try { await fetch(url); } catch (e) { networkCode(e); } // 'ECONNREFUSED'
 * ```
 */
export function networkCode(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (typeof current === 'object' && current !== null && !seen.has(current)) {
    seen.add(current);
    const { code, errors, cause } = current as { code?: unknown; errors?: unknown; cause?: unknown };
    if (typeof code === 'string' && code !== 'ERR_INVALID_STATE') return code;
    if (Array.isArray(errors) && errors.length > 0) {
      const inner = networkCode(errors[0]);
      if (inner !== undefined) return inner;
    }
    current = cause;
  }
  return undefined;
}

/**
 * A network error code in words (`connection refused`), or undefined when unknown.
 *
 * @example
 * ```ts
 * networkReason('ENOTFOUND'); // 'host not found'
 * ```
 */
export function networkReason(code: string | undefined): string | undefined {
  if (code === undefined) return undefined;
  const known = REASONS[code];
  if (known !== undefined) return known;
  if (TLS.test(code)) return `TLS certificate problem (${code}); for a private CA set NODE_EXTRA_CA_CERTS`;
  return undefined;
}

/**
 * The message of the innermost `cause` (fetch's own message is only "fetch failed").
 *
 * @example
 * ```ts
 * innermostMessage(fetchError); // 'bad port'
 * ```
 */
export function innermostMessage(error: unknown): string {
  let current: unknown = error;
  for (let i = 0; i < 5; i++) {
    const cause = current instanceof Error ? current.cause : undefined;
    if (!(cause instanceof Error)) break;
    current = cause;
  }
  const message = current instanceof Error ? current.message : String(current);
  return message === 'bad port' ? 'fetch refuses that port ("bad port"): use another port for the app' : message;
}
