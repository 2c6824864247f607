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

/** The Node.js response under @hono/node-server (`c.env.outgoing`), as far as it is used here. */
export interface NodeOutgoing {
  setHeader(name: string, value: string): unknown;
  readonly headersSent: boolean;
}

/**
 * The Node.js response of a request served by @hono/node-server, when its headers can
 * still be set; undefined on every other runtime (and in `app.request()`).
 */
export function nodeOutgoing(c: Context): NodeOutgoing | undefined {
  const env = c.env as { outgoing?: unknown; server?: { outgoing?: unknown } } | undefined;
  if (typeof env !== 'object' || env === null) return undefined;
  const out = (env.outgoing ?? env.server?.outgoing) as Partial<NodeOutgoing> & { writeHead?: unknown } | undefined;
  if (typeof out !== 'object' || out === null || typeof out.setHeader !== 'function' || typeof out.writeHead !== 'function' || out.headersSent !== false) return undefined;
  return out as NodeOutgoing;
}

/**
 * On @hono/node-server: the rate-limit headers go on the Node.js response itself. Node
 * merges them with the headers of whatever Response the handlers return (theirs win on a
 * clash), so no Headers object has to be built for them: with six headers, a third less
 * work per request than preparing them on `c` (callgrind).
 */
export function setOutgoingHeaders(out: NodeOutgoing, headers: ReadonlyArray<readonly [string, string]>): void {
  for (let i = 0; i < headers.length; i++) out.setHeader(headers[i]![0], headers[i]![1]);
}
