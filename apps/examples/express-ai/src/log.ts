// One line per limiter event, with dollars for cost caps:
//   10:45:00.000 cost_exceeded        free/alice       cost:1h $0.055875 > $0.05 -> block, retry in 15m
//   10:45:00.000 usage_recorded       free/alice       cost -$0.014025
import type { LimitRateEvent } from '@limitrate/core';

const time = (ms: number): string => new Date(ms).toISOString().slice(11, 23);
const round = (n: number): number => Math.round(n * 1e6) / 1e6;
const usd = (n: number): string => `${n < 0 ? '-' : ''}$${Math.abs(round(n))}`;
const signed = (n: number, f: (n: number) => string = String): string => (n > 0 ? `+${f(n)}` : f(n));
const wait = (s: number): string => (s < 120 ? `${s}s` : s < 7200 ? `${Math.ceil(s / 60)}m` : `${Math.ceil(s / 3600)}h`);

/**
 * The compact form of an event.
 *
 * @example
 * ```ts
 * console.log(formatEvent(event)); // '10:45:00.000 usage_recorded       free/alice       tokens -935'
 * ```
 */
export function formatEvent(e: LimitRateEvent): string {
  const head = `${time(e.timestamp)} ${e.type.padEnd(20)} ${`${e.plan || '-'}/${e.user}`.padEnd(16)}`;
  switch (e.type) {
    case 'rate_exceeded':
    case 'token_limit_exceeded':
    case 'cost_exceeded': {
      const f = e.type === 'cost_exceeded' ? usd : String;
      const retry = e.action === 'block' && e.retryAfterSeconds !== undefined ? `, retry in ${wait(e.retryAfterSeconds)}` : '';
      return `${head} ${e.limit} ${f(e.value)} > ${f(e.threshold)} -> ${e.action}${retry}`;
    }
    case 'usage_recorded': {
      const parts = [e.tokens !== 0 ? `tokens ${signed(e.tokens)}` : '', e.cost !== 0 ? `cost ${signed(e.cost, usd)}` : ''].filter((x) => x !== '');
      return `${head} ${parts.join(', ') || 'nothing to settle'}${e.overLimit ? ' (now over a limit)' : ''}`;
    }
    case 'slowdown_applied':
      return `${head} +${e.value}ms`;
    case 'callback_error':
      return `${head} ${e.callback}: ${e.error.code} -> ${e.fallback}`;
    case 'store_error':
      return `${head} ${e.store}: ${e.error.code} -> ${e.policy}`;
    case 'unknown_plan':
      return `${head} asked for "${e.requestedPlan}" -> ${e.handling}`;
    default:
      return head.trimEnd();
  }
}
