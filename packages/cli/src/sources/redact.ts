// URLs for people: without a password, user name or query string (the token never shows).

/**
 * The URL without credentials, query or fragment.
 *
 * @example
 * ```ts
 * redactUrl('redis://:s3cret@10.0.0.5:6379/0'); // 'redis://10.0.0.5:6379/0'
 * ```
 */
export function redactUrl(url: string | URL): string {
  try {
    const u = new URL(String(url));
    u.username = '';
    u.password = '';
    u.search = '';
    u.hash = '';
    return u.toString();
  } catch {
    return '(invalid URL)';
  }
}
