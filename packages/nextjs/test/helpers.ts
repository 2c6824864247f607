// The test harness of @limitrate/nextjs: NextRequest builders for calling handlers directly,
// and real HTTP servers on 127.0.0.1 that run handlers through Next.js's own request and
// response code (NextRequestAdapter, sendResponse, apiResolver), as `next start` does.
// Every server and limiter a test opens is closed after it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { manualClock, type Clock } from '@limitrate/core';
import type { NextApiRequest, NextApiResponse } from 'next';
import { apiResolver } from 'next/dist/server/api-utils/node/api-resolver';
import { NodeNextRequest, NodeNextResponse } from 'next/dist/server/base-http/node';
import { sendResponse } from 'next/dist/server/send-response';
import { NextRequestAdapter, signalFromNodeResponse } from 'next/dist/server/web/spec-extension/adapters/next-request';
import { NextRequest } from 'next/server';
import { afterEach } from 'vitest';
import {
  rateLimitProxy,
  withRateLimit,
  withRateLimitApi,
  type ApiHandler,
  type ProxyFunction,
  type RateLimitProxy,
  type RateLimitProxyOptions,
  type RateLimitWrapper,
  type WithRateLimitApiOptions,
  type WithRateLimitOptions,
} from '../src/index.js';

/** The time of the default test clock: 30.5 s into a minute, so no window ends during a test. */
export const FROZEN_AT = Date.UTC(2026, 0, 1, 12, 30, 30, 500);

/** A JSON body as the tests read it. */
export type Json = Record<string, unknown>;

/** A NextRequest as Next.js would pass it (the host is irrelevant to the limiter). */
export function nextRequest(path: string, init: { method?: string; headers?: Record<string, string>; body?: string; signal?: AbortSignal } = {}): NextRequest {
  return new NextRequest(`http://localhost${path}`, init);
}

/** The second argument Next.js passes a route handler: `{ params }`, a promise. */
export const ctx = <P extends Record<string, string | string[] | undefined>>(params?: P): { params: Promise<P> } => ({ params: Promise.resolve((params ?? {}) as P) });

/** Reads a Response whole: status, headers, text and the JSON body when there is one. */
export async function read(res: Response | void): Promise<{ status: number; headers: Headers; text: string; body: Json }> {
  if (res === undefined) throw new Error('the handler returned no Response');
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: /json/.test(res.headers.get('content-type') ?? '') && text !== '' ? (JSON.parse(text) as Json) : {} };
}

/** A handler answering 200 with the path, or the status in `x-status`. */
export const ok = async (request: NextRequest): Promise<Response> =>
  Response.json({ path: request.nextUrl.pathname }, { status: Number(request.headers.get('x-status') ?? 200) });

/** identifyUser reading `x-user` (URI-decoded, so any string fits in a header). */
export const byHeader = (req: { headers: Headers }): string => {
  const raw = req.headers.get('x-user');
  if (raw === null) throw new Error('no x-user header');
  return decodeURIComponent(raw);
};

/** Headers naming the user read by `byHeader`. */
export const as = (user: string, extra: Record<string, string> = {}): Record<string, string> => ({ 'x-user': encodeURIComponent(user), ...extra });

// Records events and waits for them: @limitrate/testing's EventLog.
export { EventLog } from '@limitrate/testing';

/** A request to a running server. */
export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  body: Json;
}

export class Client {
  constructor(readonly base: string) {}
  async request(path: string, init: { method?: string; headers?: Record<string, string>; body?: string; signal?: AbortSignal } = {}): Promise<Reply> {
    const res = await fetch(this.base + path, init);
    return read(res);
  }
  get(path: string, headers: Record<string, string> = {}): Promise<Reply> {
    return this.request(path, { headers });
  }
  async statuses(path: string, count: number, headers: Record<string, string> = {}, method = 'GET'): Promise<number[]> {
    const out: number[] = [];
    for (let i = 0; i < count; i++) out.push((await this.request(path, { method, headers })).status);
    return out;
  }
}

/** A route of a served app: Next.js file syntax for the path (`/api/users/[id]`). */
export interface AppRoute {
  method: string;
  path: string;
  handler: (request: NextRequest, context: { params: Promise<Record<string, string | string[]>> | undefined }) => Promise<Response | void> | Response | void;
}

/** Matches a path against a route in Next.js syntax; the params (decoded, catch-alls as arrays), or undefined. */
function matchRoute(template: string, path: string): Record<string, string | string[]> | undefined | null {
  const t = template.split('/').filter(Boolean);
  const p = path.split('/').filter(Boolean).map((s) => decodeURIComponent(s));
  const params: Record<string, string | string[]> = {};
  for (let i = 0; i < t.length; i++) {
    const seg = t[i]!;
    const rest = /^\[\[?\.\.\.(.+?)\]?\]$/.exec(seg);
    if (rest !== null) {
      if (p.length <= i && !seg.startsWith('[[')) return null;
      if (p.length > i) params[rest[1]!] = p.slice(i);
      return params;
    }
    if (i >= p.length) return null;
    const one = /^\[(.+)\]$/.exec(seg);
    if (one !== null) params[one[1]!] = p[i]!;
    else if (seg !== p[i]) return null;
  }
  if (p.length !== t.length) return null;
  return Object.keys(params).length === 0 ? undefined : params;
}

async function listen(server: Server): Promise<Client> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return new Client(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
}

/** A server on 127.0.0.1 and its client. */
export interface Running {
  client: Client;
  close(): Promise<void>;
}

async function serve(handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>): Promise<Running> {
  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.statusCode = 500;
      res.end();
    });
  });
  const client = await listen(server);
  return {
    client,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Serves App Router handlers over HTTP the way `next start` runs them: X-Forwarded-For set
 * to the peer when absent, the NextRequest made by NextRequestAdapter (its signal aborts
 * when the client goes away), the Response written by sendResponse; 500 for a handler that
 * throws or returns nothing, 404 for no route.
 */
export function startApp(routes: readonly AppRoute[]): Promise<Running> {
  return serve(async (req, res) => {
    req.headers['x-forwarded-for'] ??= req.socket.remoteAddress; // as Next.js's base server does
    const nodeReq = new NodeNextRequest(req);
    const nodeRes = new NodeNextResponse(res);
    const request = NextRequestAdapter.fromNodeNextRequest(nodeReq, signalFromNodeResponse(res));
    const path = request.nextUrl.pathname;
    for (const route of routes) {
      if (route.method !== req.method && !(route.method === 'GET' && req.method === 'HEAD')) continue;
      const params = matchRoute(route.path, path);
      if (params === null) continue;
      let response: Response | void;
      try {
        response = await route.handler(request, { params: params === undefined ? undefined : Promise.resolve(params) });
      } catch {
        response = undefined;
      }
      await sendResponse(nodeReq, nodeRes, response ?? new Response('Internal Server Error', { status: 500 }));
      return;
    }
    await sendResponse(nodeReq, nodeRes, new Response('Not Found', { status: 404 }));
  });
}

/** Serves one Pages Router API handler at every path through Next.js's apiResolver. */
export function startPages(handler: ApiHandler): Promise<Running> {
  return serve(async (req, res) => {
    const query = Object.fromEntries(new URL(req.url ?? '/', 'http://n').searchParams);
    await apiResolver(req, res, query, { default: handler as (req: NextApiRequest, res: NextApiResponse) => unknown }, {} as never, false, false, '/api/x');
  });
}

export interface Harness {
  /** `withRateLimit(options)` with a frozen clock unless one is given; closed after the test. */
  withRateLimit(options: WithRateLimitOptions): RateLimitWrapper;
  rateLimitProxy(options: RateLimitProxyOptions, next?: ProxyFunction): RateLimitProxy;
  withRateLimitApi(options: WithRateLimitApiOptions): ReturnType<typeof withRateLimitApi>;
  /** `startApp(routes)`, closed after the test. */
  serveApp(routes: readonly AppRoute[]): Promise<Client>;
  /** `startPages(handler)`, closed after the test. */
  servePages(handler: ApiHandler): Promise<Client>;
}

export function useHarness(defaults: { clock?: Clock } = {}): Harness {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((c) => c().catch(() => undefined)));
  });
  const clocked = <T extends { clock?: Clock }>(options: T): T =>
    typeof options === 'object' && options !== null && options.clock === undefined ? { ...options, clock: defaults.clock ?? manualClock(FROZEN_AT) } : options;
  const track = <T extends { close(): Promise<void> }>(x: T): T => {
    closers.push(() => x.close());
    return x;
  };
  const started = async (running: Promise<Running>): Promise<Client> => {
    const r = await running;
    closers.push(() => r.close());
    return r.client;
  };
  return {
    withRateLimit: (options) => track(withRateLimit(clocked(options))),
    rateLimitProxy: (options, next) => track(rateLimitProxy(clocked(options), next)),
    withRateLimitApi: (options) => track(withRateLimitApi(clocked(options))),
    serveApp: (routes) => started(startApp(routes)),
    servePages: (handler) => started(startPages(handler)),
  };
}
