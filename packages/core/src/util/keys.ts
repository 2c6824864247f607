// Store key parts. Every part is escaped so that no two distinct identifiers produce the same
// key and no part contains the separator `:`, the Redis Cluster hash-tag braces, glob
// characters or whitespace; unicode passes through unchanged.

const NEEDS_ESCAPE = /[%:{}*?[\]\\|\s\u0000-\u001f\u007f]/;
const ESCAPE_ALL = /[%:{}*?[\]\\|\s\u0000-\u001f\u007f]/g;

/** ASCII characters that need escaping (1) or not (0); anything from 0x7f up is checked by NEEDS_ESCAPE. */
const SUSPECT = new Uint8Array(0x80);
for (let c = 0; c <= 0x20; c++) SUSPECT[c] = 1;
for (const ch of '%*:?[\\]{|}') SUSPECT[ch.charCodeAt(0)] = 1;

let lastPart = '';
let lastEscaped = '';

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
  // Requests often repeat their caller: remember the last answer.
  if (part === lastPart) return lastEscaped;
  let escaped = part;
  const n = part.length;
  if (n > 12) {
    // On longer ids the regular expression's scan is cheaper than a JavaScript loop.
    if (NEEDS_ESCAPE.test(part)) escaped = part.replace(ESCAPE_ALL, encodeChar);
  } else {
    for (let i = 0; i < n; i++) {
      const c = part.charCodeAt(i);
      if (c >= 0x7f || SUSPECT[c] === 1) {
        if (NEEDS_ESCAPE.test(part)) escaped = part.replace(ESCAPE_ALL, encodeChar);
        break;
      }
    }
  }
  lastPart = part;
  lastEscaped = escaped;
  return escaped;
}

/** Builds the scope part of a key from a canonical `METHOD|/path` (the `|` stays literal). */
export function scopeKeyPart(canonical: string): string {
  const bar = canonical.indexOf('|');
  return `${escapeKeyPart(canonical.slice(0, bar))}|${escapeKeyPart(canonical.slice(bar + 1))}`;
}
