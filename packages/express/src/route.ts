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
  match?: (path: string) => boolean;
}

interface Cache {
  size: number;
  entries: Map<string, string | null>;
}

const CACHE_LIMIT = 10_000;
const caches = new WeakMap<Layer[], Cache>();

/** The router stack of the app a request belongs to (Express 4: `_router`, 5: `router`). */
function stackOf(req: Request): Layer[] | undefined {
  const app = req.app as unknown as { _router?: { stack?: Layer[] }; router?: { stack?: Layer[] } } | undefined;
  if (app === undefined) return undefined;
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

/** The part of `matched` that a mounted router's parameters filled, written back as `:name`. */
function mountTemplate(layer: Layer, matched: string): string {
  let out = matched;
  for (const key of layer.keys ?? []) {
    const value = layer.params?.[String(key.name)];
    if (value !== undefined && value !== '') out = out.replace(`/${value}`, `/:${String(key.name)}`);
  }
  return out === '/' ? '' : out;
}

function search(stack: readonly Layer[], method: string, path: string, prefix: string, depth: number): string | undefined {
  if (depth > 16) return undefined;
  for (const layer of stack) {
    if (typeof layer.match !== 'function') continue;
    if (layer.route !== undefined) {
      if (!handles(layer.route, method)) continue;
      if (!layer.match(path)) continue;
      const p = layer.route.path;
      if (typeof p === 'string') return prefix + (p === '/' && prefix !== '' ? '' : p);
      continue;
    }
    const inner = layer.handle?.stack;
    if (!Array.isArray(inner)) continue;
    if (!layer.match(path)) continue;
    const matched = typeof layer.path === 'string' ? layer.path : '';
    const rest = path.slice(matched.length) || '/';
    const found = search(inner, method, rest.startsWith('/') ? rest : `/${rest}`, prefix + mountTemplate(layer, matched), depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The request's full path from the app's root (without the query). */
export function fullPath(req: Request): string {
  const url = req.originalUrl ?? req.url ?? '/';
  const q = url.indexOf('?');
  return q >= 0 ? url.slice(0, q) : url;
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
  const route = (req as Request & { route?: { path?: unknown } }).route;
  if (route !== undefined && typeof route.path === 'string') return `${req.baseUrl ?? ''}${route.path}`;
  const stack = stackOf(req);
  if (stack === undefined) return undefined;
  const path = fullPath(req);
  let cache = caches.get(stack);
  if (cache === undefined || cache.size !== stack.length) {
    // Routes added since the last request: start over.
    cache = { size: stack.length, entries: new Map() };
    caches.set(stack, cache);
  }
  const key = `${req.method} ${path}`;
  const hit = cache.entries.get(key);
  if (hit !== undefined) return hit ?? undefined;
  let found: string | undefined;
  try {
    found = search(stack, req.method, path, '', 0);
  } catch {
    found = undefined;
  }
  if (cache.entries.size >= CACHE_LIMIT) cache.entries.clear();
  cache.entries.set(key, found ?? null);
  return found;
}
