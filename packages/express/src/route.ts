// The route template of a request seen by app-level middleware, before Express routes it:
// the app's router stack is searched for the route that will handle the request (Express
// 4 and 5, mounted routers included), so `/users/42` is counted as `/users/:id`.
import type { Request } from 'express';

interface Layer {
  route?: { path?: unknown; methods?: Record<string, boolean>; _handles_method?: (m: string) => boolean; _handlesMethod?: (m: string) => boolean };
  handle?: { stack?: Layer[] };
  name?: string;
  keys?: Array<{ name: string | number }>;
  params?: Record<string, string>;
  path?: string;
  /** Express 4 and router 2.2 answer a boolean and set `path`/`params`/`keys`; router 2.3+ answers what matched. */
  match?: (path: string) => boolean | Match;
}

interface Match {
  path?: string;
  params?: Record<string, string>;
  keys?: Array<string | { name: string | number }>;
  /** The path the layer was declared with (router 2.3+). */
  pattern?: unknown;
}

interface Cache {
  size: number;
  /** Templates (null: no route) by method, then by path. */
  byMethod: Map<string, Map<string, string | null>>;
  entries: number;
}

const CACHE_LIMIT = 10_000;
const caches = new WeakMap<Layer[], Cache>();

/** The router stack of the app a request belongs to (Express 4: `_router`, 5: `router`). */
let lastApp: unknown;
let lastStack: Layer[] | undefined;

function stackOf(req: Request): Layer[] | undefined {
  const app = req.app as unknown as { _router?: { stack?: Layer[] }; router?: { stack?: Layer[] } } | undefined;
  if (app === undefined) return undefined;
  if (app === lastApp && lastStack !== undefined) return lastStack;
  const stack = routerStack(app);
  lastApp = app;
  lastStack = stack;
  return stack;
}

function routerStack(app: { _router?: { stack?: Layer[] }; router?: { stack?: Layer[] } }): Layer[] | undefined {
  const router = app._router ?? app.router;
  return Array.isArray(router?.stack) ? router.stack : undefined;
}

function handles(route: NonNullable<Layer['route']>, method: string): boolean {
  const m = method.toLowerCase();
  if (typeof route._handles_method === 'function') return route._handles_method(m);
  if (typeof route._handlesMethod === 'function') return route._handlesMethod(m);
  const methods = route.methods ?? {};
  return methods._all === true || methods[m] === true || (m === 'head' && methods.get === true);
}

/** What a layer matched: router 2.3+ returns it, older routers leave it on the layer. */
function matchOf(layer: Layer, path: string): Match | undefined {
  const m = layer.match!(path);
  if (m === false) return undefined;
  if (typeof m === 'object' && m !== null) return m;
  return { path: layer.path, params: layer.params, keys: layer.keys };
}

/** The template of the part of the path a mounted router matched (`/orgs/:org` for `/orgs/acme`). */
function mountTemplate(match: Match): string {
  const matched = typeof match.path === 'string' ? match.path : '';
  let out = matched;
  if (typeof match.pattern === 'string' && !/[*(){}?+]/.test(match.pattern)) {
    out = match.pattern;
  } else {
    // Put each parameter's name back where its value is.
    for (const key of match.keys ?? []) {
      const name = typeof key === 'string' ? key : String(key.name);
      const value = match.params?.[name];
      if (value !== undefined && value !== '') out = out.replace(`/${value}`, `/:${name}`);
    }
  }
  if (out.endsWith('/')) out = out.slice(0, -1);
  return out;
}

function search(stack: readonly Layer[], method: string, path: string, prefix: string, depth: number): string | undefined {
  if (depth > 16) return undefined;
  for (const layer of stack) {
    if (typeof layer.match !== 'function') continue;
    if (layer.route !== undefined) {
      if (!handles(layer.route, method)) continue;
      if (layer.match(path) === false) continue;
      const p = layer.route.path;
      if (typeof p === 'string') return prefix + (p === '/' && prefix !== '' ? '' : p);
      continue;
    }
    const inner = layer.handle?.stack;
    if (!Array.isArray(inner)) continue;
    const match = matchOf(layer, path);
    if (match === undefined) continue;
    const matched = typeof match.path === 'string' ? match.path : '';
    const rest = path.slice(matched.length) || '/';
    const found = search(inner, method, rest.startsWith('/') ? rest : `/${rest}`, prefix + mountTemplate(match), depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * The request's full path from the app's root, without the query. An absolute-form target
 * (`GET http://host/users/1`, as sent to proxies) is reduced to its path, as Express routes it.
 */
export function fullPath(req: Request): string {
  let url = req.originalUrl ?? req.url ?? '/';
  if (url.charCodeAt(0) !== 47 /* '/' */) {
    const scheme = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*/.exec(url);
    if (scheme !== null) url = url.slice(scheme[0].length) || '/';
  }
  const q = url.indexOf('?');
  const path = q >= 0 ? url.slice(0, q) : url;
  return path === '' ? '/' : path;
}

/**
 * The route template that will serve `req`, or undefined when no route matches (a 404,
 * or a route whose path is a regular expression).
 *
 * @example
 * ```ts
 * app.get('/users/:id', handler);
 * // in a middleware registered before it, for GET /users/42:
 * routeTemplate(req); // '/users/:id'
 * ```
 */
export function routeTemplate(req: Request): string | undefined {
  return templateOf(req, undefined);
}

/** routeTemplate, given the request's fullPath when the caller has it already. */
export function templateOf(req: Request, knownPath: string | undefined): string | undefined {
  // Route-level use (`app.get('/x', limiter, handler)`): Express has set the route on the
  // request (an own property; an app-level middleware sees none, and looking it up along
  // the request's long prototype chain would cost more than the rest of this function).
  if (hasOwn.call(req, 'route')) return lookUp(req, stackOf(req), knownPath ?? fullPath(req));
  const stack = stackOf(req);
  const path = knownPath ?? fullPath(req);
  let cache: Cache | undefined;
  let byPath: Map<string, string | null> | undefined;
  if (stack !== undefined) {
    cache = caches.get(stack);
    if (cache === undefined || cache.size !== stack.length) {
      // Routes added since the last request: start over.
      cache = { size: stack.length, byMethod: new Map(), entries: 0 };
      caches.set(stack, cache);
    }
    byPath = cache.byMethod.get(req.method);
    const hit = byPath?.get(path);
    if (hit !== undefined) return hit ?? undefined;
  }
  const found = lookUp(req, stack, path);
  if (cache !== undefined) {
    if (cache.entries >= CACHE_LIMIT) {
      cache.byMethod.clear();
      cache.entries = 0;
      byPath = undefined;
    }
    if (byPath === undefined) {
      byPath = new Map();
      cache.byMethod.set(req.method, byPath);
    }
    byPath.set(path, found ?? null);
    cache.entries++;
  }
  return found;
}

const hasOwn = Object.prototype.hasOwnProperty;

/** The template, found the slow way (cached by method and path for app-level use). */
function lookUp(req: Request, stack: Layer[] | undefined, path: string): string | undefined {
  const route = (req as Request & { route?: { path?: unknown } }).route;
  // Route-level use (`app.get('/x', limiter, handler)`): the route is known; under a mount
  // (`req.baseUrl` set) the mount's own template comes from the search below.
  const routePath = route !== undefined && typeof route.path === 'string' ? route.path : undefined;
  if (routePath !== undefined && !req.baseUrl) return routePath;
  if (stack === undefined) return routePath === undefined ? undefined : `${req.baseUrl}${routePath}`;
  let found: string | undefined;
  try {
    found = search(stack, req.method, path, '', 0);
  } catch {
    found = undefined;
  }
  if (found === undefined && routePath !== undefined) found = `${req.baseUrl}${routePath}`;
  return found;
}
