// Store key parts. Every part is escaped so that no two distinct identifiers produce the same
// key and no part contains the separator `:`, the Redis Cluster hash-tag braces, glob
// characters or whitespace; unicode passes through unchanged.

const NEEDS_ESCAPE = /[%:{}*?[\]\\|\s\u0000-\u001f\u007f]/;
const ESCAPE_ALL = /[%:{}*?[\]\\|\s\u0000-\u001f\u007f]/g;

function encodeChar(c: string): string {
  const code = c.charCodeAt(0);
  if (code < 0x100) return `%${code.toString(16).toUpperCase().padStart(2, '0')}`;
  // Unicode whitespace (U+2028 and friends): encode the code unit.
  return `%u${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Escape one key part (injective: distinct inputs give distinct outputs).
 *
 * @example
 * ```ts
 * escapeKeyPart('user:42'); // 'user%3A42'
 * ```
 */
export function escapeKeyPart(part: string): string {
  // A plain scan beats the regular expression on the short ids this usually sees.
  for (let i = 0; i < part.length; i++) {
    const c = part.charCodeAt(i);
    if (c <= 0x20 || c === 0x25 || c === 0x2a || c === 0x3a || c === 0x3f || c === 0x5b || c === 0x5c || c === 0x5d || c === 0x7b || c === 0x7c || c === 0x7d || c >= 0x7f) {
      return NEEDS_ESCAPE.test(part) ? part.replace(ESCAPE_ALL, encodeChar) : part;
    }
  }
  return part;
}

/** Builds the scope part of a key from a canonical `METHOD|/path` (the `|` stays literal). */
export function scopeKeyPart(canonical: string): string {
  const bar = canonical.indexOf('|');
  return `${escapeKeyPart(canonical.slice(0, bar))}|${escapeKeyPart(canonical.slice(bar + 1))}`;
}
