// The plugin's options and each route's `config.limitrate`: their types, and the checks of
// what core's HttpLimiter does not validate itself (coded ConfigErrors, never a crash later).
import { HTTP_OPTIONS, parseEndpointPattern, type ConfigIssue, type HttpLimiterOptions, type Policies } from '@limitrate/core';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** Where a route's requests are checked: before the body is read, or after (so callbacks can read `request.body`). */
export type LimitRateHook = 'onRequest' | 'preHandler';

/**
 * Options of the plugin: every option of @limitrate/express (core's `HttpLimiterOptions`),
 * with Fastify's request and reply, plus `hook`.
 *
 * @example
 * ```ts
 * const options: LimitRateOptions = {
 *   identifyUser: (req) => String(req.headers['x-api-key'] ?? req.ip),
 *   policies: { free: { rate: { maxPerMinute: 60 } } },
 * };
 * await app.register(limitrate, options);
 * ```
 */
export interface LimitRateOptions extends HttpLimiterOptions<FastifyRequest, FastifyReply> {
  /**
   * Where every route's requests are checked (a route's own `hook` wins). Default: per
   * route, `'preHandler'` when the route takes a body (any method but GET and HEAD) and a
   * callback may read it (`identifyTokenUsage`, or an `estimateCost` in a policy that
   * applies to the route), else `'onRequest'`.
   */
  hook?: LimitRateHook;
}

/**
 * A route's `config: { limitrate: {...} }`: what one route changes. Each field replaces
 * the plugin's for that route only.
 *
 * @example
 * ```ts
 * app.post('/api/chat', {
 *   config: { limitrate: { policies: { free: { rate: { maxPerMinute: 10 } } }, identifyTokenUsage: (req) => 500 } },
 * }, handler);
 * ```
 */
export interface RouteLimitOptions {
  /** The endpoint key the route is counted and looked up under (`'POST|/api/chat'`), instead of its method and template. */
  endpoint?: string;
  /** This route's own plans and limits, instead of the plugin's `policies` (same shape). */
  policies?: Policies<FastifyRequest>;
  /** Requests of this route for which this returns true are not limited (replaces the plugin's `skip`; `ipBlocklist` still applies). */
  skip?: (req: FastifyRequest) => boolean | Promise<boolean>;
  /** The request's token count for this route (replaces the plugin's). */
  identifyTokenUsage?: (req: FastifyRequest) => number | undefined | Promise<number | undefined>;
  /** The tokens this route's response used (replaces the plugin's). */
  extractTokenUsage?: (res: FastifyReply, req: FastifyRequest) => number | undefined | Promise<number | undefined>;
  /** Where this route's requests are checked. */
  hook?: LimitRateHook;
}

/** The route options that need a limiter of the route's own (the others are read per request). */
export const OWN_LIMITER_KEYS = ['policies', 'skip', 'identifyTokenUsage', 'extractTokenUsage'] as const;
const ROUTE_KEYS: readonly string[] = ['endpoint', 'hook', ...OWN_LIMITER_KEYS];
/** What Fastify's `register` adds to a plugin's options. */
export const REGISTER_KEYS = ['prefix', 'logLevel', 'logSerializers'] as const;

const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : typeof v === 'function' ? 'a function' : Array.isArray(v) ? 'an array' : v === null ? 'null' : typeof v === 'object' ? 'an object' : String(v));
const issue = (path: string, message: string, hint: string): ConfigIssue => ({ path, code: 'ERR_LIMITRATE_INVALID_CONFIG', message, hint });

/** The problems with a `hook` value (plugin or route). */
export function hookIssues(value: unknown, path: string): ConfigIssue[] {
  if (value === undefined || value === 'onRequest' || value === 'preHandler') return [];
  return [issue(path, `must be 'onRequest' or 'preHandler', got ${show(value)}`, "Leave it out to let the plugin choose: 'preHandler' where a callback reads the body, else 'onRequest'")];
}

/** The problems with a route's `config.limitrate` (true and undefined mean the plugin's settings). */
export function routeOptionIssues(value: unknown, path: string): ConfigIssue[] {
  if (value === undefined || value === true || value === false) return [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [issue(path, `must be false, true or an object of route options, got ${show(value)}`, 'Write limitrate: false to leave the route unlimited, or limitrate: { policies, endpoint, skip, ... }')];
  }
  const o = value as Record<string, unknown>;
  const issues: ConfigIssue[] = [];
  for (const key of Object.keys(o)) {
    if (ROUTE_KEYS.includes(key)) continue;
    const pluginOnly = (HTTP_OPTIONS as readonly string[]).includes(key) || key === 'store' || key === 'clock';
    issues.push({
      path: `${path}.${key}`,
      code: 'ERR_LIMITRATE_UNKNOWN_OPTION',
      message: pluginOnly ? `"${key}" cannot be set per route` : `unknown route option "${key}"`,
      hint: pluginOnly
        ? `Register @limitrate/fastify with its own options in a child context for those routes; per route you can set ${ROUTE_KEYS.join(', ')}`
        : `Per route you can set ${ROUTE_KEYS.join(', ')}`,
    });
  }
  const endpoint = o.endpoint;
  if (endpoint !== undefined) {
    const parsed = typeof endpoint === 'string' ? parseEndpointPattern(endpoint) : `must be a string, got ${show(endpoint)}`;
    if (typeof parsed === 'string') issues.push(issue(`${path}.endpoint`, parsed, 'Write the key the route is counted under, such as "POST|/api/chat"'));
  }
  for (const key of ['skip', 'identifyTokenUsage', 'extractTokenUsage'] as const) {
    if (o[key] !== undefined && typeof o[key] !== 'function') issues.push(issue(`${path}.${key}`, `must be a function, got ${show(o[key])}`, `Pass (req) => ... ; see the ${key} option in the docs`));
  }
  const policies = o.policies;
  if (policies !== undefined && (typeof policies !== 'object' || policies === null || Array.isArray(policies))) {
    issues.push(issue(`${path}.policies`, `must be an object of plans, got ${show(policies)}`, 'The same shape as the plugin\'s policies: { free: { rate: { maxPerMinute: 10 } } }'));
  }
  issues.push(...hookIssues(o.hook, `${path}.hook`));
  return issues;
}
