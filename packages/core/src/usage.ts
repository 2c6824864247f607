// After-the-fact operations of the limiter: reconciling usage known only after a response
// (record) and deleting counters (reset).
import { limitStatus } from './decision.js';
import { RequestError } from './errors/index.js';
import { costToMicros, MICROS_PER_DOLLAR, type LimitTemplate } from './policy/compile.js';
import { canonicalEndpoint } from './policy/endpoint.js';
import { scopePattern, userPattern } from './policy/engine.js';
import { checkAmount, restrict, type Memo, type Pipeline } from './pipeline.js';
import type { ConsumeResult, LimitSpec } from './stores/types.js';
import type { ActualUsage, RateLimitRequest, RateLimitResult, RecordResult, ResetTarget } from './types.js';
import { isPromiseLike } from './util/timeout.js';

/** See RateLimiter.record. */
export async function record<TReq>(pipeline: Pipeline<TReq>, target: RateLimitResult | RateLimitRequest<TReq>, usage: ActualUsage): Promise<RecordResult> {
  const tokens = checkAmount('tokens', usage.tokens);
  const cost = checkAmount('cost', usage.cost);
  const requests = checkAmount('requests', usage.requests);
  let memo = pipeline.memos.get(target as RateLimitResult);
  if (memo === undefined) {
    memo = await memoFor(pipeline, target);
    if (memo === undefined) return { recorded: false, tokens: 0, cost: 0, requests: 0, limits: [] };
    // Remember it for this object, so recording through it again charges nothing twice.
    if ('limits' in target) pipeline.memos.set(target, memo);
  }
  const dTokens = tokens === undefined ? 0 : Math.ceil(tokens) - memo.tokens;
  const dMicros = cost === undefined ? 0 : costToMicros(cost) - memo.micros;
  const dRequests = requests === undefined ? 0 : Math.round(requests) - memo.requests;
  const res = memo.resolution;
  const picked: LimitTemplate[] = [];
  const specs: LimitSpec[] = [];
  (res.policy?.templates ?? []).forEach((t, i) => {
    const delta = t.kind === 'tokens' ? dTokens : t.kind === 'cost' ? dMicros : dRequests;
    if (delta === 0) return;
    picked.push(t);
    specs.push(t.make(memo.userKey + res.suffixes[i]!, delta));
  });
  if (specs.length === 0) return { recorded: true, tokens: 0, cost: 0, requests: 0, limits: [] };
  const { store, events, clock } = pipeline.ctx;
  const user = 'user' in target ? target.user : target.userId;
  let cr: ConsumeResult;
  try {
    const r = store.consume(specs, Number.isNaN(memo.at) ? { mode: 'force' } : { mode: 'force', at: memo.at });
    cr = isPromiseLike(r) ? await pipeline.bound(r) : r;
  } catch (e) {
    const error = pipeline.storeError(e);
    events.emit({ type: 'store_error', timestamp: clock.now(), user, plan: res.plan, endpoint: res.endpoint.key, store: store.name, error, policy: pipeline.failOpen ? 'allow' : 'block' });
    return { recorded: false, tokens: 0, cost: 0, requests: 0, limits: [], error };
  }
  // Only what the policy counts has been charged.
  const hasKind = (k: string) => picked.some((t) => t.kind === k);
  const charged = { tokens: hasKind('tokens') ? dTokens : 0, micros: hasKind('cost') ? dMicros : 0, requests: hasKind('rate') ? dRequests : 0 };
  memo.tokens += charged.tokens;
  memo.micros += charged.micros;
  memo.requests += charged.requests;
  if ('limits' in target && 'tokens' in target) {
    // The result now says what has been charged, so recording the same usage again through
    // this object (or a copy made from now on) charges nothing more.
    target.tokens = memo.tokens;
    target.cost = memo.micros / MICROS_PER_DOLLAR;
  }
  const limits = picked.map((t, i) => limitStatus(t, specs[i]!.key, cr.limits[i]!));
  const overLimit = cr.limits.some((o, i) => !o.allowed && specs[i]!.cost > 0);
  const dCost = charged.micros / MICROS_PER_DOLLAR;
  events.emit({ type: 'usage_recorded', timestamp: cr.now, user, plan: res.plan, endpoint: res.endpoint.key, tokens: charged.tokens, cost: dCost, overLimit });
  return { recorded: true, tokens: charged.tokens, cost: dCost, requests: charged.requests, limits };
}

/**
 * What a check charged, rebuilt from a request (nothing charged yet) or from a result that
 * is not the object check() returned (a copy, or one that charged nothing): its public
 * fields say what was charged and when, and its limits which ones to reconcile.
 */
async function memoFor<TReq>(pipeline: Pipeline<TReq>, target: RateLimitResult | RateLimitRequest<TReq>): Promise<Memo<TReq> | undefined> {
  const isResult = 'user' in target && typeof target.user === 'string' && Array.isArray((target as RateLimitResult).limits);
  if (!isResult && !(target !== null && typeof target === 'object' && 'userId' in target)) {
    throw new RequestError('record() needs the result of check() or a request', 'Pass the object check() returned, or { userId, plan, endpoint }');
  }
  const request: RateLimitRequest<TReq> = isResult ? { userId: target.user, plan: target.plan, endpoint: target.endpoint } : (target as RateLimitRequest<TReq>);
  // A synchronous answer may be the pipeline's reused object: read it before anything waits.
  const answer = pipeline.prepare(request, true);
  const prepared = answer instanceof Promise ? await answer : answer;
  if (prepared.result !== undefined) return undefined;
  const memo: Memo<TReq> = { resolution: prepared.resolution, userKey: prepared.userKey, tokens: 0, micros: 0, requests: 0, at: Number.NaN };
  if (isResult) {
    const r = target as RateLimitResult;
    memo.tokens = r.tokens;
    memo.micros = Math.round(r.cost * MICROS_PER_DOLLAR);
    // A check counted its request unless it was refused (a dry run lets a refusal through
    // uncounted) or the store failed.
    memo.requests = r.limits.length > 0 && r.action !== 'block' && !r.degraded ? 1 : 0;
    memo.at = r.timestamp;
    // A checkCost() result reconciles only the limits it checked.
    const ids = new Set(r.limits.map((l) => l.id));
    if (ids.size > 0 && !(memo.resolution.policy?.templates ?? []).some((t) => t.kind !== 'cost' && ids.has(t.id))) {
      memo.resolution = restrict(memo.resolution, 'cost');
    }
  }
  return memo;
}

/** See RateLimiter.reset. */
export async function reset<TReq>(pipeline: Pipeline<TReq>, target: ResetTarget): Promise<number> {
  const { store, engine } = pipeline.ctx;
  if (target === null || typeof target !== 'object') throw new RequestError('reset() needs userId, endpoint, key or all: true', "For example reset({ userId: 'u1' })");
  if ('all' in target && target.all === true) return store.reset({ all: true });
  if ('key' in target && target.key !== undefined) {
    const keys = typeof target.key === 'string' ? [target.key] : [...target.key];
    return store.reset({ keys });
  }
  const t = target as { userId?: string; endpoint?: string; method?: string };
  if (t.endpoint === undefined) {
    if (typeof t.userId !== 'string') throw new RequestError('reset() needs userId, endpoint, key or all: true', "For example reset({ userId: 'u1' })");
    return store.reset({ pattern: userPattern(t.userId) });
  }
  // An endpoint is counted under the policy key it matches, which can differ per plan.
  const ep = canonicalEndpoint(t.endpoint, t.method);
  const scopes = new Set<string>([ep.key]);
  for (const plan of engine.planNames()) scopes.add(engine.resolve(plan, ep).scope);
  let removed = 0;
  for (const scope of scopes) removed += await store.reset({ pattern: scopePattern(scope, t.userId) });
  return removed;
}
