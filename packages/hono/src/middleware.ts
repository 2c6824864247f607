// limitrate(options): the Hono middleware. It describes the request to core's HttpLimiter
// and writes the answer back: `c.get('rateLimit')`, a refusal Response, a delay, and after
// the handlers, the rate-limit headers on their response and the after-response work
// (in-flight slots, skipSuccessfulRequests / skipFailedRequests, token reconciliation).
import { LimitRateError, type HttpDecision, type HttpLimiter, type InspectorOptions, type RateLimiter, type RateLimitStatus } from '@limitrate/core';
import type { Context, Env, Handler, MiddlewareHandler, Next } from 'hono';
import { createEngine, type Engine } from './engine.js';
import { rateLimitInfo } from './info.js';
import { createHonoInspector } from './inspector.js';
import type { LimitRateOptions } from './options.js';
import { describeRequest } from './request.js';
import { ensureHeaders, nodeOutgoing, prepareHeaders, refusalResponse, setOutgoingHeaders } from './respond.js';

/** Status passed to the after-response work, and answered, when the client left before its handler ran (nginx's "client closed request"). */
const CLIENT_GONE = 499;

/**
 * What every form of the middleware offers besides handling requests.
 *
 * @example
 * ```ts
 * const handles: LimitRateHandles = limitrate(options);
 * app.get('/quota', async (c) => c.json(await handles.status(c, 'POST|/api/chat')));
 * ```
 */
export interface LimitRateHandles<E extends Env = Env> {
  /** A caller's quota for this request (or for `endpoint`), counting nothing. */
  status(c: Context<E>, endpoint?: string): Promise<RateLimitStatus>;
  /**
   * A handler serving this limiter's analytics report as JSON, for
   * `npx limitrate dashboard --url <app>/limitrate --token <token>`. It answers 401 without
   * the token (`Authorization: Bearer <token>` or `X-LimitRate-Token`), 405 for methods but
   * GET and HEAD, 400 for a bad query (`range`, `top`, `blocks`, `user`, `plan`,
   * `endpoint`). Needs `analytics: true` in the options and a token of at least 8
   * characters: throws a ConfigError otherwise. With `limitrate((c) => options)` it answers
   * 503 until the first request has built the limiter. Mount it before the middleware (or
   * outside its path), so that it is not limited itself.
   *
   * @example
   * ```ts
   * const lr = limitrate({ analytics: true, policies: { free: { rate: { maxPerMinute: 60 } } } });
   * app.get('/limitrate', lr.inspector({ token: process.env.LIMITRATE_INSPECTOR_TOKEN! }));
   * app.use('*', lr);
   * ```
   */
  inspector(options: InspectorOptions): Handler<E>;
  /** Deliver pending events and webhooks, and close the store (one built from the configuration included). */
  close(): Promise<void>;
}

/**
 * The middleware of `limitrate(options)`, with handles on what it runs.
 *
 * @example
 * ```ts
 * const limiter: LimitRateMiddleware = limitrate({ policies: { free: { rate: { maxPerMinute: 60 } } } });
 * app.use('*', limiter);
 * await limiter.limiter.reset({ userId: 'alice' });
 * ```
 */
export interface LimitRateMiddleware<E extends Env = Env> extends MiddlewareHandler<E>, LimitRateHandles<E> {
  /** The framework-free limiter (check, peek, record, reset, events, ready). */
  readonly limiter: RateLimiter<Context<E>>;
  /** The shared HTTP engine behind the middleware. */
  readonly http: HttpLimiter<Context<E>, Response>;
}

/**
 * The middleware of `limitrate((c) => options)`: its limiter exists from the first request on.
 *
 * @example
 * ```ts
 * const limiter: LazyLimitRateMiddleware<{ Bindings: { PER_MINUTE: string } }> = limitrate((c) => ({
 *   policies: { free: { rate: { maxPerMinute: Number(c.env.PER_MINUTE) } } },
 * }));
 * limiter.limiter; // undefined until the first request
 * ```
 */
export interface LazyLimitRateMiddleware<E extends Env = Env> extends MiddlewareHandler<E>, LimitRateHandles<E> {
  /** The framework-free limiter, once the first request has built it. */
  readonly limiter: RateLimiter<Context<E>> | undefined;
  /** The shared HTTP engine, once the first request has built it. */
  readonly http: HttpLimiter<Context<E>, Response> | undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** One request through the limiter. */
async function handle<E extends Env>(engine: Engine<E>, c: Context<E>, next: Next): Promise<Response | void> {
  engine.bind?.(c);
  const pending = engine.http.decide(describeRequest(c, engine.describer));
  const d: HttpDecision<Response> = pending instanceof Promise ? await pending : pending;
  c.set('rateLimit', rateLimitInfo(d));
  if (d.action === 'refuse') return refusalResponse(c, d);
  const done = d.done;
  // The client going away (the request's signal aborts) ends the request for the limiter
  // at once, as a connection closing does in Express: its in-flight slot is free again.
  const signal = done !== undefined || d.delayMs > 0 ? c.req.raw.signal : undefined;
  const aborted = (): boolean => signal?.aborted === true;
  let gone: Response | undefined;
  const leave = (): Response => {
    gone ??= new Response(null, { status: CLIENT_GONE });
    done?.({ statusCode: CLIENT_GONE, completed: false, res: gone });
    return gone;
  };
  signal?.addEventListener('abort', leave);
  const out = d.headers.length > 0 ? nodeOutgoing(c) : undefined;
  if (out !== undefined) setOutgoingHeaders(out, d.headers);
  else prepareHeaders(c, d.headers);
  try {
    if (d.delayMs > 0) await sleep(d.delayMs);
    // The client left while the limiter decided or during the slowdown: no handler runs for nobody.
    if (aborted()) return leave();
    try {
      await next();
    } catch (error) {
      // Only without an error handler does an error reach here (Hono's own turns it into c.res).
      done?.({ statusCode: 500, completed: false, res: c.res });
      throw error;
    }
  } finally {
    signal?.removeEventListener('abort', leave);
  }
  if (out === undefined) ensureHeaders(c, d.headers);
  done?.({ statusCode: c.res.status, completed: !aborted(), res: c.res });
}

async function closeEngine<E extends Env>(engine: Engine<E>): Promise<void> {
  await engine.http.close();
  await engine.store?.close();
}

function closedError(): LimitRateError {
  return new LimitRateError('ERR_LIMITRATE_CLOSED', 'This middleware has been closed', { hint: 'Create a new one with limitrate(), or stop using it after close()' });
}

/**
 * Rate limiting for Hono, on every runtime Hono runs on. Pass options, or a function that
 * builds them from the first request's context (called once; for Workers, whose secrets
 * arrive in `c.env`). The decision is on `c.get('rateLimit')`.
 *
 * @example
 * ```ts
 * import { Hono } from 'hono';
 * import { limitrate } from '@limitrate/hono';
 *
 * const app = new Hono();
 * app.use('*', limitrate({
 *   identifyUser: (c) => c.req.header('x-api-key') ?? 'anonymous',
 *   policies: {
 *     free: { endpoints: { 'POST|/api/chat': { rate: { maxPerMinute: 10 } } }, defaults: { rate: { maxPerMinute: 60 } } },
 *   },
 * }));
 * app.get('/users/:id', (c) => c.json({ remaining: c.get('rateLimit').remaining }));
 * ```
 */
export function limitrate<E extends Env = Env>(options: LimitRateOptions<E>): LimitRateMiddleware<E>;
export function limitrate<E extends Env = Env>(options: (c: Context<E>) => LimitRateOptions<E>): LazyLimitRateMiddleware<E>;
export function limitrate<E extends Env = Env>(options: LimitRateOptions<E> | ((c: Context<E>) => LimitRateOptions<E>)): LimitRateMiddleware<E> | LazyLimitRateMiddleware<E> {
  if (typeof options === 'function') return lazyLimitrate(options);
  const engine = createEngine(options, undefined);
  const middleware = function limitrateMiddleware(c: Context<E>, next: Next): Promise<Response | void> {
    return handle(engine, c, next);
  };
  return Object.assign(middleware, {
    limiter: engine.http.limiter,
    http: engine.http,
    status: (c: Context<E>, endpoint?: string) => engine.http.status(describeRequest(c, engine.describer), endpoint),
    inspector: (inspectorOptions: InspectorOptions) => createHonoInspector<E>(() => engine.http.limiter, inspectorOptions),
    close: () => closeEngine(engine),
  });
}

/** `limitrate((c) => options)`: the limiter is built by the first request (a failed build is tried again by the next). */
function lazyLimitrate<E extends Env>(build: (c: Context<E>) => LimitRateOptions<E>): LazyLimitRateMiddleware<E> {
  let engine: Engine<E> | undefined;
  let closed = false;
  const engineFor = (c: Context<E>): Engine<E> => {
    if (engine === undefined) {
      if (closed) throw closedError();
      engine = createEngine(build(c), c);
    }
    return engine;
  };
  const middleware = async function limitrateMiddleware(c: Context<E>, next: Next): Promise<Response | void> {
    return handle(engineFor(c), c, next);
  };
  return Object.defineProperties(middleware, {
    limiter: { get: () => engine?.http.limiter, enumerable: true },
    http: { get: () => engine?.http, enumerable: true },
    status: {
      value: async (c: Context<E>, endpoint?: string) => {
        const e = engineFor(c);
        return e.http.status(describeRequest(c, e.describer), endpoint);
      },
      enumerable: true,
    },
    inspector: {
      value: (inspectorOptions: InspectorOptions) => createHonoInspector<E>(() => engine?.http.limiter, inspectorOptions),
      enumerable: true,
    },
    close: {
      value: async () => {
        closed = true;
        if (engine !== undefined) await closeEngine(engine);
      },
      enumerable: true,
    },
  }) as LazyLimitRateMiddleware<E>;
}
