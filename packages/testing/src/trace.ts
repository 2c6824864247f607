// Step-by-step differential testing: apply the same calls to any store on a clock you
// control, and compare the answers of two stores.
import type { ConsumeOptions, ConsumeResult, LimitSpec, ResetSelector, Store } from '@limitrate/core';

/** One step of a trace: move the clock, then consume (in any mode) or reset. */
export type TraceStep =
  | { advance?: number; limits: readonly LimitSpec[]; options?: ConsumeOptions }
  | { advance?: number; reset: ResetSelector };

/** What one step answered: a consume result, a reset count, or the error it failed with. */
export type TraceResult = { consume: ConsumeResult } | { reset: number } | { error: string };

/** A clock the trace can move: `advance(ms)`, like core's `manualClock()`. */
export interface AdvanceableClock {
  advance(ms: number): void;
}

/**
 * Applies `steps` to `store` one after the other, advancing `clock` before each, and
 * returns a plain copy of every answer (failures are captured as `{ error }`, so a trace
 * always runs to the end).
 *
 * @example
 * ```ts
 * const clock = manualClock(1_000_000);
 * const a = await runTrace(new MemoryStore({ clock }), clock, steps);
 * ```
 */
export async function runTrace(store: Store, clock: AdvanceableClock, steps: readonly TraceStep[]): Promise<TraceResult[]> {
  const results: TraceResult[] = [];
  for (const step of steps) {
    if (step.advance !== undefined && step.advance !== 0) clock.advance(step.advance);
    try {
      if ('reset' in step) {
        results.push({ reset: await store.reset(step.reset) });
      } else {
        const r = await store.consume(step.limits, step.options);
        results.push({ consume: { allowed: r.allowed, committed: r.committed, now: r.now, limits: r.limits.map((o) => ({ ...o })) } });
      }
    } catch (error) {
      results.push({ error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
    }
  }
  return results;
}

/**
 * The first difference between two traces' results, described for a person
 * (`step 3, limit 1: remaining 4 vs 3`), or `undefined` when they agree.
 *
 * @example
 * ```ts
 * const diff = diffTraces(await runTrace(memory, c1, steps), await runTrace(redis, c2, steps));
 * if (diff) throw new Error(diff);
 * ```
 */
export function diffTraces(expected: readonly TraceResult[], actual: readonly TraceResult[], labels: readonly [string, string] = ['expected', 'actual']): string | undefined {
  const [a, b] = labels;
  if (expected.length !== actual.length) return `${a} has ${expected.length} steps, ${b} has ${actual.length}`;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const g = actual[i]!;
    const where = `step ${i + 1}`;
    if ('error' in e || 'error' in g) {
      if ('error' in e && 'error' in g) continue;
      return `${where}: ${a} ${'error' in e ? `failed (${e.error})` : 'succeeded'}, ${b} ${'error' in g ? `failed (${g.error})` : 'succeeded'}`;
    }
    if ('reset' in e || 'reset' in g) {
      const er = 'reset' in e ? e.reset : undefined;
      const gr = 'reset' in g ? g.reset : undefined;
      if (er !== gr) return `${where}: reset count ${String(er)} (${a}) vs ${String(gr)} (${b})`;
      continue;
    }
    const ec = e.consume;
    const gc = g.consume;
    for (const f of ['allowed', 'committed', 'now'] as const) {
      if (ec[f] !== gc[f]) return `${where}: ${f} ${String(ec[f])} (${a}) vs ${String(gc[f])} (${b})`;
    }
    if (ec.limits.length !== gc.limits.length) return `${where}: ${ec.limits.length} outcomes (${a}) vs ${gc.limits.length} (${b})`;
    for (let j = 0; j < ec.limits.length; j++) {
      const eo = ec.limits[j]!;
      const go = gc.limits[j]!;
      for (const f of ['allowed', 'limit', 'remaining', 'used', 'resetMs', 'retryAfterMs'] as const) {
        if (!Object.is(eo[f], go[f])) return `${where}, limit ${j}: ${f} ${String(eo[f])} (${a}) vs ${String(go[f])} (${b})`;
      }
    }
  }
  return undefined;
}
