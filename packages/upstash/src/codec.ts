// Keys over JSON: a reversible escape for the keys JSON and UTF-8 cannot carry (lone UTF-16
// surrogates), and SCAN MATCH patterns that find them.

/**
 * The escape character, U+FFFF (a Unicode noncharacter, valid in UTF-8 and JSON). A key that
 * contains neither it nor a lone surrogate is sent as it is. Otherwise:
 * - U+FFFF becomes U+FFFF U+FFFF;
 * - a lone surrogate becomes U+FFFF and its four lowercase hex digits (`\uFFFFd800`).
 *
 * Every character maps on its own to a code no other character's code starts with, so the
 * escape is reversible and no two keys share an encoding. A key that needed escaping always
 * contains U+FFFF, and a key sent as it is never does.
 */
export const ESCAPE = '\uFFFF';

/** A lone surrogate or the escape character: what makes a key need escaping. */
const NEEDS_ESCAPE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|\uFFFF/;
const ESCAPED = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|\uFFFF/g;
const UNESCAPE = /\uFFFF(\uFFFF|d[89a-f][0-9a-f]{2})/g;

/** True when `text` contains a lone surrogate or U+FFFF (and so is not sent as it is). */
export function needsEscape(text: string): boolean {
  return NEEDS_ESCAPE.test(text);
}

/** The form of `text` sent to Upstash: itself when well-formed and free of U+FFFF, else escaped (see {@link ESCAPE}). */
export function escapeKey(text: string): string {
  if (!NEEDS_ESCAPE.test(text)) return text;
  return text.replace(ESCAPED, (c) => (c === ESCAPE ? ESCAPE + ESCAPE : ESCAPE + c.charCodeAt(0).toString(16)));
}

/** The inverse of {@link escapeKey} (a U+FFFF not followed by an escape code is kept as it is). */
export function unescapeKey(text: string): string {
  if (!text.includes(ESCAPE)) return text;
  return text.replace(UNESCAPE, (_, code: string) => (code === ESCAPE ? ESCAPE : String.fromCharCode(parseInt(code, 16))));
}

/** Escapes Redis glob specials (`*?[]\`) so that `text` matches only itself in SCAN MATCH. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/**
 * A SCAN MATCH pattern that finds at least every stored key matching core's `pattern` under
 * `prefix` (`*` the only wildcard). When a literal part of the pattern would itself need
 * escaping, it is every key under the prefix; callers filter the results with
 * {@link patternTest} anyway, since an escape code may contain what a pattern looks for.
 */
export function scanMatch(prefix: string, pattern: string): string {
  const head = escapeGlob(escapeKey(prefix));
  const parts = pattern.split('*');
  if (parts.some(needsEscape)) return `${head}*`;
  return head + parts.map(escapeGlob).join('*');
}

/** An exact test of an (unescaped, unprefixed) key against core's pattern: `*` is any run of characters. */
export function patternTest(pattern: string): (key: string) => boolean {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'))
    .join('[\\s\\S]*');
  const re = new RegExp(`^${source}$`);
  return (key) => re.test(key);
}
