// One line per limiter event, short enough to scan in a terminal:
//   14:03:07.512 rate_exceeded    free/bob         POST /api/chat   rate:1m 11/10 -> block, retry in 53s
import type { LimitRateEvent } from '@limitrate/core';

const time = (ms: number): string => new Date(ms).toISOString().slice(11, 23);
const num = (n: number): string => (Number.isInteger(n) ? String(n) : String(Math.round(n * 1e6) / 1e6));
const signed = (n: number): string => (n > 0 ? `+${num(n)}` : num(n));

/**
 * The compact form of an event.
 *
 * @example
 * ```ts
 * formatEvent({ type: 'slowdown_applied', timestamp: 0, user: 'carol', plan: 'pro', endpoint: 'POST|/api/chat', value: 300 });
 * // '00:00:00.000 slowdown_applied pro/carol        POST /api/chat   +300ms'
 * ```
 */
export function formatEvent(e: LimitRateEvent): string {
  const head = `${time(e.timestamp)} ${e.type.padEnd(16)} ${`${e.plan || '-'}/${e.user}`.padEnd(16)} ${e.endpoint.replace('|', ' ').padEnd(16)}`;
  switch (e.type) {
    case 'rate_exceeded':
    case 'token_limit_exceeded':
    case 'cost_exceeded': {
      const retry = e.action === 'block' && e.retryAfterSeconds !== undefined ? `, retry in ${e.retryAfterSeconds}s` : '';
      return `${head} ${e.limit} ${num(e.value)}/${num(e.threshold)} -> ${e.action}${retry}${e.dryRun ? ' (dry run)' : ''}`;
    }
    case 'slowdown_applied':
      return `${head} +${e.value}ms`;
    case 'allowed':
      return head.trimEnd();
    case 'usage_recorded':
      return `${head} tokens ${signed(e.tokens)}, cost ${signed(e.cost)}${e.overLimit ? ' (over the limit)' : ''}`;
    case 'unknown_plan':
      return `${head} asked for "${e.requestedPlan}" -> ${e.handling}`;
    case 'ip_blocked':
      return `${head} ${e.ip}`;
    case 'store_error':
      return `${head} ${e.store}: ${e.error.code} -> ${e.policy}`;
    case 'callback_error':
      return `${head} ${e.callback}: ${e.error.code} -> ${e.fallback}`;
    default:
      return head.trimEnd();
  }
}
