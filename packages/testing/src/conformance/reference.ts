// The oracle of the conformance suite: what a store must answer, computed from core's pure
// algorithm functions (and, for forced charges beyond a limit, from the same kernels).
import {
  createScratch,
  fixedWindow,
  fixedWindowKernel,
  gcra,
  gcraKernel,
  leakyBucket,
  leakyBucketKernel,
  slidingLog,
  slidingLogCommit,
  slidingLogDecide,
  slidingLogInspect,
  slidingWindow,
  slidingWindowKernel,
  tokenBucket,
  tokenBucketKernel,
  wholeRemaining,
  wholeUsed,
  type AlgorithmResult,
  type AlgorithmSpec,
  type ConsumeMode,
  type ConsumeResult,
  type Kernel,
  type LimitOutcome,
  type LimitSpec,
} from '@limitrate/core';

/** The state of one key in the model (a tuple, or a sliding log), `undefined` when absent. */
export type ModelState = readonly number[] | undefined;

type Step = (state: ModelState, now: number, spec: AlgorithmSpec, cost: number, at: number) => AlgorithmResult<readonly number[]>;

/** Dispatch to core's pure function of `spec.algorithm`. */
const pure: Step = (state, now, spec, cost, at) => {
  switch (spec.algorithm) {
    case 'fixed-window':
      return fixedWindow(state as [number, number] | undefined, now, spec, cost, at);
    case 'sliding-window':
      return slidingWindow(state as [number, number, number] | undefined, now, spec, cost, at);
    case 'sliding-log':
      return slidingLog(state, now, spec, cost, at);
    case 'token-bucket':
      return tokenBucket(state as [number, number] | undefined, now, spec, cost);
    case 'leaky-bucket':
      return leakyBucket(state as [number, number] | undefined, now, spec, cost);
    case 'gcra':
      return gcra(state as [number] | undefined, now, spec, cost);
  }
};

function kernelOf(spec: AlgorithmSpec): Kernel<AlgorithmSpec> | undefined {
  const k: Record<AlgorithmSpec['algorithm'], Kernel<never> | undefined> = {
    'fixed-window': fixedWindowKernel,
    'sliding-window': slidingWindowKernel,
    'sliding-log': undefined,
    'token-bucket': tokenBucketKernel,
    'leaky-bucket': leakyBucketKernel,
    gcra: gcraKernel,
  };
  return k[spec.algorithm] as Kernel<AlgorithmSpec> | undefined;
}

function capacityOf(spec: AlgorithmSpec): number {
  switch (spec.algorithm) {
    case 'token-bucket':
    case 'leaky-bucket':
      return spec.capacity;
    case 'gcra':
      return spec.burst ?? spec.limit;
    default:
      return spec.limit;
  }
}

/** Charge `cost` whatever the decision (a forced charge): the next state and its outcome. */
function forced(spec: AlgorithmSpec, state: ModelState, now: number, cost: number, at: number): { state: ModelState; outcome: LimitOutcome } {
  const limit = capacityOf(spec);
  const out = createScratch();
  let next: number[];
  let used: number;
  if (spec.algorithm === 'sliding-log') {
    slidingLogDecide(state, now, spec, cost, out);
    next = slidingLogCommit(state ? state.slice() : [], now, spec, cost, at);
    slidingLogInspect(next, now, spec, out);
    used = out.used;
  } else {
    const kernel = kernelOf(spec)!;
    const cur = new Float64Array(3);
    if (state) for (let i = 0; i < kernel.width; i++) cur[i] = state[i] ?? 0;
    kernel.apply(cur, 0, state !== undefined, now, spec, cost, at, out);
    next = Array.from(out.next.subarray(0, kernel.width));
    used = out.usedNext;
  }
  const remaining = wholeRemaining(limit, used);
  return {
    state: next,
    outcome: { allowed: out.allowed, limit, remaining, used: wholeUsed(limit, used, remaining), resetMs: out.resetMs, retryAfterMs: out.retryAfterMs },
  };
}

function outcomeOf(r: AlgorithmResult<unknown>): LimitOutcome {
  return { allowed: r.allowed, limit: r.limit, remaining: r.remaining, used: r.used, resetMs: r.resetMs, retryAfterMs: r.retryAfterMs };
}

/**
 * A model store: keys to algorithm states, advanced only through core's algorithms. It is
 * what every store must agree with, call for call (the conformance suite's oracle). Time is
 * passed in, so it needs no clock.
 *
 * @example
 * ```ts
 * const model = new ReferenceModel();
 * const limit = { key: 'k', algorithm: 'gcra', limit: 5, windowMs: 1000, cost: 1 } as const;
 * const expected = model.consume([limit], 1_000);
 * const actual = await store.consume([limit]); // a store whose clock reads 1_000
 * ```
 */
export class ReferenceModel {
  private readonly states = new Map<string, { algorithm: string; state: ModelState }>();

  /** What `store.consume(limits, { mode, at })` must answer at `now`, applying it to the model. */
  consume(limits: readonly LimitSpec[], now: number, mode: ConsumeMode = 'consume', atOption?: number): ConsumeResult {
    const at = atOption ?? now;
    const current = limits.map((l) => {
      const s = this.states.get(l.key);
      return s !== undefined && s.algorithm === l.algorithm ? s.state : undefined;
    });
    const decided = limits.map((l, i) => pure(current[i], now, l, l.cost, at));
    const hardAllowed = decided.every((d, i) => d.allowed || limits[i]!.soft === true);
    const allAllowed = decided.every((d) => d.allowed);
    const commit = mode === 'force' || (mode === 'consume' && hardAllowed);
    const outcomes = limits.map((l, i): LimitOutcome => {
      const d = decided[i]!;
      const state = current[i];
      if (commit) {
        if (d.allowed) {
          this.states.set(l.key, { algorithm: l.algorithm, state: d.state });
          return outcomeOf(d);
        }
        const f = forced(l, state, now, l.cost, at);
        this.states.set(l.key, { algorithm: l.algorithm, state: f.state });
        return f.outcome;
      }
      // Not committed: the decision, with the usage as it stands (a cost-0 probe describes it).
      const probe = pure(state, now, l, 0, at);
      if (mode === 'consume' && state === undefined && probe.state !== undefined && l.algorithm === 'token-bucket') {
        // A bucket that starts below capacity starts its clock at first contact, even when refused.
        if (l.initialTokens !== undefined && l.initialTokens < l.capacity) this.states.set(l.key, { algorithm: l.algorithm, state: probe.state });
      }
      return { ...outcomeOf(probe), allowed: d.allowed, retryAfterMs: d.retryAfterMs };
    });
    return { allowed: mode === 'force' ? allAllowed : hardAllowed, committed: commit, now, limits: outcomes };
  }

  /** Forget keys (as `reset` does). */
  delete(keys: readonly string[]): void {
    for (const k of keys) this.states.delete(k);
  }
}
