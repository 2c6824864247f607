// lr.inspector({ token }): the Express handler serving the limiter's analytics report as JSON
// to `npx limitrate dashboard`, through core's framework-free inspector.
import { createInspector, type HttpLimiter, type InspectorOptions, type InspectorRequest } from '@limitrate/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** The query string of the request's URL (without `?`), as URL search parameters. */
function queryOf(req: Request): URLSearchParams {
  const url = req.originalUrl ?? req.url ?? '';
  const at = url.indexOf('?');
  return new URLSearchParams(at >= 0 ? url.slice(at + 1) : '');
}

/** The request as core's inspector sees it. */
function describe(req: Request): InspectorRequest {
  return {
    method: req.method,
    query: queryOf(req),
    header(name) {
      const value = req.headers[name];
      return Array.isArray(value) ? value.join(', ') : value;
    },
  };
}

/**
 * The inspector's RequestHandler for the limiter behind `http`. Throws a ConfigError now
 * when the token is missing or shorter than 8 characters, or analytics is off.
 *
 * @example
 * ```ts
 * const lr = limitrate({ analytics: true, policies });
 * app.get('/limitrate', createExpressInspector(lr.http, { token: process.env.LIMITRATE_INSPECTOR_TOKEN! }));
 * ```
 */
export function createExpressInspector(http: HttpLimiter<Request, Response>, options: InspectorOptions): RequestHandler {
  const inspect = createInspector(() => http.limiter, options);
  return function limitrateInspector(req: Request, res: Response, next: NextFunction): void {
    try {
      const answer = inspect(describe(req));
      res.status(answer.status);
      for (const [name, value] of answer.headers) res.setHeader(name, value);
      // res.send keeps the JSON content type set above, sets Content-Length and leaves the body out for HEAD.
      res.send(answer.body);
    } catch (error) {
      next(error);
    }
  };
}
