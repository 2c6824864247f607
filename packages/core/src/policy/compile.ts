// Turns validated rules into limit templates: one per enforced limit, with its algorithm
// parameters, kind, window and action, ready to be stamped with a store key per request.
import type { AlgorithmName } from '../algorithms/types.js';
import type { LimitSpec } from '../stores/types.js';
import type { ActionOnExceed, CostRule, OverrideLimits, RateRule } from './types.js';

/** What a limit counts. */
export type LimitKind = 'rate' | 'tokens' | 'cost';

/** One limit of a policy, before it is bound to a user. */
export interface LimitTemplate {
  /** Unique within a request: `rate:1m`, `tokens:1h`, `cost:1d`, `rate:bucket`. */
  id: string;
  kind: LimitKind;
  /** `1s`, `1m`, `1h`, `1d`, or `bucket` for a bucket defined by its capacity and rate. */
  window: string;
  /** The window length, or for a bucket the time it takes to refill completely. */
  windowMs: number;
  algorithm: AlgorithmName;
  /** The configured limit (units per window, or capacity), as configured (dollars for cost). */
  configured: number;
  action: ActionOnExceed;
  slowdownMs: number;
  /** Identifies the limit in store keys: kind, algorithm and window (`r:fw:60000`). */
  limitId: string;
  /** Builds the store spec: no closures are created per check. */
  make(key: string, cost: number): LimitSpec;
  /** The spec with an empty key and no cost, shared by every check (stores that take keys and costs separately). */
  spec: LimitSpec;
}

export const DEFAULT_SLOWDOWN_MS = 500;
export const MICROS_PER_DOLLAR = 1_000_000;

const WINDOWS = [
  ['maxPerSecond', 1000, '1s'],
  ['maxPerMinute', 60_000, '1m'],
  ['maxPerHour', 3_600_000, '1h'],
  ['maxPerDay', 86_400_000, '1d'],
] as const;

const TOKEN_WINDOWS = [
  ['maxTokensPerMinute', 60_000, '1m'],
  ['maxTokensPerHour', 3_600_000, '1h'],
  ['maxTokensPerDay', 86_400_000, '1d'],
] as const;

const COST_WINDOWS = [
  ['hourlyCap', 3_600_000, '1h'],
  ['dailyCap', 86_400_000, '1d'],
] as const;

const ALGORITHM_CODE: Record<AlgorithmName, string> = {
  'fixed-window': 'fw',
  'sliding-window': 'sw',
  'sliding-log': 'sl',
  'token-bucket': 'tb',
  'leaky-bucket': 'lb',
  gcra: 'gc',
};

/** Dollars to integer micro-dollars for caps (nearest). */
export function capToMicros(dollars: number): number {
  return Math.round(dollars * MICROS_PER_DOLLAR);
}

/** Dollars to integer micro-dollars for a cost: rounds up, so tiny costs are never free. */
export function costToMicros(dollars: number): number {
  if (dollars <= 0) return 0;
  return Math.ceil(dollars * MICROS_PER_DOLLAR - 1e-6);
}

/**
 * Builds the store spec factory for `units` per `windowMs` with `capacity` at once. Each
 * factory returns an object literal of one fixed shape (fast property access in stores).
 */
function specFactory(
  algorithm: AlgorithmName,
  units: number,
  windowMs: number,
  capacity: number,
  soft: boolean,
  initialTokens: number | undefined,
): (key: string, cost: number) => LimitSpec {
  const perSecond = units / (windowMs / 1000);
  switch (algorithm) {
    case 'fixed-window':
      return (key, cost) => ({ algorithm: 'fixed-window', limit: capacity, windowMs, key, cost, soft });
    case 'sliding-window':
      return (key, cost) => ({ algorithm: 'sliding-window', limit: capacity, windowMs, key, cost, soft });
    case 'sliding-log':
      return (key, cost) => ({ algorithm: 'sliding-log', limit: capacity, windowMs, key, cost, soft });
    case 'token-bucket':
      return initialTokens === undefined
        ? (key, cost) => ({ algorithm: 'token-bucket', capacity, refillRate: perSecond, key, cost, soft })
        : (key, cost) => ({ algorithm: 'token-bucket', capacity, refillRate: perSecond, initialTokens, key, cost, soft });
    case 'leaky-bucket':
      return (key, cost) => ({ algorithm: 'leaky-bucket', capacity, leakRate: perSecond, key, cost, soft });
    case 'gcra':
      return (key, cost) => ({ algorithm: 'gcra', limit: units, windowMs, burst: capacity, key, cost, soft });
    default: {
      const never: never = algorithm;
      throw new Error(`unknown algorithm ${String(never)}`);
    }
  }
}

function template(
  kind: LimitKind,
  window: string,
  windowMs: number,
  algorithm: AlgorithmName,
  configured: number,
  action: ActionOnExceed,
  slowdownMs: number,
  make: (key: string, cost: number) => LimitSpec,
): LimitTemplate {
  return {
    id: `${kind}:${window}`,
    kind,
    window,
    windowMs,
    algorithm,
    configured,
    action,
    slowdownMs,
    limitId: `${kind[0]}:${ALGORITHM_CODE[algorithm]}:${window === 'bucket' ? 'b' : windowMs}`,
    make,
    spec: make('', 0),
  };
}

/** The limits a rate rule enforces (request rate and tokens). */
export function compileRateRule(rule: RateRule): LimitTemplate[] {
  const algorithm = rule.algorithm ?? 'fixed-window';
  const action = rule.actionOnExceed ?? 'block';
  const slowdownMs = rule.slowdownMs ?? DEFAULT_SLOWDOWN_MS;
  const soft = action !== 'block';
  const burst = rule.burst ?? 0;
  const out: LimitTemplate[] = [];
  const bucket = algorithm === 'token-bucket' || algorithm === 'leaky-bucket' || algorithm === 'gcra';
  for (const [field, windowMs, window] of WINDOWS) {
    const n = rule[field];
    if (n === undefined) continue;
    const capacity = bucket && rule.capacity !== undefined ? rule.capacity : n + burst;
    const initial = algorithm === 'token-bucket' ? rule.initialTokens : undefined;
    out.push(template('rate', window, windowMs, algorithm, n, action, slowdownMs, specFactory(algorithm, n, windowMs, capacity, soft, initial)));
  }
  // A bucket given by its capacity and rate rather than by a maxPer* field.
  if (out.length === 0 && rule.capacity !== undefined) {
    const rate = algorithm === 'token-bucket' ? rule.refillRate : algorithm === 'leaky-bucket' ? rule.leakRate : undefined;
    if (rate !== undefined) {
      const capacity = rule.capacity;
      const windowMs = (capacity / rate) * 1000;
      const initial = algorithm === 'token-bucket' ? rule.initialTokens : undefined;
      out.push(template('rate', 'bucket', windowMs, algorithm, capacity, action, slowdownMs, specFactory(algorithm, capacity, windowMs, capacity, soft, initial)));
    }
  }
  for (const [field, windowMs, window] of TOKEN_WINDOWS) {
    const n = rule[field];
    if (n === undefined) continue;
    out.push(template('tokens', window, windowMs, algorithm, n, action, slowdownMs, specFactory(algorithm, n, windowMs, n, soft, undefined)));
  }
  return out;
}

/** The limits a cost rule enforces (hourly and daily caps, in micro-dollars). */
export function compileCostRule(rule: CostRule<unknown>): LimitTemplate[] {
  const algorithm = rule.algorithm ?? 'fixed-window';
  const action = rule.actionOnExceed ?? 'block';
  const slowdownMs = rule.slowdownMs ?? DEFAULT_SLOWDOWN_MS;
  const soft = action !== 'block';
  const out: LimitTemplate[] = [];
  for (const [field, windowMs, window] of COST_WINDOWS) {
    const cap = rule[field];
    if (cap === undefined) continue;
    const micros = capToMicros(cap);
    out.push(template('cost', window, windowMs, algorithm, cap, action, slowdownMs, specFactory(algorithm, micros, windowMs, micros, soft, undefined)));
  }
  return out;
}

/** Applies a user's override fields on top of a rate rule (each field replaces the plan's). */
export function overrideRateRule(rule: RateRule | undefined, o: OverrideLimits): RateRule | undefined {
  const fields = ['maxPerSecond', 'maxPerMinute', 'maxPerHour', 'maxPerDay', 'burst', 'maxTokensPerMinute', 'maxTokensPerHour', 'maxTokensPerDay'] as const;
  let merged: RateRule | undefined = rule;
  for (const f of fields) {
    const v = o[f];
    if (v === undefined) continue;
    merged = { ...(merged ?? {}), [f]: v };
  }
  const setsWindow = o.maxPerSecond !== undefined || o.maxPerMinute !== undefined || o.maxPerHour !== undefined || o.maxPerDay !== undefined;
  if (merged && setsWindow && (merged.refillRate !== undefined || merged.leakRate !== undefined)) {
    // The override's windows now define the bucket's rate.
    const { refillRate: _r, leakRate: _l, ...rest } = merged;
    merged = rest;
  }
  return merged;
}

/** Applies a user's override caps on top of a cost rule. */
export function overrideCostRule<TReq>(rule: CostRule<TReq> | undefined, o: OverrideLimits): CostRule<TReq> | undefined {
  let merged = rule;
  if (o.hourlyCap !== undefined) merged = { ...(merged ?? {}), hourlyCap: o.hourlyCap };
  if (o.dailyCap !== undefined) merged = { ...(merged ?? {}), dailyCap: o.dailyCap };
  return merged;
}
