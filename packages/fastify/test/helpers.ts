// The integration harness of @limitrate/fastify: Fastify 5 apps served on 127.0.0.1 (port
// 0) or driven with app.inject, requests with the global fetch, an event log, and a parser
// for the IETF rate-limit fields. Every app a test builds is closed after it.
import { request as httpRequest, type RequestOptions } from 'node:http';
import { manualClock } from '@limitrate/core';
import Fastify, { type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { parseList } from 'structured-headers';
import { afterEach } from 'vitest';
import { limitrate, type LimitRateOptions } from '../src/index.js';

/** A JSON body as the tests read it. */
export type Json = Record<string, unknown>;

/** What a request over HTTP got back. */
export interface Answer<T = Json> {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body when it was JSON (application/json or application/problem+json). */
  body: T;
}

export interface Send {
  method?: string;
  headers?: Record<string, string>;
  /** Sent as an application/json body. */
  json?: unknown;
  signal?: AbortSignal;
}

/** HTTP requests to one listening app. */
export class Client {
  constructor(readonly base: string) {}

  async send<T = Json>(path: string, o: Send = {}): Promise<Answer<T>> {
    const headers = { ...(o.headers ?? {}) };
    let body: string | undefined;
    if (o.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(o.json);
    }
    const res = await fetch(this.base + path, { method: o.method ?? (body === undefined ? 'GET' : 'POST'), headers, body, signal: o.signal });
    const text = await res.text();
    const json = /json/.test(res.headers.get('content-type') ?? '') && text !== '' ? (JSON.parse(text) as T) : (undefined as T);
    return { status: res.status, headers: res.headers, text, body: json };
  }

  /** `count` requests one after the other: their statuses. */
  async statuses(path: string, count: number, o: Send = {}): Promise<number[]> {
    const out: number[] = [];
    for (let i = 0; i < count; i++) out.push((await this.send(path, o)).status);
    return out;
  }
}

/**
 * A GET sent with node:http, for what fetch cannot send: a raw request target, raw headers,
 * or a Unix socket (`{ socketPath }`).
 */
export function rawGet(to: { base: string } | { socketPath: string }, target: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const where: RequestOptions = 'base' in to ? { host: new URL(to.base).hostname, port: new URL(to.base).port } : { socketPath: to.socketPath };
  return new Promise((resolve, reject) => {
    const req = httpRequest({ ...where, path: target, headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

// Records events and waits for them: @limitrate/testing's EventLog.
export { EventLog } from '@limitrate/testing';

/** The default test time: 30.5 s into a minute, so no window boundary falls inside a test. */
export const FROZEN_AT = Date.UTC(2026, 0, 1, 12, 30, 30, 500);

/** A handler answering with `request.rateLimit` (Infinity and Dates as JSON turns them: null and strings). */
export async function echo(request: FastifyRequest): Promise<Json> {
  return { rateLimit: request.rateLimit ?? null, url: request.url };
}

/** identifyUser reading `x-user`. */
export const userHeader = (req: FastifyRequest): string => {
  const v = req.headers['x-user'];
  if (typeof v !== 'string') throw new Error('no x-user header');
  return v;
};

/** identifyPlan reading `x-plan` (default free). */
export const planHeader = (req: FastifyRequest): string => {
  const v = req.headers['x-plan'];
  return typeof v === 'string' ? v : 'free';
};

/** The entries of a structured RateLimit-Policy / RateLimit field: name and parameters. */
export function parseDraft(value: string | null): Array<{ name: string; params: Record<string, unknown> }> {
  if (value === null) throw new Error('no such header');
  return parseList(value).map(([item, params]) => {
    if (typeof item !== 'string') throw new Error(`not a String item: ${String(item)}`);
    return { name: item, params: Object.fromEntries(params) };
  });
}

export interface Harness {
  /** A new Fastify app, closed after the test. */
  app(options?: FastifyServerOptions): FastifyInstance;
  /** A new app with the plugin registered on it (test clock unless the options bring one). */
  limited(options: LimitRateOptions): Promise<FastifyInstance>;
  /** The options with the test clock, unless they bring their own. */
  withClock(options: LimitRateOptions): LimitRateOptions;
  /** Serves the app on 127.0.0.1, port 0. */
  listen(app: FastifyInstance): Promise<Client>;
}

/** Registers the clean-up of every app a test builds. */
export function useHarness(): Harness {
  const apps: FastifyInstance[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.close()));
  });
  const withClock = (options: LimitRateOptions): LimitRateOptions => (options.clock === undefined ? { ...options, clock: manualClock(FROZEN_AT) } : options);
  const app = (options: FastifyServerOptions = {}): FastifyInstance => {
    const a = Fastify({ forceCloseConnections: true, ...options });
    apps.push(a);
    return a;
  };
  return {
    app,
    withClock,
    async limited(options) {
      const a = app();
      await a.register(limitrate, withClock(options));
      return a;
    },
    async listen(a) {
      await a.listen({ port: 0, host: '127.0.0.1' });
      const address = a.server.address();
      if (address === null || typeof address === 'string') throw new Error('not listening on a port');
      return new Client(`http://127.0.0.1:${address.port}`);
    },
  };
}
