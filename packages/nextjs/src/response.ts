// Writing decisions onto Web responses: a refusal as a Response, rate-limit headers added to
// the handler's Response (copied into a new one when its headers are immutable), and the
// end of the response body observed, so that after-response work runs once it is sent.
import type { HttpDecision } from '@limitrate/core';

/** The refusal of a decision (403, 429 or 503) as a JSON or problem+json Response. */
export function refusalResponse(d: Pick<HttpDecision<unknown>, 'status' | 'headers' | 'contentType' | 'body'>): Response {
  const headers = new Headers(d.headers);
  headers.set('Content-Type', `${d.contentType ?? 'application/json'}; charset=utf-8`);
  return new Response(JSON.stringify(d.body), { status: d.status, headers });
}

/** Whether `v` looks like a Response (duck-typed: Responses of another realm or fetch implementation count). */
export function isResponse(v: unknown): v is Response {
  return typeof v === 'object' && v !== null && typeof (v as Response).status === 'number' && typeof (v as Response).headers?.get === 'function';
}

/** Statuses that carry no body (a Response built with one throws). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/** A copy of `res` with mutable headers and, when given, another body. */
function rebuild(res: Response, body: BodyInit | null): Response {
  return new Response(NULL_BODY.has(res.status) ? null : body, { status: res.status, statusText: res.statusText, headers: new Headers(res.headers) });
}

/** Whether a Response can be rebuilt (`Response.error()` has status 0, which no constructor accepts). */
function rebuildable(res: Response): boolean {
  return res.status >= 200 && res.status <= 599;
}

/**
 * Adds the rate-limit headers to the handler's response, leaving any the handler set
 * itself. Headers of a `Response.redirect()` or a `fetch()` response are immutable: those
 * are copied into a new Response first.
 */
export function addHeaders(res: Response, headers: ReadonlyArray<readonly [string, string]>): Response {
  if (headers.length === 0) return res;
  let out = res;
  try {
    for (const [name, value] of headers) if (!out.headers.has(name)) out.headers.set(name, value);
  } catch {
    if (!rebuildable(res)) return res;
    out = rebuild(res, res.body);
    for (const [name, value] of headers) if (!out.headers.has(name)) out.headers.set(name, value);
  }
  return out;
}

/**
 * Calls `finish(true)` once the body of `res` has been read to its end, `finish(false)` when
 * it is cancelled or fails or `signal` aborts (the client went away), and `finish(true)` at
 * once for a response without a body or a HEAD request (whose body Next.js never reads).
 * `finish` runs once. Returns the response to send: a copy whose body reports its end.
 */
export function onBodyEnd(res: Response, method: string, signal: AbortSignal | undefined, end: (completed: boolean) => void): Response {
  const body = res.body;
  if (body === null || method === 'HEAD' || !rebuildable(res) || res.bodyUsed) {
    end(true);
    return res;
  }
  let ended = false;
  const onAbort = () => finish(false);
  function finish(completed: boolean): void {
    if (ended) return;
    ended = true;
    signal?.removeEventListener('abort', onAbort);
    end(completed);
  }
  signal?.addEventListener('abort', onAbort, { once: true });
  const reader = body.getReader();
  const observed = new ReadableStream<Uint8Array>({
    async pull(controller) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (error) {
        finish(false);
        controller.error(error);
        return;
      }
      if (chunk.done) {
        controller.close();
        finish(true);
      } else controller.enqueue(chunk.value);
    },
    cancel(reason) {
      finish(false);
      return reader.cancel(reason);
    },
  });
  return rebuild(res, observed);
}
