// Fixed window: count units in windows aligned to the epoch (`floor(now / windowMs)`).
// O(1) state: [windowStart, count]. Cheapest and default; allows up to 2x the limit across
// a window boundary.
import { runKernel } from './pure.js';
import { needed, type AlgorithmResult, type Kernel, type Scratch, type WindowParams } from './types.js';

/** State: `[windowStart, count]`. */
export type FixedWindowState = readonly [windowStart: number, count: number];

export const fixedWindowKernel: Kernel<WindowParams> = {
  name: 'fixed-window',
  width: 2,
  capacity: (p) => p.limit,
  apply(cur: Float64Array, off: number, has: boolean, now: number, p: WindowParams, cost: number, at: number, out: Scratch): void {
    out.limit = p.limit;
    const w = p.windowMs;
    let start = Math.floor(now / w) * w;
    let count = 0;
    // Same window, or the clock went backwards: keep the later window and its count.
    if (has && cur[off]! >= start) {
      start = cur[off]!;
      count = cur[off + 1]!;
    }
    out.used = count;
    if (cost < 0) {
      // A refund only applies to the window that was charged.
      if (Math.floor(at / w) * w === start) count = Math.max(0, count + cost);
      out.allowed = true;
      out.retryAfterMs = 0;
    } else {
      const need = needed(cost);
      out.allowed = count + need <= p.limit;
      out.retryAfterMs = out.allowed ? 0 : need > p.limit ? -1 : Math.ceil(start + w - now);
      count += cost;
    }
    out.next[0] = start;
    out.next[1] = count;
    out.usedNext = count;
    out.resetMs = count > 0 ? start + w - now : 0;
    out.expiresAt = start + w;
  },
  inspect(cur: Float64Array, off: number, has: boolean, now: number, p: WindowParams, out: Scratch): void {
    const w = p.windowMs;
    let start = Math.floor(now / w) * w;
    let count = 0;
    if (has && cur[off]! >= start) {
      start = cur[off]!;
      count = cur[off + 1]!;
    }
    out.used = count;
    out.resetMs = count > 0 ? start + w - now : 0;
    out.expiresAt = start + w;
  },
};

/**
 * Pure fixed-window step: admits `cost` units at `now` if the window has room.
 *
 * @example
 * ```ts
 * let r = fixedWindow(undefined, 0, { limit: 2, windowMs: 1000 });
 * r = fixedWindow(r.state, 10, { limit: 2, windowMs: 1000 }); // allowed, remaining 0
 * ```
 */
export function fixedWindow(
  state: FixedWindowState | undefined,
  now: number,
  params: WindowParams,
  cost = 1,
  at = now,
): AlgorithmResult<FixedWindowState> {
  return runKernel(fixedWindowKernel, state, now, params, cost, at);
}
