// Building results and decision events: the shapes every path of a check returns (decided,
// unlimited, failed) and the events that follow from a decision.
import type { EventBus } from './events/bus.js';
import type { ExceededEvent } from './events/types.js';
import { MICROS_PER_DOLLAR, type LimitKind, type LimitTemplate } from './policy/compile.js';
import type { Resolution } from './policy/engine.js';
import type { LimitRateError } from './errors/index.js';
import type { LimitStatus, RateLimitResult } from './types.js';

const EXCEEDED_TYPE: Record<LimitKind, ExceededEvent['type']> = { rate: 'rate_exceeded', tokens: 'token_limit_exceeded', cost: 'cost_exceeded' };

/**
 * Every result is built here, with every field present in one order, so that results
 * share one object shape (fast to build and to read). Optional fields hold undefined.
 */
export function makeResult(
  allowed: boolean,
  action: RateLimitResult['action'],
  reason: RateLimitResult['reason'],
  current: number,
  limit: number,
  remaining: number,
  resetInSeconds: number,
  retryAfter: number | undefined,
  blockedBy: LimitStatus | undefined,
  limits: LimitStatus[],
  slowdownMs: number,
  dryRun: boolean,
  user: string,
  res: Resolution<unknown>,
  cost: number,
  tokens: number,
  degraded: boolean,
  error: LimitRateError | undefined,
  timestamp: number,
): RateLimitResult {
  return {
    allowed,
    action,
    reason,
    current,
    limit,
    remaining,
    resetInSeconds,
    retryAfter,
    blockedBy,
    limits,
    slowdownMs,
    dryRun,
    user,
    plan: res.plan,
    endpoint: res.endpoint.key,
    policy: res.policyKey,
    cost,
    tokens,
    degraded,
    error,
    timestamp,
  };
}

/** An allowed result with no limits, for `user` under `res`. */
export function baseResult(user: string, res: Resolution<unknown>, now: number): RateLimitResult {
  return makeResult(true, 'allow', undefined, 0, Infinity, Infinity, 0, undefined, undefined, [], 0, false, user, res, 0, 0, false, undefined, now);
}

/**
 * Emits what a decision means: `allowed`, or one exceeded event per exceeded limit (with
 * the request's own cost in the limit's units) and `slowdown_applied`.
 */
export function emitDecision(events: EventBus, result: RateLimitResult, templates: readonly LimitTemplate[], tokens: number, micros: number, committed: boolean): void {
  const base = { timestamp: result.timestamp, user: result.user, plan: result.plan, endpoint: result.endpoint };
  if (result.action === 'allow') {
    if (events.has('allowed')) events.emit({ type: 'allowed', ...base });
    return;
  }
  const action = result.action;
  for (let i = 0; i < result.limits.length; i++) {
    const s = result.limits[i]!;
    if (!s.exceeded) continue;
    const type = EXCEEDED_TYPE[templates[i]!.kind];
    if (!events.has(type)) continue;
    const unitCost = s.kind === 'cost' ? micros / MICROS_PER_DOLLAR : s.kind === 'tokens' ? tokens : 1;
    const event: ExceededEvent = { type, ...base, window: s.window, value: committed ? s.used : s.used + unitCost, threshold: s.limit, action, limit: s.id, dryRun: result.dryRun };
    if (s.retryAfterSeconds !== undefined) event.retryAfterSeconds = s.retryAfterSeconds;
    if (s.kind === 'tokens') event.tokens = tokens;
    if (s.kind === 'cost') event.cost = unitCost;
    events.emit(event);
  }
  if (action === 'slowdown' && !result.dryRun) events.emit({ type: 'slowdown_applied', ...base, value: result.slowdownMs });
}
