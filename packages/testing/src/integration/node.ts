// The node:http side of an integration app: bodies read before the framework runs (so every
// callback can see them), Web Requests built from node requests, Web Responses and route
// results written back, and a server on 127.0.0.1 that closes without waiting on clients.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RateLimiter } from '@limitrate/core';
import type { IntegrationRequest, IntegrationRouteResult } from './types.js';

/** A request body read whole: its bytes, and what callbacks and routes see. */
export interface ReadBody {
  bytes: Buffer;
  body: unknown;
}

/** The bodies of the requests in flight, by node request. */
export type Bodies = WeakMap<IncomingMessage, ReadBody>;

/** Parses a body: JSON for a JSON content type (the text when it does not parse), else the text; undefined when empty. */
export function parseBody(bytes: Uint8Array, contentType: string | undefined): unknown {
  if (bytes.length === 0) return undefined;
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  if (contentType !== undefined && /\bjson\b/i.test(contentType)) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

/** Header values as strings (repeated headers joined with `', '`), names in lower case. */
export function flatHeaders(headers: IncomingHttpHeaders | Record<string, number | string | readonly string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return out;
}

/** Query parameters of a URL path; a repeated one gives an array. */
export function queryOf(url: string): Record<string, string | string[]> {
  const q = url.indexOf('?');
  const out: Record<string, string | string[]> = {};
  if (q < 0) return out;
  for (const [k, v] of new URLSearchParams(url.slice(q + 1))) {
    const had = out[k];
    out[k] = had === undefined ? v : Array.isArray(had) ? [...had, v] : [had, v];
  }
  return out;
}

/** The path of a URL path, without the query. */
export function pathOf(url: string): string {
  const q = url.indexOf('?');
  return (q < 0 ? url : url.slice(0, q)) || '/';
}

/** A request as callbacks and routes see it, read from the node request under the framework's. */
export function viewOf(incoming: IncomingMessage | undefined, raw: unknown, bodies: Bodies): IntegrationRequest {
  if (incoming === undefined) return { method: '', path: '/', url: '/', headers: {}, query: {}, body: undefined, ip: undefined, raw };
  const url = (incoming as IncomingMessage & { originalUrl?: string }).originalUrl ?? incoming.url ?? '/';
  return {
    method: incoming.method ?? 'GET',
    path: pathOf(url),
    url,
    headers: flatHeaders(incoming.headers),
    query: queryOf(url),
    body: bodies.get(incoming)?.body,
    ip: incoming.socket?.remoteAddress,
    raw,
  };
}

/** Headers not carried over to a Web Request (the body is given whole). */
const HOP_BY_HOP: ReadonlySet<string> = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'upgrade', 'expect']);

/** A Web Request (or NextRequest: `ctor`) for a node request whose body has been read. */
export function webRequest<R>(ctor: new (url: string, init: RequestInit) => R, req: IncomingMessage, bytes: Buffer, signal: AbortSignal): R {
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    if (!HOP_BY_HOP.has(name.toLowerCase())) headers.append(name, raw[i + 1]!);
  }
  const method = req.method ?? 'GET';
  const host = req.headers.host ?? `127.0.0.1:${(req.socket.localPort ?? 0).toString()}`;
  const init: RequestInit = { method, headers, signal };
  if (bytes.length > 0 && method !== 'GET' && method !== 'HEAD') init.body = new Uint8Array(bytes);
  return new ctor(`http://${host}${req.url ?? '/'}`, init);
}

/** Writes a Web Response to a node response. */
export async function writeWeb(res: ServerResponse, response: Response): Promise<void> {
  res.statusCode = response.status;
  const cookies = response.headers.getSetCookie();
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') res.setHeader(name, value);
  });
  if (cookies.length > 0) res.setHeader('set-cookie', cookies);
  const body = Buffer.from(await response.arrayBuffer());
  res.end(body.length === 0 ? undefined : body);
}

/** A route result ready to send: status, headers (lower case) and the payload. */
export interface Encoded {
  status: number;
  headers: Record<string, string>;
  payload: string | Uint8Array | undefined;
}

/** Encodes a route result: strings as text, bytes as they are, anything else as JSON. */
export function encodeResult(result: IntegrationRouteResult | undefined): Encoded {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(result?.headers ?? {})) headers[k.toLowerCase()] = String(v);
  const body = result?.body;
  let payload: string | Uint8Array | undefined;
  let type: string | undefined;
  if (body === undefined) payload = undefined;
  else if (typeof body === 'string') [payload, type] = [body, 'text/plain; charset=utf-8'];
  else if (body instanceof Uint8Array) [payload, type] = [body, 'application/octet-stream'];
  else [payload, type] = [JSON.stringify(body), 'application/json; charset=utf-8'];
  if (type !== undefined && headers['content-type'] === undefined) headers['content-type'] = type;
  return { status: result?.status ?? 200, headers, payload };
}

/** Writes a route result to a node response (Express). */
export function writeNode(res: ServerResponse, result: IntegrationRouteResult | undefined): void {
  const { status, headers, payload } = encodeResult(result);
  res.statusCode = status;
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.end(payload);
}

/** A Web Response of a route result (Hono, Next.js). */
export function webResponse(result: IntegrationRouteResult | undefined): Response {
  const { status, headers, payload } = encodeResult(result);
  const noBody = status === 204 || status === 205 || status === 304;
  // (Bytes as an ArrayBuffer view: every lib's BodyInit takes that, the DOM and Node's alike.)
  const body = noBody || payload === undefined ? null : typeof payload === 'string' ? payload : new Uint8Array(payload).buffer;
  return new Response(body, { status, headers });
}

/**
 * A node listener that reads each request's body first (kept in `bodies`), then calls
 * `handle`. A handler that throws answers 500.
 */
export function buffered(bodies: Bodies, handle: (req: IncomingMessage, res: ServerResponse, read: ReadBody) => void | Promise<void>): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    readAll(req)
      .then(async (bytes) => {
        const read: ReadBody = { bytes, body: parseBody(bytes, req.headers['content-type']) };
        bodies.set(req, read);
        await handle(req, res, read);
      })
      .catch(() => {
        if (!res.headersSent) res.statusCode = 500;
        res.end();
      });
  };
}

/** A node server for `listener`. */
export const nodeServer = (listener: (req: IncomingMessage, res: ServerResponse) => void): Server => createServer(listener);

/** Starts `server` on 127.0.0.1, on a free port; its base URL. */
export async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return urlOf(server);
}

/** The base URL of a listening server. */
export function urlOf(server: Server): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/**
 * Starts `server` in front of an adapter: its URL, the adapter's limiter, and a close() that
 * stops the server, then the adapter. If the server cannot start, the adapter is closed.
 */
export async function serve(server: Server, adapter: { limiter?: RateLimiter<unknown>; close(): Promise<void> | void }): Promise<{ url: string; limiter: RateLimiter<unknown> | undefined; close(): Promise<void> }> {
  let url: string;
  try {
    url = await listen(server);
  } catch (error) {
    await adapter.close();
    throw error;
  }
  return {
    url,
    limiter: adapter.limiter,
    async close() {
      await closeServer(server);
      await adapter.close();
    },
  };
}

/** Closes `server`, dropping open connections rather than waiting for them. */
export async function closeServer(server: Server): Promise<void> {
  if (!server.listening) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
