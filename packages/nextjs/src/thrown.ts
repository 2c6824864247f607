// The status Next.js answers with when a handler throws: notFound(), forbidden(),
// unauthorized() and redirect() throw errors that Next.js turns into 404/403/401 and
// 307/308 responses; anything else is a 500.

/**
 * The status of the response Next.js sends for an error a route handler threw.
 *
 * @example
 * ```ts
 * statusOfThrown(Object.assign(new Error('NEXT_HTTP_ERROR_FALLBACK;404'), { digest: 'NEXT_HTTP_ERROR_FALLBACK;404' })); // 404
 * ```
 */
export function statusOfThrown(error: unknown): number {
  const digest = typeof error === 'object' && error !== null ? (error as { digest?: unknown }).digest : undefined;
  if (typeof digest !== 'string') return 500;
  const fallback = /^NEXT_HTTP_ERROR_FALLBACK;(\d{3})$/.exec(digest);
  if (fallback !== null) {
    const status = Number(fallback[1]);
    return status >= 400 && status <= 599 ? status : 500;
  }
  // NEXT_REDIRECT;<type>;<url>;<status>; (the URL may hold ';' itself)
  if (digest.startsWith('NEXT_REDIRECT;')) {
    const parts = digest.split(';');
    const status = Number(parts[parts.length - 2]);
    return status >= 300 && status < 400 ? status : 307;
  }
  return 500;
}
