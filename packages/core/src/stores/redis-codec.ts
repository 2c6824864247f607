// The Redis consume script's arguments and reply, for every Redis-protocol store: limits
// become ARGV (the stores add the KEYS, encoded their own way), and the reply a ConsumeResult.
import { ALGORITHM_TAG } from '../algorithms/registry.js';
import type { ConsumeMode, ConsumeResult, LimitOutcome, LimitSpec } from './types.js';
import { wholeRemaining, wholeUsed } from '../algorithms/types.js';

/** A number as the script reads it back exactly (`String` loses the sign of -0). */
function num(x: number): string {
  return Object.is(x, -0) ? '-0' : String(x);
}

/** The capacity reported for a limit (what core's kernels call `capacity`). */
export function redisCapacityOf(spec: LimitSpec): number {
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
function pushLimit(args: string[], spec: LimitSpec): void {
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
 * The script's ARGV for a call (`now` and `at` undefined: the server decides them). KEYS are
 * the stores' own business: one per limit, in the same order, prefixed and encoded.
 */
export function encodeRedisArgs(limits: readonly LimitSpec[], mode: ConsumeMode, now: number | undefined, at: number | undefined): string[] {
  const args: string[] = [mode, now === undefined ? '' : num(now), at === undefined ? '' : num(at)];
  for (let i = 0; i < limits.length; i++) pushLimit(args, limits[i]!);
  return args;
}

/** A '%.17g' number from Lua (which spells infinities and NaN its own way). */
function parseNum(text: string | undefined): number {
  const x = Number(text);
  if (!Number.isNaN(x) || text === undefined) return x;
  return text === 'inf' ? Infinity : text === '-inf' ? -Infinity : NaN;
}

/** Parses the script's reply (`allowed committed now`, then `allowed used resetMs retryAfterMs` per limit). */
export function decodeRedisReply(text: unknown, limits: readonly LimitSpec[]): ConsumeResult {
  if (typeof text !== 'string') throw new TypeError(`Unexpected reply from the consume script: ${typeof text}`);
  const parts = text.split(' ');
  const n = limits.length;
  if (parts.length !== 3 + 4 * n) throw new TypeError(`Unexpected reply from the consume script: ${parts.length} fields for ${n} limits`);
  const out: LimitOutcome[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const b = 3 + 4 * i;
    const limit = redisCapacityOf(limits[i]!);
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
