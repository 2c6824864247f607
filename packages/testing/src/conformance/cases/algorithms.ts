// Cases: each algorithm, driven through fixed call sequences, answers exactly what core's
// pure algorithm functions compute for the same sequence.
import type { AlgorithmSpec, ConsumeMode, LimitSpec } from '@limitrate/core';
import { SPECS, type CaseContext, type CaseDef } from '../harness.js';
import { ReferenceModel } from '../reference.js';

/** One call of a sequence: advance the clock, then consume `cost` in `mode`. */
export interface SequenceStep {
  advance: number;
  cost: number;
  mode?: ConsumeMode;
  /** For refunds: the charge being refunded was made this many ms ago. */
  atBack?: number;
}

/** Consumes only: a burst to refusal, probes, an impossible cost, partial and full recovery. */
export const CONSUME_SEQUENCE: readonly SequenceStep[] = [
  { advance: 0, cost: 1 },
  { advance: 0, cost: 1 },
  { advance: 0, cost: 2 },
  { advance: 0, cost: 1 },
  { advance: 0, cost: 1 },
  { advance: 0, cost: 0 },
  { advance: 0, cost: 6 },
  { advance: 100, cost: 1 },
  { advance: 250, cost: 2 },
  { advance: 399, cost: 1 },
  { advance: 1, cost: 1 },
  { advance: 250, cost: 3 },
  { advance: 1000, cost: 5 },
  { advance: 0, cost: 1 },
  { advance: 0, cost: 0 },
  { advance: 2500, cost: 0 },
  { advance: 0, cost: 5 },
  { advance: 10, cost: 1 },
];

/** Peeks, forced charges beyond the limit, and refunds (in force mode, with `at`). */
export const MODES_SEQUENCE: readonly SequenceStep[] = [
  { advance: 0, cost: 1, mode: 'peek' },
  { advance: 0, cost: 3 },
  { advance: 0, cost: 3, mode: 'peek' },
  { advance: 0, cost: 4, mode: 'force' },
  { advance: 0, cost: 0, mode: 'peek' },
  { advance: 0, cost: 1 },
  { advance: 120, cost: 1, mode: 'peek' },
  { advance: 0, cost: -2, mode: 'force', atBack: 120 },
  { advance: 0, cost: 1 },
  { advance: 300, cost: 2, mode: 'force' },
  { advance: 700, cost: 2 },
  { advance: 0, cost: -1, mode: 'force', atBack: 1000 },
  { advance: 0, cost: 1 },
  { advance: 1500, cost: 2 },
  { advance: 0, cost: -3, mode: 'force', atBack: 0 },
  { advance: 0, cost: 2 },
  { advance: 0, cost: 9, mode: 'peek' },
  { advance: 0, cost: 5, mode: 'force' },
  { advance: 0, cost: 1 },
];

/** Run `steps` on one limit and compare every answer with the reference model. */
export async function followSequence(c: CaseContext, spec: AlgorithmSpec, steps: readonly SequenceStep[]): Promise<void> {
  const model = new ReferenceModel();
  const key = c.key('seq');
  for (const [i, step] of steps.entries()) {
    c.advance(step.advance);
    const now = c.now();
    const mode = step.mode ?? 'consume';
    const at = step.atBack === undefined ? undefined : now - step.atBack;
    const limit = { ...spec, key, cost: step.cost } as LimitSpec;
    const expected = model.consume([limit], now, mode, at);
    const where = `step ${i + 1} of ${steps.length} (+${step.advance} ms, ${mode} cost ${step.cost}${at === undefined ? '' : `, at now-${step.atBack}`})`;
    const actual = await c.consume([limit], at === undefined ? { mode } : { mode, at }, `${where}: consume`);
    c.expectSet(where, expected, actual);
    c.expectOutcome(where, limit, expected.limits[0]!, actual.limits[0]!);
  }
}

/** The algorithms and variants the sequences run on. */
export const SEQUENCE_SPECS: readonly { label: string; spec: AlgorithmSpec }[] = [
  { label: 'fixed-window', spec: SPECS['fixed-window'] },
  { label: 'sliding-window', spec: SPECS['sliding-window'] },
  { label: 'sliding-log', spec: SPECS['sliding-log'] },
  { label: 'token-bucket', spec: SPECS['token-bucket'] },
  { label: 'token-bucket-initial-tokens', spec: { algorithm: 'token-bucket', capacity: 4, refillRate: 0.5, initialTokens: 1 } },
  { label: 'leaky-bucket', spec: SPECS['leaky-bucket'] },
  { label: 'gcra', spec: SPECS.gcra },
  { label: 'gcra-burst-1', spec: { algorithm: 'gcra', limit: 5, windowMs: 1000, burst: 1 } },
];

function consumeCases(): CaseDef[] {
  return SEQUENCE_SPECS.map(({ label, spec }) => ({
    group: 'algorithms',
    slug: `${label}-consume`,
    name: `${label} ${JSON.stringify(spec)}: a sequence of consumes answers what core's ${spec.algorithm} function computes`,
    run: (c) => followSequence(c, spec, CONSUME_SEQUENCE),
  }));
}

function modeCases(): CaseDef[] {
  return SEQUENCE_SPECS.map(({ label, spec }) => ({
    group: 'algorithms',
    slug: `${label}-modes`,
    name: `${label} ${JSON.stringify(spec)}: peeks, forced charges and refunds answer what core's ${spec.algorithm} function computes`,
    run: (c) => followSequence(c, spec, MODES_SEQUENCE),
  }));
}

const oversize: CaseDef = {
  group: 'algorithms',
  slug: 'cost-above-limit',
  name: 'a cost larger than the limit is refused with retryAfterMs -1 and commits nothing, on every algorithm',
  async run(c) {
    for (const [name, spec] of Object.entries(SPECS)) {
      const l = c.limit(name, spec, 6);
      const r = await c.consume([l]);
      c.expectSet(`consume of 6 units against 5`, { allowed: false, committed: false }, r);
      c.expectOutcome('consume of 6 units against 5', l, { allowed: false, retryAfterMs: -1, remaining: 5, used: 0, limit: 5 }, r.limits[0]!);
      await c.expectUsed('after the refused oversized call', [l], [0]);
    }
  },
};

const clockCase: CaseDef = {
  group: 'algorithms',
  slug: 'injected-clock',
  name: "decides on the injected clock's time and reports it as `now`",
  async run(c) {
    const l = c.limit('clock', SPECS['fixed-window']);
    const first = await c.consume([l]);
    c.check(first.now === c.now(), `result.now expected ${c.now()} (the injected clock), got ${first.now}`);
    for (let i = 0; i < 4; i++) await c.consume([l]);
    c.advance(1000);
    const later = await c.consume([l]);
    c.check(later.now === c.now(), `result.now expected ${c.now()} after advancing the clock 1000 ms, got ${later.now}`);
    c.expectOutcome('one window later on the injected clock', l, { allowed: true, remaining: 4 }, later.limits[0]!);
  },
};

/** Every algorithm case. */
export function algorithmCases(): CaseDef[] {
  return [clockCase, ...consumeCases(), ...modeCases(), oversize];
}
