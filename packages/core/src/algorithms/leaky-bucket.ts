// Leaky bucket (as a meter): each call pours `cost` units into a bucket of `capacity` that
// drains at `leakRate` units per second; a call that would overflow is refused.
// State: [level, lastLeak]. Keeps throughput smooth at the leak rate.
import { runKernel } from './pure.js';
import { EPSILON, needed, waitMs, type AlgorithmResult, type Kernel, type LeakyBucketParams, type Scratch } from './types.js';

/** State: `[level, lastLeak]`. */
export type LeakyBucketState = readonly [level: number, lastLeak: number];

/** Level at `now` (drained) into o[0], drain time into o[1]. */
function drain(cur: Float64Array, off: number, has: boolean, now: number, p: LeakyBucketParams, o: Float64Array): void {
  let level = has ? cur[off]! : 0;
  let last = has ? cur[off + 1]! : now;
  if (now > last) {
    level = Math.max(0, level - ((now - last) * p.leakRate) / 1000);
    last = now;
  }
  o[0] = level;
  o[1] = last;
}

/**
 * Usage, reset and expiry of a bucket at `level` as of `last` (later than `now` only when
 * the clock stepped back: draining resumes from `last`).
 */
function describe(level: number, last: number, now: number, p: LeakyBucketParams, out: Scratch): void {
  out.used = level;
  const empty = level > 0 ? last + (level * 1000) / p.leakRate : now;
  out.resetMs = empty > now ? Math.ceil(empty - now) : 0;
  out.expiresAt = now + out.resetMs;
}

/** Scratch for `inspect` (kernels are synchronous, so one per module is safe). */
const inspectTmp = new Float64Array(3);

export const leakyBucketKernel: Kernel<LeakyBucketParams> = {
  name: 'leaky-bucket',
  width: 2,
  capacity: (p) => p.capacity,
  apply(cur: Float64Array, off: number, has: boolean, now: number, p: LeakyBucketParams, cost: number, _at: number, out: Scratch): void {
    out.limit = p.capacity;
    const n = out.next;
    drain(cur, off, has, now, p, n);
    const level = n[0]!;
    if (cost < 0) {
      n[0] = Math.max(0, level + cost);
      out.allowed = true;
      out.retryAfterMs = 0;
    } else {
      const need = needed(cost);
      out.allowed = level + need <= p.capacity + EPSILON;
      n[0] = level + cost;
      out.retryAfterMs = out.allowed ? 0 : need > p.capacity ? -1 : waitMs(n[1]! - now + ((level + need - p.capacity) * 1000) / p.leakRate, (EPSILON * 1000) / p.leakRate);
    }
    describe(n[0]!, n[1]!, now, p, out);
    out.usedNext = out.used;
    out.used = level;
  },
  inspect(cur: Float64Array, off: number, has: boolean, now: number, p: LeakyBucketParams, out: Scratch): void {
    const n = inspectTmp;
    drain(cur, off, has, now, p, n);
    describe(n[0]!, n[1]!, now, p, out);
  },
};

/**
 * Pure leaky-bucket step.
 *
 * @example
 * ```ts
 * // at most 50 queued units, processed 5 per second
 * const r = leakyBucket(undefined, 0, { capacity: 50, leakRate: 5 });
 * ```
 */
export function leakyBucket(
  state: LeakyBucketState | undefined,
  now: number,
  params: LeakyBucketParams,
  cost = 1,
): AlgorithmResult<LeakyBucketState> {
  return runKernel(leakyBucketKernel, state, now, params, cost);
}
