// The integration harness of @limitrate/hono: real Hono apps served by @hono/node-server on
// 127.0.0.1 (ephemeral ports), requests with the global fetch, an event log, and a clock
// frozen mid-minute. Every server and middleware a test opens is closed after it.
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { manualClock } from '@limitrate/core';
import { Hono, type Context, type Env, type MiddlewareHandler } from 'hono';
import { afterEach } from 'vitest';
import { limitrate, type LazyLimitRateMiddleware, type LimitRateMiddleware, type LimitRateOptions, type RateLimitInfo } from '../src/index.js';

/** The time of the default test clock: 30.5 s into a minute. */
export const FROZEN_AT = Date.UTC(2026, 0, 1, 12, 30, 30, 500);

/** A JSON body as the tests read it. */
export type Json = Record<string, unknown>;

/** What a request got back. */
export interface Reply<T = Json> {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body when it was JSON (application/json or application/problem+json). */
  body: T;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

/** `c.get('rateLimit')` as the `echo` handler sends it (Dates as strings, Infinity as null). */
export type RateLimitJson = Omit<RateLimitInfo, 'limit' | 'remaining' | 'resetTime' | 'result'> & {
  limit: number | null;
  remaining: number | null;
  resetTime?: string;
  result?: { allowed: boolean; action: string; reason?: string; dryRun: boolean; slowdownMs: number; tokens: number; limits: Array<{ id: string; used: number; limit: number }> };
};

export interface EchoBody {
  rateLimit: RateLimitJson | null;
  path: string;
}

/** Reads a whole response. */
export async function read<T = Json>(res: Response): Promise<Reply<T>> {
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  const body = (/json/.test(type) && text !== '' ? JSON.parse(text) : undefined) as T;
  return { status: res.status, headers: res.headers, text, body };
}

/** Requests to one served app. */
export class Client {
  constructor(readonly base: string) {}

  async request<T = Json>(path: string, options: RequestOptions = {}): Promise<Reply<T>> {
    const res = await fetch(`${this.base}${path}`, {
      method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
      headers: options.headers ?? {},
      ...(options.body === undefined ? {} : { body: options.body }),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return read<T>(res);
  }

  get<T = Json>(path: string, headers: Record<string, string> = {}): Promise<Reply<T>> {
    return this.request<T>(path, { headers });
  }

  /** GET through the `echo` handler: the status and `c.get('rateLimit')`. */
  echo(path: string, headers: Record<string, string> = {}): Promise<Reply<EchoBody>> {
    return this.get<EchoBody>(path, headers);
  }

  /** `count` requests one after the other; their statuses. */
  async statuses(path: string, count: number, options: RequestOptions = {}): Promise<number[]> {
    const out: number[] = [];
    for (let i = 0; i < count; i++) out.push((await this.request(path, options)).status);
    return out;
  }
}

// Records events and waits for them: @limitrate/testing's EventLog.
export { EventLog } from '@limitrate/testing';

/** A promise with its resolve function. */
export interface Deferred<T = void> {
  promise: Promise<T>;
  resolve: (value: T) => void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A handler that answers with `c.get('rateLimit')` and the path. */
export const echo = (c: Context): Response => c.json({ rateLimit: c.get('rateLimit') ?? null, path: c.req.path });

/** Headers naming the user (read by `byHeader`), URI-encoded so that any string fits. */
export const as = (user: string, extra: Record<string, string> = {}): Record<string, string> => ({ 'x-user': encodeURIComponent(user), ...extra });

/** identifyUser reading `x-user` (URI-decoded); throws when it is missing. */
export function byHeader(c: Context): string {
  const raw = c.req.header('x-user');
  if (raw === undefined) throw new Error('no x-user header');
  return decodeURIComponent(raw);
}

/** identifyPlan reading `x-plan` (default `free`). */
export const planHeader = (c: Context): string => c.req.header('x-plan') ?? 'free';

/** The rate-limit header names a response carries (lower case, sorted). */
export function rateLimitHeaderNames(headers: Headers): string[] {
  const names: string[] = [];
  headers.forEach((_v, k) => {
    if (/^(x-)?ratelimit/i.test(k) || k === 'retry-after') names.push(k.toLowerCase());
  });
  return names.sort();
}

export interface Harness {
  /**
   * `limitrate(options)` with the client address from @hono/node-server's getConnInfo and
   * (unless the test brings its own clock) time frozen mid-minute; closed after the test.
   */
  limitrate<E extends Env = Env>(options: LimitRateOptions<E>): LimitRateMiddleware<E>;
  /** `limitrate((c) => options)`, closed after the test. */
  lazy<E extends Env = Env>(build: (c: Context<E>) => LimitRateOptions<E>): LazyLimitRateMiddleware<E>;
  /** Serves `app` on 127.0.0.1, port 0; closed after the test. */
  listen(app: Hono): Promise<Client>;
}

/** Registers the clean-up and returns the harness. */
export function useHarness(): Harness {
  const servers: ServerType[] = [];
  const middlewares: Array<{ close(): Promise<void> }> = [];
  afterEach(async () => {
    await Promise.all(
      servers.splice(0).map(
        (s) =>
          new Promise<void>((resolve) => {
            (s as { closeAllConnections?: () => void }).closeAllConnections?.();
            s.close(() => resolve());
          }),
      ),
    );
    await Promise.all(middlewares.splice(0).map((m) => m.close()));
  });
  return {
    limitrate(options) {
      const m = limitrate({ getConnInfo, ...options, clock: options.clock ?? manualClock(FROZEN_AT) });
      middlewares.push(m);
      return m;
    },
    lazy(build) {
      const m = limitrate(build);
      middlewares.push(m);
      return m;
    },
    async listen(app) {
      const server = await new Promise<ServerType>((resolve) => {
        const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
      });
      servers.push(server);
      const { port } = server.address() as AddressInfo;
      return new Client(`http://127.0.0.1:${port}`);
    },
  };
}

/** A new Hono app. */
export const newApp = <E extends Env = Env>(): Hono<E> => new Hono<E>();

/**
 * An app with `middleware` in front of a `GET /x` that answers 'ok', whose error handler
 * keeps every error and answers 500 with the error's code.
 */
export function appKeepingErrors(middleware: MiddlewareHandler): { app: Hono; errors: unknown[] } {
  const app = new Hono();
  const errors: unknown[] = [];
  app.onError((err, c) => {
    errors.push(err);
    return c.text((err as { code?: string }).code ?? 'error', 500);
  });
  app.use('*', middleware);
  app.get('/x', (c) => c.text('ok'));
  return { app, errors };
}
