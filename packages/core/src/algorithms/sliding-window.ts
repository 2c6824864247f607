// Sliding window (weighted two-bucket counter): estimates the count over the last
// `windowMs` as previous window * (unelapsed fraction) + current window. O(1) state:
// [currentStart, currentCount, previousCount]. Smooths the fixed window's boundary burst.
import { runKernel } from './pure.js';
import { EPSILON, needed, waitMs, type AlgorithmResult, type Kernel, type Scratch, type WindowParams } from './types.js';

/** State: `[currentStart, currentCount, previousCount]`. */
export type SlidingWindowState = readonly [currentStart: number, currentCount: number, previousCount: number];

/** Rolls the stored buckets forward to `now`; writes [start, curr, prev] into `o`. */
function roll(cur: Float64Array, off: number, has: boolean, now: number, w: number, o: Float64Array): void {
  let start = Math.floor(now / w) * w;
  let curr = 0;
  let prev = 0;
  if (has) {
    const s = cur[off]!;
    if (s >= start) {
      // Same window, or the clock went backwards: keep the later window.
      start = s;
      curr = cur[off + 1]!;
      prev = cur[off + 2]!;
    } else if (s === start - w) {
      prev = cur[off + 1]!;
    }
  }
  o[0] = start;
  o[1] = curr;
  o[2] = prev;
}

/** The weighted estimate at `now` for rolled buckets. */
function estimate(start: number, curr: number, prev: number, now: number, w: number): number {
  const elapsed = now > start ? now - start : 0;
  return (prev * (w - elapsed)) / w + curr;
}

/** Ms until rolled buckets count nothing. */
function resetOf(start: number, curr: number, prev: number, now: number, w: number): number {
  return curr > 0 ? start + 2 * w - now : prev > 0 ? start + w - now : 0;
}

/** Scratch for `inspect` (kernels are synchronous, so one per module is safe). */
const inspectTmp = new Float64Array(3);

export const slidingWindowKernel: Kernel<WindowParams> = {
  name: 'sliding-window',
  width: 3,
  capacity: (p) => p.limit,
  apply(cur: Float64Array, off: number, has: boolean, now: number, p: WindowParams, cost: number, at: number, out: Scratch): void {
    out.limit = p.limit;
    const w = p.windowMs;
    const n = out.next;
    roll(cur, off, has, now, w, n);
    const start = n[0]!;
    const curr = n[1]!;
    const prev = n[2]!;
    const used = estimate(start, curr, prev, now, w);
    out.used = used;
    if (cost < 0) {
      // Refund the bucket that was charged, if it is still counted.
      const charged = Math.floor(at / w) * w;
      if (charged === start) n[1] = Math.max(0, curr + cost);
      else if (charged === start - w) n[2] = Math.max(0, prev + cost);
      out.allowed = true;
      out.retryAfterMs = 0;
    } else {
      const need = needed(cost);
      const limit = p.limit;
      out.allowed = used + need <= limit + EPSILON;
      n[1] = curr + cost;
      if (out.allowed) {
        out.retryAfterMs = 0;
      } else if (need > limit) {
        out.retryAfterMs = -1;
      } else {
        // Earliest time with no further traffic at which estimate + need fits.
        const room = limit - curr - need;
        if (room >= 0 && prev > 0) {
          // The previous window's weight fades at prev / w units per ms.
          out.retryAfterMs = waitMs(start + w - (room * w) / prev - now, (EPSILON * w) / prev);
        } else {
          // Wait for the next window, where this window's count fades in turn.
          const room2 = limit - need;
          const fade = curr > room2 ? w - (room2 * w) / curr : 0;
          out.retryAfterMs = waitMs(start + w + fade - now, curr > 0 ? (EPSILON * w) / curr : 0);
        }
      }
    }
    out.usedNext = estimate(start, n[1]!, n[2]!, now, w);
    out.resetMs = resetOf(start, n[1]!, n[2]!, now, w);
    out.expiresAt = start + 2 * w;
  },
  inspect(cur: Float64Array, off: number, has: boolean, now: number, p: WindowParams, out: Scratch): void {
    const w = p.windowMs;
    const n = inspectTmp;
    roll(cur, off, has, now, w, n);
    out.used = estimate(n[0]!, n[1]!, n[2]!, now, w);
    out.resetMs = resetOf(n[0]!, n[1]!, n[2]!, now, w);
    out.expiresAt = n[0]! + 2 * w;
  },
};

/**
 * Pure sliding-window step (weighted two-bucket counter).
 *
 * @example
 * ```ts
 * const r = slidingWindow(undefined, 0, { limit: 100, windowMs: 60_000 });
 * r.remaining; // 99
 * ```
 */
export function slidingWindow(
  state: SlidingWindowState | undefined,
  now: number,
  params: WindowParams,
  cost = 1,
  at = now,
): AlgorithmResult<SlidingWindowState> {
  return runKernel(slidingWindowKernel, state, now, params, cost, at);
}
