// GCRA (generic cell rate algorithm): one number of state, the theoretical arrival time
// (TAT). Each unit advances the TAT by the emission interval T = windowMs / limit; a call is
// admitted while the TAT stays within `burst` intervals of now. Same admissions as a token
// bucket with capacity `burst`, in half the state (one number), and `burst: 1` paces evenly.
import { runKernel } from './pure.js';
import { EPSILON, needed, waitMs, type AlgorithmResult, type GcraParams, type Kernel, type Scratch } from './types.js';

/** State: `[tat]` (theoretical arrival time, ms). */
export type GcraState = readonly [tat: number];

const burstOf = (p: GcraParams): number => p.burst ?? p.limit;

export const gcraKernel: Kernel<GcraParams> = {
  name: 'gcra',
  width: 1,
  capacity: burstOf,
  apply(cur: Float64Array, off: number, has: boolean, now: number, p: GcraParams, cost: number, _at: number, out: Scratch): void {
    out.limit = burstOf(p);
    const t = p.windowMs / p.limit;
    const tat = has && cur[off]! > now ? cur[off]! : now;
    const used = (tat - now) / t;
    out.used = used;
    let next: number;
    if (cost < 0) {
      next = Math.max(now, tat + cost * t);
      out.allowed = true;
      out.retryAfterMs = 0;
    } else {
      const burst = burstOf(p);
      const need = needed(cost);
      out.allowed = used + need <= burst + EPSILON;
      next = tat + cost * t;
      out.retryAfterMs = out.allowed ? 0 : need > burst ? -1 : waitMs(tat + need * t - burst * t - now, EPSILON * t);
    }
    out.next[0] = next;
    out.usedNext = (next - now) / t;
    out.resetMs = Math.ceil(next - now);
    out.expiresAt = next;
  },
  inspect(cur: Float64Array, off: number, has: boolean, now: number, p: GcraParams, out: Scratch): void {
    const tat = has && cur[off]! > now ? cur[off]! : now;
    out.used = (tat - now) / (p.windowMs / p.limit);
    out.resetMs = Math.ceil(tat - now);
    out.expiresAt = tat;
  },
};

/**
 * Pure GCRA step.
 *
 * @example
 * ```ts
 * // 60 per minute, evenly spaced (one per second), no bursts
 * const r = gcra(undefined, 0, { limit: 60, windowMs: 60_000, burst: 1 });
 * ```
 */
export function gcra(state: GcraState | undefined, now: number, params: GcraParams, cost = 1): AlgorithmResult<GcraState> {
  return runKernel(gcraKernel, state, now, params, cost);
}
