// app.limitrate.inspector({ token }): the Fastify route handler serving the limiter's
// analytics report as JSON to `npx limitrate dashboard`, through core's framework-free
// inspector. Its routes are marked so that the plugin does not limit them.
import { createInspector, type InspectorOptions, type InspectorRequest } from '@limitrate/core';
import type { FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import type { FastifyHttp } from './routes.js';

/** Marks the handlers made by `inspector()`: a route served by one is not limited unless its config says otherwise. */
const INSPECTOR: unique symbol = Symbol('limitrate.inspector');

/** True when `handler` was made by `app.limitrate.inspector()`. */
export function isInspector(handler: unknown): boolean {
  return typeof handler === 'function' && (handler as unknown as Record<symbol, unknown>)[INSPECTOR] === true;
}

/** The request as core's inspector sees it (the query read from the raw URL). */
function describe(request: FastifyRequest): InspectorRequest {
  const url = request.url;
  const at = url.indexOf('?');
  return {
    method: request.method,
    query: new URLSearchParams(at >= 0 ? url.slice(at + 1) : ''),
    header(name) {
      const value = request.headers[name];
      return Array.isArray(value) ? value.join(', ') : value;
    },
  };
}

/**
 * The inspector's route handler for the limiter `http`. Throws a ConfigError now when the
 * token is missing or shorter than 8 characters, or analytics is off.
 *
 * @example
 * ```ts
 * app.get('/limitrate', createFastifyInspector(app.limitrate.http, { token: process.env.LIMITRATE_INSPECTOR_TOKEN! }));
 * ```
 */
export function createFastifyInspector(http: FastifyHttp, options: InspectorOptions): RouteHandlerMethod {
  const inspect = createInspector(() => http.limiter, options);
  const handler = function limitrateInspector(request: FastifyRequest, reply: FastifyReply): FastifyReply {
    const answer = inspect(describe(request));
    // A string body with its content type: no serializer or response schema reshapes it.
    return reply.code(answer.status).headers(Object.fromEntries(answer.headers)).send(answer.body);
  };
  return Object.defineProperty(handler, INSPECTOR, { value: true });
}
