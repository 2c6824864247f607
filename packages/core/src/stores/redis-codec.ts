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
/** Where encoded arguments go: a string array, or a store's array of keys and arguments. */
interface ArgSink {
  push(...items: string[]): number;
}

function pushLimit(args: ArgSink, spec: LimitSpec): void {
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

/** One decision of a batch: its limits, its mode, and the time its charges were made at (refunds). */
export interface RedisDecision {
  limits: readonly LimitSpec[];
  mode: ConsumeMode;
  at: number | undefined;
}

/** Appends one decision's ARGV (mode, at, limit count, six fields per limit) to `args`. */
export function pushRedisDecision(args: ArgSink, limits: readonly LimitSpec[], mode: ConsumeMode, at: number | undefined): void {
  args.push(mode, at === undefined ? '' : num(at), String(limits.length));
  for (let i = 0; i < limits.length; i++) pushLimit(args, limits[i]!);
}

/** The first ARGV field: the time every decision of the call is made at ('' = the server's TIME). */
export function redisNowArg(now: number | undefined): string {
  return now === undefined ? '' : num(now);
}

/**
 * The script's ARGV for a call of one decision (`now` and `at` undefined: the server decides
 * them). KEYS are the stores' own business: one per limit, in the same order, prefixed and
 * encoded.
 */
export function encodeRedisArgs(limits: readonly LimitSpec[], mode: ConsumeMode, now: number | undefined, at: number | undefined): string[] {
  const args: string[] = [redisNowArg(now)];
  pushRedisDecision(args, limits, mode, at);
  return args;
}

/** A '%.17g' number from Lua (which spells infinities and NaN its own way). */
function parseNum(text: string | undefined): number {
  const x = Number(text);
  if (!Number.isNaN(x) || text === undefined) return x;
  return text === 'inf' ? Infinity : text === '-inf' ? -Infinity : NaN;
}

function replyParts(text: unknown, fields: number): string[] {
  if (typeof text !== 'string') throw new TypeError(`Unexpected reply from the consume script: ${typeof text}`);
  const parts = text.split(' ');
  if (parts.length !== fields) throw new TypeError(`Unexpected reply from the consume script: ${parts.length} fields, expected ${fields}`);
  return parts;
}

/** The result of the decision whose fields start at `b` in the reply. */
function decodeDecision(parts: readonly string[], b: number, now: number, limits: readonly LimitSpec[]): ConsumeResult {
  const n = limits.length;
  const out: LimitOutcome[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const f = b + 2 + 4 * i;
    const limit = redisCapacityOf(limits[i]!);
    const used = parseNum(parts[f + 1]);
    const remaining = wholeRemaining(limit, used);
    out[i] = {
      allowed: parts[f] === '1',
      limit,
      remaining,
      used: wholeUsed(limit, used, remaining),
      resetMs: parseNum(parts[f + 2]),
      retryAfterMs: parseNum(parts[f + 3]),
    };
  }
  return { allowed: parts[b] === '1', committed: parts[b + 1] === '1', now, limits: out };
}

/** Parses the reply to a call of one decision (`now allowed committed`, then `allowed used resetMs retryAfterMs` per limit). */
export function decodeRedisReply(text: unknown, limits: readonly LimitSpec[]): ConsumeResult {
  const parts = replyParts(text, 3 + 4 * limits.length);
  return decodeDecision(parts, 1, Number(parts[0]), limits);
}

/** Parses the reply to a call of several decisions, in their order. */
export function decodeRedisBatchReply(text: unknown, decisions: readonly { limits: readonly LimitSpec[] }[]): ConsumeResult[] {
  let fields = 1;
  for (const d of decisions) fields += 2 + 4 * d.limits.length;
  const parts = replyParts(text, fields);
  const now = Number(parts[0]);
  const results: ConsumeResult[] = new Array(decisions.length);
  let b = 1;
  for (let j = 0; j < decisions.length; j++) {
    const limits = decisions[j]!.limits;
    results[j] = decodeDecision(parts, b, now, limits);
    b += 2 + 4 * limits.length;
  }
  return results;
}
