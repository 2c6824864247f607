// Turns a store's per-limit outcomes into the limiter's decision: which exceeded limit
// decides, what action follows (block > slowdown > allow-and-log), and the summary
// numbers adapters put in headers and 429 bodies.
import { MICROS_PER_DOLLAR, type LimitTemplate } from './policy/compile.js';
import type { LimitOutcome } from './stores/types.js';
import type { DecisionReason, LimitStatus, LimitUnit } from './types.js';

const UNIT: Record<LimitTemplate['kind'], LimitUnit> = { rate: 'requests', tokens: 'tokens', cost: 'usd' };
const REASON: Record<LimitTemplate['kind'], DecisionReason> = { rate: 'rate_limited', tokens: 'token_limit_exceeded', cost: 'cost_exceeded' };

const toDollars = (micros: number): number => micros / MICROS_PER_DOLLAR;

/** Public status of one limit. */
export function limitStatus(t: LimitTemplate, key: string, o: LimitOutcome): LimitStatus {
  const cost = t.kind === 'cost';
  const exceeded = !o.allowed;
  // Every field is always present, in one order: one object shape for every status.
  return {
    id: t.id,
    kind: t.kind,
    unit: UNIT[t.kind],
    algorithm: t.algorithm,
    window: t.window,
    windowMs: t.windowMs,
    key,
    limit: cost ? toDollars(o.limit) : o.limit,
    used: cost ? toDollars(o.used) : o.used,
    remaining: cost ? toDollars(o.remaining) : o.remaining,
    resetInSeconds: Math.ceil(o.resetMs / 1000),
    exceeded,
    retryAfterSeconds: exceeded && o.retryAfterMs >= 0 ? Math.max(1, Math.ceil(o.retryAfterMs / 1000)) : undefined,
    exceedsCapacity: exceeded && o.retryAfterMs < 0,
    action: t.action,
  };
}

/** The outcome of deciding a set of limits (a shared object: read it before the next decide). */
export interface Verdict {
  action: 'allow' | 'block' | 'slowdown' | 'allow-and-log';
  /** Index of the exceeded limit that decided, or -1. */
  decider: number;
  /** Index of the limit to summarise (the decider, or the one closest to running out), or -1. */
  primary: number;
  slowdownMs: number;
  reason: DecisionReason | undefined;
}

const waitOf = (o: LimitOutcome): number => (o.retryAfterMs < 0 ? Infinity : o.retryAfterMs);

/** decide()'s answer, reused: callers read it before deciding again (decisions are synchronous). */
const verdict: Verdict = { action: 'allow', decider: -1, primary: -1, slowdownMs: 0, reason: undefined };

function answer(action: Verdict['action'], decider: number, primary: number, slowdownMs: number, reason: DecisionReason | undefined): Verdict {
  verdict.action = action;
  verdict.decider = decider;
  verdict.primary = primary;
  verdict.slowdownMs = slowdownMs;
  verdict.reason = reason;
  return verdict;
}

/**
 * Decide: a hard (block) limit exceeded blocks, and the one with the longest wait decides;
 * otherwise an exceeded slowdown limit slows the request by the longest configured delay;
 * otherwise an exceeded allow-and-log limit only reports.
 */
export function decide(templates: readonly LimitTemplate[], outcomes: readonly LimitOutcome[]): Verdict {
  let hard = -1;
  let slow = -1;
  let log = -1;
  let slowdownMs = 0;
  let primary = -1;
  let primaryRatio = Infinity;
  for (let i = 0; i < outcomes.length; i++) {
    const o = outcomes[i]!;
    const t = templates[i]!;
    if (!o.allowed) {
      if (t.action === 'block') {
        if (hard < 0 || waitOf(o) > waitOf(outcomes[hard]!)) hard = i;
      } else if (t.action === 'slowdown') {
        if (slow < 0 || t.slowdownMs > slowdownMs) {
          slow = i;
          slowdownMs = t.slowdownMs;
        }
      } else if (log < 0) {
        log = i;
      }
    }
    const ratio = o.limit > 0 ? o.remaining / o.limit : 0;
    if (ratio < primaryRatio) {
      primaryRatio = ratio;
      primary = i;
    }
  }
  if (hard >= 0) return answer('block', hard, hard, 0, REASON[templates[hard]!.kind]);
  if (slow >= 0) return answer('slowdown', slow, slow, slowdownMs, REASON[templates[slow]!.kind]);
  if (log >= 0) return answer('allow-and-log', log, log, 0, REASON[templates[log]!.kind]);
  return answer('allow', -1, primary, 0, undefined);
}
