// lr.inspector({ token }): the Hono handler serving the limiter's analytics report as JSON
// to `npx limitrate dashboard`, through core's framework-free inspector (edge-safe).
import { createInspector, type InspectedLimiter, type InspectorOptions } from '@limitrate/core';
import type { Context, Env, Handler } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/**
 * The inspector's handler for the limiter `limiter()` returns (undefined until a lazy
 * middleware's first request builds it: the inspector answers 503 until then). Throws a
 * ConfigError now when the token is missing or shorter than 8 characters, or the limiter
 * exists and has analytics off.
 *
 * @example
 * ```ts
 * const lr = limitrate({ analytics: true, policies });
 * app.get('/limitrate', createHonoInspector(() => lr.limiter, { token: 'a-long-secret' }));
 * ```
 */
export function createHonoInspector<E extends Env>(limiter: () => InspectedLimiter, options: InspectorOptions): Handler<E> {
  const inspect = createInspector(limiter, options);
  return function limitrateInspector(c: Context<E>): Response {
    const answer = inspect({ method: c.req.method, query: new URL(c.req.url).searchParams, header: (name) => c.req.header(name) });
    return c.body(answer.body, answer.status as ContentfulStatusCode, Object.fromEntries(answer.headers));
  };
}
