// Endpoint templates for requests whose framework cannot name the route: identifier-like
// path segments (numbers, UUIDs, long hex, ULIDs) become `:id`, so one limit covers
// `/users/42` and `/users/43` instead of one counter per URL.

const NUMERIC = /^\d+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEX = /^[0-9a-f]{16,}$/i;
const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/i;
const MIXED_ID = /^(?=.*\d)(?=.*[A-Za-z])[A-Za-z0-9_-]{16,}$/;

/** Whether a path segment looks like an identifier rather than a word of the API. */
export function isIdSegment(segment: string): boolean {
  return NUMERIC.test(segment) || UUID.test(segment) || HEX.test(segment) || ULID.test(segment) || MIXED_ID.test(segment);
}

/**
 * The path with identifier-like segments replaced by `:id` (query and fragment dropped).
 *
 * @example
 * ```ts
 * templatePath('/users/42/posts/3f2504e0-4f89-11d3-9a0c-0305e82c3301'); // '/users/:id/posts/:id'
 * ```
 */
export function templatePath(path: string): string {
  let p = path;
  const q = p.search(/[?#]/);
  if (q >= 0) p = p.slice(0, q);
  if (p.indexOf('/') < 0) return p;
  const parts = p.split('/');
  let changed = false;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part !== '' && isIdSegment(part)) {
      parts[i] = ':id';
      changed = true;
    }
  }
  return changed ? parts.join('/') : p;
}
