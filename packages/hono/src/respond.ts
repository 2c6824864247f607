// Writing a decision the Hono way: a refusal as a Response (403, 429 or 503, JSON or
// problem+json), and the rate-limit headers on the handler's response.
import type { HttpDecision } from '@limitrate/core';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/**
 * The refusal of a decision whose action is `refuse`, with its headers. Headers set on `c`
 * by earlier middleware (CORS, for instance) are kept.
 *
 * @example
 * ```ts
 * if (decision.action === 'refuse') return refusalResponse(c, decision);
 * ```
 */
export function refusalResponse<TRes>(c: Context, d: HttpDecision<TRes>): Response {
  const headers: Record<string, string> = { 'Content-Type': `${d.contentType ?? 'application/json'}; charset=utf-8` };
  for (const [name, value] of d.headers) headers[name] = value;
  return c.body(JSON.stringify(d.body), d.status as ContentfulStatusCode, headers);
}

/**
 * Puts the rate-limit headers on the response the handlers produced (`c.res`), leaving any
 * header of the same name that a handler set. A response whose headers cannot change (one
 * returned by `fetch()`) is copied first.
 *
 * @example
 * ```ts
 * await next();
 * writeHeaders(c, decision.headers);
 * ```
 */
export function writeHeaders(c: Context, headers: ReadonlyArray<readonly [string, string]>): void {
  if (headers.length === 0) return;
  try {
    setMissing(c.res.headers, headers);
  } catch {
    c.res = new Response(c.res.body, c.res);
    setMissing(c.res.headers, headers);
  }
}

function setMissing(target: Headers, headers: ReadonlyArray<readonly [string, string]>): void {
  for (const [name, value] of headers) if (!target.has(name)) target.set(name, value);
}

/**
 * Prepares the rate-limit headers on `c` before the handlers run: a response they build
 * with `c.json()`, `c.text()` and the like gets them at no extra cost, and a handler that
 * sets a header of the same name wins. Cheaper than editing the finished response.
 *
 * @example
 * ```ts
 * prepareHeaders(c, decision.headers);
 * await next();
 * ensureHeaders(c, decision.headers); // for handlers that returned a Response of their own
 * ```
 */
export function prepareHeaders(c: Context, headers: ReadonlyArray<readonly [string, string]>): void {
  for (let i = 0; i < headers.length; i++) c.header(headers[i]![0], headers[i]![1]);
}

/**
 * After the handlers: a response they built themselves (`new Response(...)`, `fetch()`)
 * did not get the prepared headers; give it the missing ones ({@link writeHeaders}).
 */
export function ensureHeaders(c: Context, headers: ReadonlyArray<readonly [string, string]>): void {
  if (headers.length === 0 || c.res.headers.has(headers[0]![0])) return;
  writeHeaders(c, headers);
}
