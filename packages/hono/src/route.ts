// The route template of a request seen by a middleware: the path of the first route Hono
// matched after the middleware whose handler answers (not another middleware), so that
// `/users/42` counts as `/users/:id` and `/v1` sub-apps keep their prefix.
import type { Context } from 'hono';
import { matchedRoutes } from 'hono/route';

/** `:id{[0-9]+}` -> `:id`: the regular expression of a parameter is not part of its endpoint key. */
const PARAM_PATTERN = /(:[^/{}]+)\{(?:[^{}]|\{[^{}]*\})*\}/g;

/**
 * The route template that will answer `c` (`/users/:id`), or undefined when no handler
 * route matches (a 404, or only middleware). A handler is a function of one argument
 * (`(c) => ...`), as Hono itself tells handlers from middleware.
 *
 * @example
 * ```ts
 * app.use('*', async (c, next) => {
 *   console.log(routeTemplate(c)); // '/users/:id' for GET /users/42
 *   await next();
 * });
 * app.get('/users/:id', (c) => c.text('user'));
 * ```
 */
export function routeTemplate(c: Context): string | undefined {
  const routes = matchedRoutes(c);
  for (let i = c.req.routeIndex; i < routes.length; i++) {
    const route = routes[i]!;
    if (route.handler.length < 2) return route.path.includes('{') ? route.path.replace(PARAM_PATTERN, '$1') : route.path;
  }
  return undefined;
}
