// The routes of an integration app: `'METHOD /path'` keys checked up front, a matcher for
// frameworks without a router (Next.js here), and the default route that echoes the request.
import type { RateLimitInfo } from '@limitrate/core';
import { ConfigError, type ConfigIssue } from '@limitrate/core';
import type { IntegrationEcho, IntegrationMethod, IntegrationRateLimit, IntegrationRouteHandler, IntegrationRouteRequest, IntegrationRouteResult } from './types.js';

/** The methods a route key may name. */
export const METHODS: readonly IntegrationMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

/** A route of the app: its method, its path template (`/users/:id`) and its handler. */
export interface Route {
  method: IntegrationMethod;
  path: string;
  handler: IntegrationRouteHandler;
}

const ROUTE_KEY = /^\s*([A-Za-z]+)\s+(\/\S*)\s*$/;
const HINT = "Name each route 'METHOD /path' (GET, POST, PUT, PATCH, DELETE, HEAD or OPTIONS), e.g. 'POST /api/chat' or 'GET /users/:id', with a function returning { status?, headers?, body }";

/** Problems with `routes`, and the routes. */
export function compileRoutes(routes: unknown): { routes: Route[]; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const out: Route[] = [];
  if (routes === undefined) return { routes: out, issues };
  if (typeof routes !== 'object' || routes === null || Array.isArray(routes)) {
    issues.push({ path: 'routes', code: 'ERR_LIMITRATE_INVALID_CONFIG', message: `must be an object of handlers by 'METHOD /path', got ${Array.isArray(routes) ? 'an array' : typeof routes}`, hint: HINT });
    return { routes: out, issues };
  }
  const seen = new Set<string>();
  for (const [key, handler] of Object.entries(routes as Record<string, unknown>)) {
    const where = `routes[${JSON.stringify(key)}]`;
    const m = ROUTE_KEY.exec(key);
    const method = m?.[1]?.toUpperCase() as IntegrationMethod | undefined;
    if (m === null || method === undefined || !METHODS.includes(method)) {
      issues.push({ path: where, code: 'ERR_LIMITRATE_INVALID_CONFIG', message: `is not 'METHOD /path'`, hint: HINT });
      continue;
    }
    if (typeof handler !== 'function') {
      issues.push({ path: where, code: 'ERR_LIMITRATE_INVALID_CONFIG', message: `must be a function, got ${handler === null ? 'null' : typeof handler}`, hint: HINT });
      continue;
    }
    const path = m[2]!;
    if (seen.has(`${method} ${path}`)) {
      issues.push({ path: where, code: 'ERR_LIMITRATE_INVALID_CONFIG', message: `declares ${method} ${path} a second time`, hint: 'Keep one handler per method and path' });
      continue;
    }
    seen.add(`${method} ${path}`);
    out.push({ method, path, handler: handler as IntegrationRouteHandler });
  }
  return { routes: out, issues };
}

/** Throws the problems with `routes` as one ConfigError. */
export function routesOf(routes: unknown): Route[] {
  const { routes: out, issues } = compileRoutes(routes);
  if (issues.length > 0) throw new ConfigError(issues);
  return out;
}

/** The params of `path` under a template with `:name` segments; undefined when it does not match. */
export function matchPath(template: string, path: string): Record<string, string> | undefined {
  const t = template.split('/').filter(Boolean);
  const p = path.split('/').filter(Boolean);
  if (t.length !== p.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < t.length; i++) {
    const seg = t[i]!;
    const value = p[i]!;
    if (seg.startsWith(':')) {
      try {
        params[seg.slice(1)] = decodeURIComponent(value);
      } catch {
        params[seg.slice(1)] = value;
      }
    } else if (seg !== value) return undefined;
  }
  return params;
}

const finite = (n: number): number | null => (Number.isFinite(n) ? n : null);

/** The decision as JSON carries it. */
export function echoRateLimit(info: RateLimitInfo | undefined): IntegrationRateLimit | null {
  if (info === undefined) return null;
  return {
    limit: finite(info.limit),
    used: info.used,
    remaining: finite(info.remaining),
    reset: info.reset,
    resetTime: info.resetTime === undefined ? null : info.resetTime.toISOString(),
    policy: info.policy,
    rule: info.rule ?? null,
    user: info.user,
    plan: info.plan,
    endpoint: info.endpoint,
  };
}

/** The default route: 200 with the request and the decision (an {@link IntegrationEcho}). */
export function echo(req: IntegrationRouteRequest): IntegrationRouteResult {
  const body: IntegrationEcho = {
    ok: true,
    method: req.method,
    path: req.path,
    query: req.query,
    headers: req.headers,
    body: req.body,
    rateLimit: echoRateLimit(req.rateLimit),
  };
  return { status: 200, body };
}
