// Resolves (plan, endpoint) to the policy that applies and its limit templates, following
// the documented precedence: exact path, then the most specific template or wildcard, then
// the plan's defaults. Results are cached (bounded) because the same few routes repeat.
import type { LimitSpec } from '../stores/types.js';
import { escapeKeyPart, scopeKeyPart } from '../util/keys.js';
import { compileCostRule, compileRateRule, overrideCostRule, overrideRateRule, type LimitTemplate } from './compile.js';
import { canonicalEndpoint, comparePatterns, matchesEndpoint, parseEndpointPattern, type CanonicalEndpoint, type EndpointPattern } from './endpoint.js';
import type { CostRule, EndpointPolicy, OverrideLimits, Policies, RateRule, UserOverride } from './types.js';

/** A policy with its rules compiled to limit templates. */
export interface CompiledPolicy<TReq> {
  rate: RateRule | undefined;
  cost: CostRule<TReq> | undefined;
  templates: LimitTemplate[];
}

interface PlanEntry<TReq> {
  pattern: EndpointPattern;
  policy: CompiledPolicy<TReq>;
}

interface CompiledPlan<TReq> {
  exact: Map<string, PlanEntry<TReq>>;
  patterns: PlanEntry<TReq>[];
  defaults: CompiledPolicy<TReq> | undefined;
}

/** The outcome of policy resolution for one (plan, endpoint). */
export interface Resolution<TReq> {
  plan: string;
  endpoint: CanonicalEndpoint;
  /** The policy key that matched (canonical), `defaults`, or `''` when nothing applies. */
  policyKey: string;
  /** Counting scope: the matched policy key, or the endpoint itself under defaults. */
  scope: string;
  policy: CompiledPolicy<TReq> | undefined;
  /** Key suffix per template: `:<scope>:<limitId>`. */
  suffixes: string[];
  /** Whether any template is a cost cap / a token or cost limit (saves scanning per check). */
  hasCost: boolean;
  hasTokens: boolean;
  hasUsage: boolean;
  /** Each template's shared spec (for stores that take keys and costs separately). */
  specs: LimitSpec[];
  /** Exactly one limit, a request-rate one: the pipeline's fast path applies. */
  single: boolean;
  /** Where checks of this plan and endpoint are counted for metrics (set on first use). */
  counts: object | undefined;
}

const CACHE_LIMIT = 10_000;

export function compilePolicy<TReq>(p: EndpointPolicy<TReq> | undefined): CompiledPolicy<TReq> | undefined {
  if (p === undefined) return undefined;
  const templates = [...(p.rate ? compileRateRule(p.rate) : []), ...(p.cost ? compileCostRule(p.cost as CostRule<unknown>) : [])];
  return { rate: p.rate, cost: p.cost, templates };
}

/**
 * Compiled policies of every plan.
 *
 * @example
 * ```ts
 * const engine = new PolicyEngine({ free: { endpoints: { 'GET|/users/:id': { rate: { maxPerMinute: 5 } } } } });
 * engine.resolve('free', canonicalEndpoint('GET|/users/42', undefined)).policyKey; // 'GET|/users/:id'
 * ```
 */
export class PolicyEngine<TReq> {
  private readonly plans = new Map<string, CompiledPlan<TReq>>();
  private cache = new Map<string, Resolution<TReq>>();
  /** Per plan: resolutions keyed by the request's raw endpoint (and method), to skip parsing. */
  private readonly raw = new Map<string, Map<string, Resolution<TReq>>>();
  /** The last plan looked up and its cache (most traffic repeats a plan). */
  private lastPlan: string | undefined = undefined;
  private lastPlanCache: Map<string, Resolution<TReq>> | undefined = undefined;

  /** `policies` must already be validated. */
  constructor(policies: Policies<TReq>) {
    for (const [name, plan] of Object.entries(policies)) {
      const exact = new Map<string, PlanEntry<TReq>>();
      const patterns: PlanEntry<TReq>[] = [];
      for (const [source, endpointPolicy] of Object.entries(plan.endpoints ?? {})) {
        const pattern = parseEndpointPattern(source);
        if (typeof pattern === 'string') continue; // validation already reported it
        const entry = { pattern, policy: compilePolicy(endpointPolicy)! };
        if (pattern.literal) exact.set(pattern.key, entry);
        else patterns.push(entry);
      }
      patterns.sort((a, b) => comparePatterns(a.pattern, b.pattern));
      const defaultsPolicy = plan.defaults ?? (plan.rate || plan.cost ? { rate: plan.rate, cost: plan.cost } : undefined);
      this.plans.set(name, { exact, patterns, defaults: compilePolicy(defaultsPolicy) });
      this.raw.set(name, new Map());
    }
  }

  /**
   * The resolution for a request's raw endpoint and method, or undefined when the plan
   * does not exist. Cached by the raw strings, so repeated routes cost two map lookups.
   */
  lookup(plan: string, endpoint: string | undefined, method: string | undefined): Resolution<TReq> | undefined {
    let byPlan = this.lastPlanCache;
    if (plan !== this.lastPlan || byPlan === undefined) {
      byPlan = this.raw.get(plan);
      if (byPlan === undefined) return undefined;
      this.lastPlan = plan;
      this.lastPlanCache = byPlan;
    }
    const key = method === undefined ? (endpoint ?? '') : `${method}\u0001${endpoint ?? ''}`;
    let resolution = byPlan.get(key);
    if (resolution === undefined) {
      resolution = this.resolve(plan, canonicalEndpoint(endpoint, method));
      if (byPlan.size >= CACHE_LIMIT) byPlan.clear();
      byPlan.set(key, resolution);
    }
    return resolution;
  }

  hasPlan(plan: string): boolean {
    return this.plans.has(plan);
  }

  planNames(): string[] {
    return [...this.plans.keys()];
  }

  /** The policy for `plan` (which must exist) and a canonical endpoint. */
  resolve(plan: string, endpoint: CanonicalEndpoint): Resolution<TReq> {
    const cacheKey = `${plan}\u0000${endpoint.key}`;
    const hit = this.cache.get(cacheKey);
    if (hit !== undefined) return hit;
    const resolution = this.resolveUncached(plan, endpoint);
    if (this.cache.size >= CACHE_LIMIT) this.cache = new Map();
    this.cache.set(cacheKey, resolution);
    return resolution;
  }

  private resolveUncached(plan: string, endpoint: CanonicalEndpoint): Resolution<TReq> {
    const compiled = this.plans.get(plan);
    let entry: PlanEntry<TReq> | undefined;
    if (compiled !== undefined && endpoint.path !== '*') {
      entry = compiled.exact.get(endpoint.key) ?? compiled.exact.get(`*|${endpoint.path}`);
      if (entry === undefined) entry = compiled.patterns.find((e) => matchesEndpoint(e.pattern, endpoint));
    }
    if (entry !== undefined) return bind(plan, endpoint, entry.pattern.key, entry.pattern.key, entry.policy);
    const defaults = compiled?.defaults;
    if (defaults !== undefined) return bind(plan, endpoint, 'defaults', endpoint.key, defaults);
    return bind(plan, endpoint, '', endpoint.key, undefined);
  }
}

function bind<TReq>(plan: string, endpoint: CanonicalEndpoint, policyKey: string, scope: string, policy: CompiledPolicy<TReq> | undefined): Resolution<TReq> {
  const scopePart = scopeKeyPart(scope);
  const templates = policy?.templates ?? [];
  const suffixes = templates.map((t) => `:${scopePart}:${t.limitId}`);
  const hasCost = templates.some((t) => t.kind === 'cost');
  const hasTokens = templates.some((t) => t.kind === 'tokens');
  return { plan, endpoint, policyKey, scope, policy, suffixes, hasCost, hasTokens, hasUsage: hasCost || hasTokens, specs: templates.map((t) => t.spec), single: templates.length === 1 && templates[0]!.kind === 'rate', counts: undefined };
}

/** The override fields that apply to this resolution (an endpoint entry replaces the top level). */
export function overrideFor(override: UserOverride, resolution: Resolution<unknown>): OverrideLimits {
  const endpoints = override.endpoints;
  if (endpoints !== undefined) {
    for (const [source, limits] of Object.entries(endpoints)) {
      const pattern = parseEndpointPattern(source);
      if (typeof pattern === 'string') continue;
      if (pattern.key === resolution.policyKey || pattern.key === resolution.endpoint.key || matchesEndpoint(pattern, resolution.endpoint)) {
        return limits;
      }
    }
  }
  return override;
}

/** A resolution whose policy carries the user's override (where the plan limits anything). */
export function applyOverride<TReq>(resolution: Resolution<TReq>, override: UserOverride): Resolution<TReq> {
  // Overrides adjust limits where the plan has some; exempt endpoints ({}) and endpoints
  // without a policy stay unlimited.
  if (resolution.policy === undefined || resolution.policy.templates.length === 0) return resolution;
  const limits = overrideFor(override, resolution as Resolution<unknown>);
  const rate = overrideRateRule(resolution.policy?.rate, limits);
  const cost = overrideCostRule(resolution.policy?.cost, limits);
  if (rate === resolution.policy?.rate && cost === resolution.policy?.cost) return resolution;
  const policy = compilePolicy<TReq>({ rate, cost });
  return bind(resolution.plan, resolution.endpoint, resolution.policyKey, resolution.scope, policy);
}

/** The glob matching every key of one user. */
export function userPattern(userId: string): string {
  return `${escapeKeyPart(userId)}:*`;
}

/** The glob matching every key counted under one scope (for any user). */
export function scopePattern(scope: string, userId?: string): string {
  return `${userId === undefined ? '*' : escapeKeyPart(userId)}:${scopeKeyPart(scope)}:*`;
}
