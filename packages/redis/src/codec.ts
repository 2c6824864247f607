// Turning limits into the script's KEYS and ARGV and its reply into a ConsumeResult, and
// keys and patterns into Redis bytes without collisions.
import { ALGORITHM_TAG, wholeRemaining, wholeUsed, type ConsumeMode, type ConsumeResult, type LimitOutcome, type LimitSpec } from '@limitrate/core';

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

/** A number as the script reads it back exactly (`String` loses the sign of -0). */
function num(x: number): string {
  return Object.is(x, -0) ? '-0' : String(x);
}

/** The capacity reported for a limit (what core's kernels call `capacity`). */
export function capacityOf(spec: LimitSpec): number {
  switch (spec.algorithm) {
    case 'fixed-window':
    case 'sliding-window':
    case 'sliding-log':
      return spec.limit;
    case 'token-bucket':
    case 'leaky-bucket':
      return spec.capacity;
    case 'gcra':
      return spec.burst ?? spec.limit;
  }
}

/** The six ARGV fields of one limit: tag, three parameters, cost, soft. */
function pushLimit(args: (string | Buffer)[], spec: LimitSpec): void {
  const tag = ALGORITHM_TAG[spec.algorithm];
  if (tag === undefined) throw new TypeError(`Unknown algorithm ${JSON.stringify(spec.algorithm)}`);
  args.push(String(tag));
  switch (spec.algorithm) {
    case 'fixed-window':
    case 'sliding-window':
    case 'sliding-log':
      args.push(num(spec.limit), num(spec.windowMs), '');
      break;
    case 'token-bucket':
      args.push(num(spec.capacity), num(spec.refillRate), spec.initialTokens === undefined ? '' : num(spec.initialTokens));
      break;
    case 'leaky-bucket':
      args.push(num(spec.capacity), num(spec.leakRate), '');
      break;
    case 'gcra':
      args.push(num(spec.limit), num(spec.windowMs), num(spec.burst ?? spec.limit));
      break;
  }
  args.push(num(spec.cost), spec.soft === true ? '1' : '0');
}

/**
 * EVALSHA's arguments after the SHA: the key count, the prefixed keys, then ARGV
 * (`now` and `at` are '' when the server decides them).
 */
export function encodeCall(prefix: string, limits: readonly LimitSpec[], mode: ConsumeMode, now: number | undefined, at: number | undefined): (string | Buffer)[] {
  const n = limits.length;
  const args: (string | Buffer)[] = [String(n)];
  for (let i = 0; i < n; i++) args.push(toRedisBytes(prefix + limits[i]!.key));
  args.push(mode, now === undefined ? '' : num(now), at === undefined ? '' : num(at));
  for (let i = 0; i < n; i++) pushLimit(args, limits[i]!);
  return args;
}

/** A '%.17g' number from Lua (which spells infinities and NaN its own way). */
function parseNum(text: string | undefined): number {
  const x = Number(text);
  if (!Number.isNaN(x) || text === undefined) return x;
  return text === 'inf' ? Infinity : text === '-inf' ? -Infinity : NaN;
}

/** Parses the script's reply (`allowed committed now`, then `allowed used resetMs retryAfterMs` per limit). */
export function decodeReply(reply: unknown, limits: readonly LimitSpec[]): ConsumeResult {
  const text = Buffer.isBuffer(reply) ? reply.toString() : reply;
  if (typeof text !== 'string') throw new TypeError(`Unexpected reply from the consume script: ${typeof reply}`);
  const parts = text.split(' ');
  const n = limits.length;
  if (parts.length !== 3 + 4 * n) throw new TypeError(`Unexpected reply from the consume script: ${parts.length} fields for ${n} limits`);
  const out: LimitOutcome[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const b = 3 + 4 * i;
    const limit = capacityOf(limits[i]!);
    const used = parseNum(parts[b + 1]);
    const remaining = wholeRemaining(limit, used);
    out[i] = {
      allowed: parts[b] === '1',
      limit,
      remaining,
      used: wholeUsed(limit, used, remaining),
      resetMs: parseNum(parts[b + 2]),
      retryAfterMs: parseNum(parts[b + 3]),
    };
  }
  return { allowed: parts[0] === '1', committed: parts[1] === '1', now: Number(parts[2]), limits: out };
}
