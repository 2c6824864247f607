// How the adapter cases talk to an app: real HTTP with the global fetch, a bounded wait,
// and the reply read whole.

/** What a request got back. */
export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body when it was JSON (including application/problem+json), else undefined. */
  json: Record<string, unknown> | undefined;
  /** Milliseconds from sending to having read the body. */
  ms: number;
}

export interface Send {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

/** No case waits longer than this for one answer (an adapter that hangs fails, it does not stall the run). */
const REQUEST_TIMEOUT_MS = 10_000;

export async function send(base: string, path: string, init: Send = {}): Promise<Reply> {
  const started = performance.now();
  const res = await fetch(base + path, {
    method: init.method ?? 'GET',
    ...(init.headers === undefined ? {} : { headers: init.headers }),
    ...(init.body === undefined ? {} : { body: init.body }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await res.text();
  let json: Record<string, unknown> | undefined;
  if (/json/.test(res.headers.get('content-type') ?? '')) {
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      json = undefined;
    }
  }
  return { status: res.status, headers: res.headers, text, json, ms: performance.now() - started };
}
