// One short line per limiter event for the server's log, e.g.
//   [limitrate] rate_exceeded free/alice POST|/api/chat rate:1m 11/10 -> block (retry in 42s)
import type { LimitRateEvent } from '@limitrate/core';

/**
 * The log line of an event.
 *
 * @example
 * ```ts
 * eventLine({ type: 'slowdown_applied', timestamp: 0, user: 'carol', plan: 'pro', endpoint: 'POST|/api/chat', value: 300 });
 * // '[limitrate] slowdown_applied pro/carol POST|/api/chat +300ms'
 * ```
 */
export function eventLine(e: LimitRateEvent): string {
  const who = `[limitrate] ${e.type} ${e.plan || '-'}/${e.user} ${e.endpoint}`;
  if (e.type === 'rate_exceeded' || e.type === 'token_limit_exceeded' || e.type === 'cost_exceeded') {
    const retry = e.action === 'block' && e.retryAfterSeconds !== undefined ? ` (retry in ${e.retryAfterSeconds}s)` : '';
    return `${who} ${e.limit} ${e.value}/${e.threshold} -> ${e.action}${retry}`;
  }
  if (e.type === 'slowdown_applied') return `${who} +${e.value}ms`;
  if (e.type === 'unknown_plan') return `${who} asked for "${e.requestedPlan}" -> ${e.handling}`;
  if (e.type === 'store_error' || e.type === 'callback_error') return `${who} ${e.error.code}`;
  return who;
}
