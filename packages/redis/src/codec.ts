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
 * EVALSHA's arguments after the SHA: the key count, the prefixed keys, then core's ARGV
 * (`now` and `at` are '' when the server decides them).
 */
export function encodeCall(prefix: string, limits: readonly LimitSpec[], mode: ConsumeMode, now: number | undefined, at: number | undefined): (string | Buffer)[] {
  const n = limits.length;
  const args: (string | Buffer)[] = [String(n)];
  for (let i = 0; i < n; i++) args.push(toRedisBytes(prefix + limits[i]!.key));
  for (const a of encodeRedisArgs(limits, mode, now, at)) args.push(a);
  return args;
}

/** The script's reply (a string, or a Buffer with some client settings) as a ConsumeResult. */
export function decodeReply(reply: unknown, limits: readonly LimitSpec[]): ConsumeResult {
  return decodeRedisReply(Buffer.isBuffer(reply) ? reply.toString() : reply, limits);
}
