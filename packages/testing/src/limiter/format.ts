// Readable descriptions of a limiter's decision for assertion messages: the request, the
// limit that decided (usage, limit, reset, retry-after) and every other limit.
import type { LimitKind, LimitStatus, RateLimitResult } from '@limitrate/core';

const plain = (n: number): string => String(Number(n.toFixed(6)));

/** `5`, `1200 tokens`, `$0.04`. */
export function amount(l: Pick<LimitStatus, 'unit'>, n: number): string {
  if (n === Infinity) return 'unlimited';
  if (l.unit === 'usd') return `$${plain(n)}`;
  if (l.unit === 'tokens') return `${plain(n)} tokens`;
  return plain(n);
}

/** `rate:1m used 5 of 10, resets in 42 s` (plus retry-after when it was exceeded). */
export function describeLimit(l: LimitStatus): string {
  const used = l.unit === 'usd' ? amount(l, l.used) : plain(l.used);
  const parts = [`${l.id} used ${used} of ${amount(l, l.limit)}`, `resets in ${l.resetInSeconds} s`];
  if (l.exceeded) {
    if (l.exceedsCapacity) parts.push('the request alone is larger than the limit (it can never pass)');
    else if (l.retryAfterSeconds !== undefined) parts.push(`retry after ${l.retryAfterSeconds} s`);
  }
  if (l.action !== 'block') parts.push(`action ${l.action}`);
  return parts.join(', ');
}

/** The limit a message is about: the one that decided, else (of `kind`, if given) the one closest to running out. */
export function focusOf(r: RateLimitResult, kind?: LimitKind): LimitStatus | undefined {
  const candidates = kind === undefined ? r.limits : r.limits.filter((l) => l.kind === kind);
  const exceeded = candidates.find((l) => l === r.blockedBy) ?? candidates.find((l) => l.exceeded);
  if (exceeded !== undefined) return exceeded;
  let best: LimitStatus | undefined;
  for (const l of candidates) {
    const share = l.limit > 0 ? l.remaining / l.limit : 0;
    const bestShare = best === undefined ? Infinity : best.limit > 0 ? best.remaining / best.limit : 0;
    if (share < bestShare) best = l;
  }
  return best;
}

/** What happened to the request, in a few words. */
export function outcomeText(r: RateLimitResult): string {
  const verb = r.action === 'slowdown' ? 'slowed down' : 'blocked';
  if (r.dryRun) return `let through by dryRun (it would have been ${verb})`;
  if (!r.allowed) {
    if (r.reason === 'unknown_plan') return 'blocked (unknown plan, onUnknownPlan: block)';
    if (r.reason === 'store_error' || r.reason === 'callback_error') return `blocked by the failure policy (${r.reason})`;
    return 'blocked';
  }
  if (r.action === 'slowdown') return `slowed down by ${r.slowdownMs} ms`;
  if (r.action === 'allow-and-log') return 'allowed over the limit (allow-and-log)';
  return 'allowed';
}

const who = (user: string): string => (/^[\w.@:/-]+$/.test(user) ? user : JSON.stringify(user));
const where = (endpoint: string): string => (endpoint === '*|*' ? 'a request without endpoint (*|*)' : endpoint);

/** `POST|/api/chat for user u1 (plan free)`. */
export function describeRequest(r: RateLimitResult): string {
  return `${where(r.endpoint)} for user ${who(r.user)} (plan ${r.plan})`;
}

/**
 * The whole message: a headline, then the other limits, the policy and anything unusual.
 * `kind` picks the limit to name when none decided (cost or token expectations).
 */
export function failureMessage(expectation: string, r: RateLimitResult, kind?: LimitKind): string {
  const focus = focusOf(r, kind);
  const what = kind === 'cost' ? 'cost cap' : kind === 'tokens' ? 'token limit' : 'limit';
  const detail = focus !== undefined ? describeLimit(focus) : r.limits.length === 0 ? `no limit applies${r.policy === '' ? ' (no policy matches this endpoint)' : ` (policy ${r.policy} is empty)`}` : `no ${what} applies here`;
  const lines = [`expected ${describeRequest(r)} to ${expectation}, but it was ${outcomeText(r)}: ${detail}`];
  const others = r.limits.filter((l) => l !== focus);
  if (others.length > 0) lines.push(`  other limits: ${others.map(describeLimit).join('; ')}`);
  if (r.policy !== '') lines.push(`  policy: ${r.policy}${r.policy === 'defaults' ? ` of plan ${r.plan}` : ''}`);
  const charged = [...(r.tokens > 0 ? [`${r.tokens} tokens`] : []), ...(r.cost > 0 ? [`$${plain(r.cost)}`] : [])];
  if (charged.length > 0) lines.push(`  this request was charged ${charged.join(' and ')}`);
  if (r.error !== undefined) lines.push(`  error: ${r.error.message}`);
  return lines.join('\n');
}
