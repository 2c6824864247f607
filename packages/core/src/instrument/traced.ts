// A traced check: the same decision as Pipeline.evaluate, always on the general path, with
// the policy lookup (validation, plan, endpoint, user override) reported as a phase and, on
// the memory store, the in-process store operation reported by the check itself.
import { preciseNow } from '../clock.js';
import type { LimitKind } from '../policy/compile.js';
import type { MaybePromise, Pipeline, Prepared } from '../pipeline.js';
import type { ConsumeMode } from '../stores/types.js';
import type { RateLimitRequest, RateLimitResult } from '../types.js';

export function evaluateTraced<TReq>(
  pipeline: Pipeline<TReq>,
  request: RateLimitRequest<TReq>,
  mode: ConsumeMode,
  only: LimitKind | undefined,
  phase: (name: 'policy_lookup', startTime: number, endTime: number, error?: unknown) => void,
  memoryOperation: (startTime: number, result: RateLimitResult | undefined, error?: unknown) => void,
): MaybePromise<RateLimitResult> {
  const t0 = preciseNow();
  let prepared: MaybePromise<Prepared<TReq>>;
  try {
    prepared = pipeline.prepare(request, mode !== 'peek');
  } catch (e) {
    phase('policy_lookup', t0, preciseNow(), e);
    throw e;
  }
  const rest = (p: Prepared<TReq>): MaybePromise<RateLimitResult> => {
    const t1 = preciseNow();
    phase('policy_lookup', t0, t1);
    // Other stores report their operations themselves (the limiter wraps them); the memory
    // store is called in process, so its operation is the rest of the decision.
    if (pipeline.memory === undefined || p.result !== undefined) return pipeline.counted(p, request, mode, only);
    let r: MaybePromise<RateLimitResult>;
    try {
      r = pipeline.counted(p, request, mode, only);
    } catch (e) {
      memoryOperation(t1, undefined, e);
      throw e;
    }
    if (!(r instanceof Promise)) {
      memoryOperation(t1, r);
      return r;
    }
    return r.then(
      (x) => {
        memoryOperation(t1, x);
        return x;
      },
      (e: unknown) => {
        memoryOperation(t1, undefined, e);
        throw e;
      },
    );
  };
  if (prepared instanceof Promise) {
    return prepared.then(rest, (e: unknown) => {
      phase('policy_lookup', t0, preciseNow(), e);
      throw e;
    });
  }
  return rest(prepared);
}
