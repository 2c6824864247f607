// A request's route config, read cheaply. `request.routeOptions` builds a new object of
// twelve fields on every access (a third of the plugin's own cost per request in
// callgrind); the same config object is on the route context Fastify keeps on each
// request. That slot is found once, by checking it holds exactly what routeOptions gives,
// and routeOptions stays the fallback whenever it is not there.
import type { FastifyRequest } from 'fastify';
import type { RouteConfig } from './routes.js';

/** The request's own symbol-keyed slot holding the route context: undefined until looked for, null if none. */
let contextSlot: symbol | null | undefined;

function findSlot(request: FastifyRequest): symbol | null {
  const expected = request.routeOptions.config;
  for (const s of Object.getOwnPropertySymbols(request)) {
    if (s.description !== 'fastify.context') continue;
    const context = (request as unknown as Record<symbol, { config?: unknown } | undefined>)[s];
    if (typeof context === 'object' && context !== null && context.config === expected) return s;
  }
  return null;
}

/** The config of the request's route (`request.routeOptions.config`). */
export function routeConfigOf(request: FastifyRequest): RouteConfig | undefined {
  if (contextSlot === undefined) contextSlot = findSlot(request);
  if (contextSlot !== null) {
    const context = (request as unknown as Record<symbol, { config?: RouteConfig } | undefined>)[contextSlot];
    if (context !== undefined) return context.config;
  }
  return request.routeOptions.config as RouteConfig | undefined;
}
