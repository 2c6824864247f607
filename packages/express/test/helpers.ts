// The integration harness of @limitrate/express: real Express 4 and 5 apps on 127.0.0.1,
// requests with the global fetch, an event log, and parsers for the rate-limit headers.
// Every server and limiter a test opens is closed after it.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { manualClock, type Clock } from '@limitrate/core';
import express5, { type Express, type Request, type Response } from 'express';
import express4 from 'express4';
import { parseList } from 'structured-headers';
import { afterEach } from 'vitest';
import { limitrate, type LimitRateMiddleware, type LimitRateOptions } from '../src/index.js';

export type ExpressFactory = typeof express5;

/** Every suite runs once per Express major: `describe.each(EXPRESS_VERSIONS)`. */
export const EXPRESS_VERSIONS: ReadonlyArray<readonly [name: string, express: ExpressFactory]> = [
  ['express 4', express4],
  ['express 5', express5],
];

/** A JSON body as the tests read it. */
export type Json = Record<string, unknown>;

/** What a request got back. */
export interface Reply<T = Json> {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body when it was JSON (application/json or application/problem+json). */
  body: T;
  /** Milliseconds from sending the request to having read the whole response. */
  ms: number;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  /** Sent as an application/json body. */
  json?: unknown;
  body?: string;
  signal?: AbortSignal;
}

/** `req.rateLimit` as the `echo` handler sends it (Dates as strings, Infinity as null). */
export interface RateLimitJson {
  limit: number | null;
  used: number;
  current: number;
  remaining: number | null;
  reset: number;
  resetTime?: string;
  policy: string;
  rule?: string;
  user: string;
  plan: string;
  endpoint: string;
  result?: {
    allowed: boolean;
    action: string;
    reason?: string;
    dryRun: boolean;
    degraded: boolean;
    tokens: number;
    cost: number;
    policy: string;
    slowdownMs: number;
    limits: Array<{ id: string; kind: string; used: number; limit: number; remaining: number; exceeded: boolean }>;
  };
}

export interface EchoBody {
  rateLimit: RateLimitJson | null;
  path: string;
}

/** A request to one app. */
export class Client {
  constructor(readonly base: string) {}

  url(path: string): string {
    return `${this.base}${path}`;
  }

  async request<T = Json>(path: string, options: RequestOptions = {}): Promise<Reply<T>> {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    let body = options.body;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    }
    const start = performance.now();
    const res = await fetch(this.url(path), { method: options.method ?? (body === undefined ? 'GET' : 'POST'), headers, ...(body === undefined ? {} : { body }), ...(options.signal ? { signal: options.signal } : {}) });
    const text = await res.text();
    const ms = performance.now() - start;
    const type = res.headers.get('content-type') ?? '';
    let parsed: unknown = undefined;
    if (/json/.test(type) && text !== '') parsed = JSON.parse(text);
    return { status: res.status, headers: res.headers, text, body: parsed as T, ms };
  }

  get<T = Json>(path: string, headers: Record<string, string> = {}): Promise<Reply<T>> {
    return this.request<T>(path, { headers });
  }

  /** GET through the `echo` handler: the status and `req.rateLimit`. */
  echo(path: string, headers: Record<string, string> = {}): Promise<Reply<EchoBody>> {
    return this.request<EchoBody>(path, { headers });
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

/** A handler that answers with `req.rateLimit`. */
export function echo(req: Request, res: Response): void {
  res.json({ rateLimit: req.rateLimit ?? null, path: req.originalUrl });
}

/** Headers that make a request come from `ip` behind one trusted proxy (`trustedProxyCount: 1`). */
export const from = (ip: string, extra: Record<string, string> = {}): Record<string, string> => ({ 'x-forwarded-for': ip, ...extra });

/** Headers naming the user (read by `identifyUser: byHeader`), URI-encoded so that any string fits in a header. */
export const as = (user: string, extra: Record<string, string> = {}): Record<string, string> => ({ 'x-user': encodeURIComponent(user), ...extra });

/** identifyUser reading `x-user` (URI-decoded); throws when it is missing. */
export function byHeader(req: Request): string {
  const raw = req.get('x-user');
  if (raw === undefined) throw new Error('no x-user header');
  return decodeURIComponent(raw);
}

/** identifyPlan reading `x-plan` (default `free`). */
export const planHeader = (req: Request): string => req.get('x-plan') ?? 'free';

/** One entry of `RateLimit-Policy` or `RateLimit`: its name and parameters. */
export interface DraftEntry {
  name: string;
  params: Record<string, unknown>;
}

/** Parses `RateLimit-Policy` and `RateLimit` with the structured-headers parser (RFC 9651 Lists of Items whose values are Strings). */
export function parseDraft(headers: Headers): { policies: DraftEntry[]; current: DraftEntry[] } {
  const list = (name: string): DraftEntry[] => {
    const value = headers.get(name);
    if (value === null) throw new Error(`no ${name} header`);
    return parseList(value).map((member) => {
      const [item, params] = member;
      if (Array.isArray(item)) throw new Error(`${name}: an inner list, not an Item`);
      if (typeof item !== 'string') throw new Error(`${name}: the Item's value is not a String: ${String(item)}`);
      return { name: item, params: Object.fromEntries(params) };
    });
  };
  return { policies: list('ratelimit-policy'), current: list('ratelimit') };
}

/** The rate-limit header names a response carries (lower case, sorted). */
export function rateLimitHeaderNames(headers: Headers): string[] {
  const names: string[] = [];
  headers.forEach((_v, k) => {
    if (/^(x-)?ratelimit/i.test(k) || k === 'retry-after') names.push(k.toLowerCase());
  });
  return names.sort();
}

export interface Harness {
  express: ExpressFactory;
  /** 4 or 5. */
  major: number;
  /** `limitrate(options)`, closed after the test. */
  limitrate(options: LimitRateOptions): LimitRateMiddleware;
  /** A new app. */
  app(): Express;
  /** Serves `app` on 127.0.0.1 (or `host`), port 0; closed after the test. */
  listen(app: Express, host?: string): Promise<Client>;
}

/** Registers the clean-up and returns the harness of one Express version. */
/** The time of the default test clock: 30.5 s into a minute (and 30 minutes into an hour). */
export const FROZEN_AT = Date.UTC(2026, 0, 1, 12, 30, 30, 500);

/** The real time, shifted (by less than a minute) so that it reads 30 s into a minute now. */
export function midMinuteClock(): Clock {
  const now = Date.now();
  const offset = 30_000 - (now % 60_000);
  return { now: () => Date.now() + offset };
}

export function useHarness(express: ExpressFactory, defaults: { clock?: Clock } = {}): Harness {
  const servers: Server[] = [];
  const middlewares: LimitRateMiddleware[] = [];
  const major = versionOf(express);
  afterEach(async () => {
    const open = servers.splice(0);
    await Promise.all(
      open.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.closeAllConnections();
            s.close(() => resolve());
          }),
      ),
    );
    const lrs = middlewares.splice(0);
    await Promise.all(lrs.map((m) => m.close()));
  });
  return {
    express,
    major,
    limitrate(options) {
      // Unless a test brings its own clock, time stands still in the middle of a minute, so a
      // window boundary never falls between two requests of a test (counts would reset).
      // (Tests whose webhooks are verified against the real time pass `{ clock: systemClock }`.)
      const usable = typeof options === 'object' && options !== null && options.clock === undefined;
      const m = limitrate(usable ? { ...options, clock: defaults.clock ?? manualClock(FROZEN_AT) } : options);
      middlewares.push(m);
      return m;
    },
    app() {
      const app = express();
      app.set('etag', false);
      return app;
    },
    async listen(app, host = '127.0.0.1') {
      const server = createServer(app);
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, host, () => resolve());
      });
      const { port } = server.address() as AddressInfo;
      return new Client(host.includes(':') ? `http://[${host === '::' ? '::1' : host}]:${port}` : `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`);
    },
  };
}

/** The major version of an express factory (Express 4 has `app._router`, 5 `app.router`). */
function versionOf(express: ExpressFactory): number {
  const app = express() as unknown as { lazyrouter?: unknown };
  return typeof app.lazyrouter === 'function' ? 4 : 5;
}
