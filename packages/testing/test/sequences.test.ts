// The suite's own fixtures are worth running: the call sequences reach refusals, impossible
// costs and recoveries on every algorithm, and the trace helpers compare stores step by step.
import { manualClock, MemoryStore, type LimitSpec } from '@limitrate/core';
import { describe, expect, it } from 'vitest';
import { CONSUME_SEQUENCE, MODES_SEQUENCE, SEQUENCE_SPECS } from '../src/conformance/cases/algorithms.js';
import { diffTraces, ReferenceModel, runTrace, type TraceStep } from '../src/index.js';

describe('the algorithm sequences', () => {
  it.each(SEQUENCE_SPECS.map((s) => [s.label, s.spec] as const))('%s: admits, refuses, refuses forever, and recovers', (_label, spec) => {
    const model = new ReferenceModel();
    let now = 1_700_000_000_250;
    const seen = new Set<string>();
    for (const [i, step] of [...CONSUME_SEQUENCE, ...MODES_SEQUENCE].entries()) {
      now += step.advance;
      if (i === CONSUME_SEQUENCE.length) model.delete(['k']);
      const at = step.atBack === undefined ? undefined : now - step.atBack;
      const r = model.consume([{ ...spec, key: 'k', cost: step.cost } as LimitSpec], now, step.mode, at);
      const o = r.limits[0]!;
      if (r.allowed && step.cost > 0) seen.add('admitted');
      if (!r.allowed && o.retryAfterMs > 0) seen.add('refused with a wait');
      if (o.retryAfterMs === -1) seen.add('refused forever');
      if (o.used > o.limit) seen.add('used beyond the limit');
      if (step.cost < 0) seen.add('refund');
      if (step.mode === 'peek' && !r.allowed) seen.add('peek refused');
    }
    expect([...seen].sort()).toEqual(['admitted', 'peek refused', 'refund', 'refused forever', 'refused with a wait', 'used beyond the limit']);
  });
});

describe('runTrace and diffTraces', () => {
  const fw = (key: string, cost = 1): LimitSpec => ({ key, algorithm: 'fixed-window', limit: 2, windowMs: 1000, cost });
  const steps: TraceStep[] = [
    { limits: [fw('a')] },
    { limits: [fw('a'), fw('b')] },
    { limits: [fw('a')] },
    { advance: 1000, limits: [fw('a', 3)] },
    { reset: { pattern: '*' } },
    { limits: [fw('a', 0)], options: { mode: 'peek' } },
  ];

  it('records every answer, and two memory stores agree', async () => {
    const c1 = manualClock(5_000);
    const c2 = manualClock(5_000);
    const a = await runTrace(new MemoryStore({ clock: c1, cleanupIntervalMs: 0 }), c1, steps);
    const b = await runTrace(new MemoryStore({ clock: c2, cleanupIntervalMs: 0 }), c2, steps);
    expect(a).toHaveLength(steps.length);
    expect(a[2]).toMatchObject({ consume: { allowed: false, committed: false } });
    expect(a[3]).toMatchObject({ consume: { allowed: false, limits: [{ retryAfterMs: -1 }] } });
    expect(a[4]).toEqual({ reset: 2 });
    expect(diffTraces(a, b)).toBeUndefined();
  });

  it('names the first step and field that differ, and captures failures', async () => {
    const c1 = manualClock(5_000);
    const c2 = manualClock(5_000);
    const a = await runTrace(new MemoryStore({ clock: c1, cleanupIntervalMs: 0 }), c1, steps);
    const looser = steps.map((s) => ('limits' in s ? { ...s, limits: s.limits.map((l) => ({ ...l, limit: 3 })) } : s));
    const b = await runTrace(new MemoryStore({ clock: c2, cleanupIntervalMs: 0 }), c2, looser);
    expect(diffTraces(a, b, ['memory', 'other'])).toBe('step 1, limit 0: limit 2 (memory) vs 3 (other)');
    const closed = new MemoryStore({ clock: c2, cleanupIntervalMs: 0 });
    closed.close();
    const failed = await runTrace(closed, c2, steps.slice(0, 1));
    expect(failed[0]).toMatchObject({ error: expect.stringContaining('closed') });
    expect(diffTraces(a.slice(0, 1), failed)).toMatch(/^step 1: expected succeeded, actual failed/);
  });
});
