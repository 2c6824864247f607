// Token bucket: `capacity` tokens, refilled continuously at `refillRate` per second; a call
// takes `cost` tokens. State: [tokens, lastRefill]. Absorbs bursts up to capacity, then
// admits the refill rate.
import { runKernel } from './pure.js';
import { EPSILON, needed, waitMs, type AlgorithmResult, type Kernel, type Scratch, type TokenBucketParams } from './types.js';

/** State: `[tokens, lastRefill]`. Tokens may be negative after a forced charge (a debt). */
export type TokenBucketState = readonly [tokens: number, lastRefill: number];

/** Tokens at `now` (refilled, capped) into o[0], refill time into o[1]. */
function refill(cur: Float64Array, off: number, has: boolean, now: number, p: TokenBucketParams, o: Float64Array): void {
  let tokens = has ? cur[off]! : (p.initialTokens ?? p.capacity);
  let last = has ? cur[off + 1]! : now;
  if (now > last) {
    tokens = Math.min(p.capacity, tokens + ((now - last) * p.refillRate) / 1000);
    last = now;
  } else if (tokens > p.capacity) {
    tokens = p.capacity;
  }
  o[0] = tokens;
  o[1] = last;
}

/**
 * Usage, reset and expiry of a bucket holding `tokens` as of `last` (later than `now` only
 * when the clock stepped back: refilling resumes from `last`).
 */
function describe(tokens: number, last: number, now: number, p: TokenBucketParams, out: Scratch): void {
  out.used = p.capacity - tokens;
  const full = tokens < p.capacity ? last + ((p.capacity - tokens) * 1000) / p.refillRate : now;
  out.resetMs = full > now ? Math.ceil(full - now) : 0;
  out.expiresAt = now + out.resetMs;
}

/** Scratch for `inspect` (kernels are synchronous, so one per module is safe). */
const inspectTmp = new Float64Array(3);

export const tokenBucketKernel: Kernel<TokenBucketParams> = {
  name: 'token-bucket',
  width: 2,
  capacity: (p) => p.capacity,
  freshDependsOnTime: (p) => p.initialTokens !== undefined && p.initialTokens < p.capacity,
  apply(cur: Float64Array, off: number, has: boolean, now: number, p: TokenBucketParams, cost: number, _at: number, out: Scratch): void {
    out.limit = p.capacity;
    const n = out.next;
    refill(cur, off, has, now, p, n);
    const tokens = n[0]!;
    if (cost < 0) {
      n[0] = Math.min(p.capacity, tokens - cost);
      out.allowed = true;
      out.retryAfterMs = 0;
    } else {
      const need = needed(cost);
      out.allowed = tokens + EPSILON >= need;
      n[0] = tokens - cost;
      out.retryAfterMs = out.allowed ? 0 : need > p.capacity ? -1 : waitMs(n[1]! - now + ((need - tokens) * 1000) / p.refillRate, (EPSILON * 1000) / p.refillRate);
    }
    describe(n[0]!, n[1]!, now, p, out);
    out.usedNext = out.used;
    out.used = p.capacity - tokens;
  },
  inspect(cur: Float64Array, off: number, has: boolean, now: number, p: TokenBucketParams, out: Scratch): void {
    const n = inspectTmp;
    refill(cur, off, has, now, p, n);
    describe(n[0]!, n[1]!, now, p, out);
  },
};

/**
 * Pure token-bucket step.
 *
 * @example
 * ```ts
 * // 10 images at once, then one every 10 seconds
 * const r = tokenBucket(undefined, 0, { capacity: 10, refillRate: 0.1 });
 * ```
 */
export function tokenBucket(
  state: TokenBucketState | undefined,
  now: number,
  params: TokenBucketParams,
  cost = 1,
): AlgorithmResult<TokenBucketState> {
  return runKernel(tokenBucketKernel, state, now, params, cost);
}
