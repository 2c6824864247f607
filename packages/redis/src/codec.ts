// Turning limits into the script's KEYS and ARGV and its reply into a ConsumeResult, and
// keys and patterns into Redis bytes without collisions.
import { decodeRedisReply, encodeRedisArgs, type ConsumeMode, type ConsumeResult, type LimitSpec } from '@limitrate/core';

/** A lone UTF-16 surrogate: UTF-8 cannot encode it (Node writes U+FFFD instead, so two keys would collide). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Redis bytes for a string: the string itself when it is well-formed UTF-16 (ioredis sends
 * it as UTF-8), else its WTF-8 bytes, which encode lone surrogates as bytes UTF-8 never
 * produces, so no two strings share an encoding.
 */
export function toRedisBytes(text: string): string | Buffer {
  if (!LONE_SURROGATE.test(text)) return text;
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    if (c < 0x80) bytes.push(c);
    else if (c < 0x800) bytes.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else if (c < 0x10000) bytes.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    else bytes.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return Buffer.from(bytes);
}

/** Escapes Redis glob specials (`*?[]\`) so that `text` matches only itself in SCAN MATCH. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/**
 * A SCAN MATCH pattern for core's pattern under `prefix`: `*` stays a wildcard, everything
 * else (the prefix included) is literal.
 */
export function matchPattern(prefix: string, pattern: string): string | Buffer {
  return toRedisBytes(escapeGlob(prefix) + pattern.split('*').map(escapeGlob).join('*'));
}

/**
 * The hash-tagged form of core's key (Cluster mode): the part that names the request's
 * owner, the text before the first `:` (core's escaped user id, which holds no `:`, `{` or
 * `}`), goes in braces, so that every limit of one user maps to one slot. An owner that is
 * empty or starts with `}` (raw keys only) opens with `{:` instead, since Redis ignores an
 * empty tag `{}`: its tag is then `:`. Injective: the owner ends at the first `:`.
 *
 * @example
 * ```ts
 * tagKey('u%3A42:GET|/a:r:fw:1000'); // '{u%3A42}:GET|/a:r:fw:1000'
 * ```
 */
export function tagKey(key: string): string {
  const colon = key.indexOf(':');
  const owner = colon < 0 ? key : key.slice(0, colon);
  const rest = colon < 0 ? '' : key.slice(colon);
  return `${tagOpen(owner)}${owner}}${rest}`;
}

/** What {@link tagKey} puts before the owner. */
function tagOpen(owner: string): string {
  return owner === '' || owner.startsWith('}') ? '{:' : '{';
}

/** Reverses {@link tagKey} on a stored key's bytes taken as latin1 text; undefined if it is not tagged. */
export function untagBinary(stored: string): string | undefined {
  if (!stored.startsWith('{')) return undefined;
  const body = stored.slice(stored.startsWith('{:') ? 2 : 1);
  const colon = body.indexOf(':');
  const close = colon < 0 ? body.length - 1 : colon - 1;
  if (close < 0 || body[close] !== '}') return undefined;
  return body.slice(0, close) + body.slice(close + 1);
}

/** A string's Redis bytes as latin1 text (one char per byte), for matching raw keys. */
function binary(text: string): string {
  const bytes = toRedisBytes(text);
  return (typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes).toString('latin1');
}

/** How reset finds the keys of a pattern in hash-tag mode: a SCAN MATCH, and a test on core's key when the glob can over-match. */
export interface TaggedPattern {
  match: string | Buffer;
  /** Tests a stored key's bytes after the prefixes (latin1 text); absent when `match` is exact. */
  test?: (stored: string) => boolean;
}

/**
 * A SCAN for core's pattern in hash-tag mode. A literal owner (`user:*`, core's per-user
 * resets) gives an exact glob on `{user}:`; any other pattern scans the keys that start
 * like it and tests each one's untagged key against the pattern.
 */
export function taggedPattern(prefix: string, pattern: string): TaggedPattern {
  const colon = pattern.indexOf(':');
  const star = pattern.indexOf('*');
  if (colon >= 0 && (star < 0 || star > colon)) {
    return { match: matchPattern(prefix + tagKey(pattern.slice(0, colon)), pattern.slice(colon)) };
  }
  const literal = star < 0 ? pattern : pattern.slice(0, star);
  const match = literal === '' ? matchPattern(prefix, '*') : matchPattern(prefix + tagOpen(literal) + literal, '*');
  const re = new RegExp(`^${pattern.split('*').map((part) => binary(part).replace(/[$()*+.?[\\\]^{|}]/g, '\\$&')).join('[\\s\\S]*')}$`);
  return {
    match,
    test: (stored) => {
      const key = untagBinary(stored);
      return re.test(key ?? stored);
    },
  };
}

/**
 * EVALSHA's arguments after the SHA: the key count, the keys (prefixed, tagged, encoded),
 * then core's ARGV (`now` and `at` are '' when the server decides them).
 */
export function encodeCall(keys: readonly (string | Buffer)[], limits: readonly LimitSpec[], mode: ConsumeMode, now: number | undefined, at: number | undefined): (string | Buffer)[] {
  const args: (string | Buffer)[] = [String(keys.length)];
  for (const k of keys) args.push(k);
  for (const a of encodeRedisArgs(limits, mode, now, at)) args.push(a);
  return args;
}

/** The script's reply (a string, or a Buffer with some client settings) as a ConsumeResult. */
export function decodeReply(reply: unknown, limits: readonly LimitSpec[]): ConsumeResult {
  return decodeRedisReply(Buffer.isBuffer(reply) ? reply.toString() : reply, limits);
}
