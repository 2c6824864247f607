// Turns a buffer-based kernel into the pure function the algorithm files export:
// (state | undefined, now, params, cost) -> { state, allowed, remaining, resetMs, retryAfterMs }.
import { createScratch, wholeRemaining, wholeUsed, type AlgorithmResult, type Kernel } from './types.js';

/** Runs `kernel` once on a tuple state and returns the result with a fresh tuple. */
export function runKernel<P, S extends readonly number[]>(
  kernel: Kernel<P>,
  state: S | undefined,
  now: number,
  params: P,
  cost: number,
  at: number = now,
): AlgorithmResult<S> {
  const cur = new Float64Array(3);
  const has = state !== undefined;
  if (has) for (let i = 0; i < kernel.width; i++) cur[i] = state[i] ?? 0;
  const out = createScratch();
  kernel.apply(cur, 0, has, now, params, cost, at, out);
  const allowed = out.allowed;
  const retryAfterMs = out.retryAfterMs;
  const limit = kernel.capacity(params);
  let kept: Float64Array | undefined;
  if (allowed) {
    kept = Float64Array.from(out.next);
    out.used = out.usedNext;
  } else if (!has && kernel.freshDependsOnTime?.(params)) {
    // A refused first call still starts the clock (a zero cost changes nothing else).
    kernel.apply(cur, 0, false, now, params, 0, at, out);
    kept = Float64Array.from(out.next);
    out.used = out.usedNext;
  } else {
    if (has) kept = cur;
    kernel.inspect(cur, 0, has, now, params, out);
  }
  const remaining = wholeRemaining(limit, out.used);
  return {
    state: kept === undefined ? undefined : (Array.from(kept.subarray(0, kernel.width)) as unknown as S),
    allowed,
    remaining,
    used: wholeUsed(limit, out.used, remaining),
    limit,
    resetMs: out.resetMs,
    retryAfterMs,
  };
}
