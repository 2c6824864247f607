// withRateLimitApi(options)(handler): rate limiting for Pages Router API routes on the
// Node.js runtime, `(req: NextApiRequest, res: NextApiResponse)`. These get the socket, so
// the client address is the peer's unless proxies are trusted, as in @limitrate/express.
import type { HttpDecision, HttpLimiter, HttpLimiterOptions, HttpRequestInfo, InspectorOptions, RateLimiter, RateLimitStatus } from '@limitrate/core';
import type { NextApiRequest, NextApiResponse } from 'next';
import { delay } from './delay.js';
import { remember } from './info.js';
import { apiInspector } from './inspector.js';
import { buildLimiter, type RouteOptions } from './limiter.js';
import type { RouteTable } from './routes.js';

/** Options of `withRateLimitApi`: core's HTTP options for NextApiRequest and NextApiResponse, plus `routes`. */
export interface WithRateLimitApiOptions extends HttpLimiterOptions<NextApiRequest, NextApiResponse>, RouteOptions {}

/** A Pages Router API route handler. */
export type ApiHandler<Req extends NextApiRequest = NextApiRequest, Res extends NextApiResponse = NextApiResponse> = (req: Req, res: Res) => unknown;

/** What `withRateLimitApi(options)` returns: wrap API route handlers with it; they share its limiter. */
export interface ApiRateLimitWrapper {
  <Req extends NextApiRequest, Res extends NextApiResponse>(handler: ApiHandler<Req, Res>): (req: Req, res: Res) => Promise<void>;
  readonly limiter: RateLimiter<NextApiRequest>;
  readonly http: HttpLimiter<NextApiRequest, NextApiResponse>;
  /** A caller's quota for this request (or for `endpoint`), counting nothing. */
  status(req: NextApiRequest, endpoint?: string): Promise<RateLimitStatus>;
  /**
   * An API route serving this limiter's analytics report as JSON, for
   * `npx limitrate dashboard --url <app>/api/limitrate --token <token>`. It answers 401 without
   * the token (`Authorization: Bearer <token>` or `X-LimitRate-Token`), 405 for methods but
   * GET and HEAD, 400 for a bad query (`range`, `top`, `blocks`, `user`, `plan`,
   * `endpoint`). Needs `analytics: true` in the options and a token of at least 8
   * characters: throws a ConfigError otherwise. Export it unwrapped, so that it
   * is not limited itself.
   *
   * @example
   * ```ts
   * // pages/api/limitrate.ts (`limit` is the module-level withRateLimitApi(...) your API routes use)
   * import { limit } from '../../lib/limit';
   *
   * export default limit.inspector({ token: process.env.LIMITRATE_INSPECTOR_TOKEN! });
   * ```
   */
  inspector(options: InspectorOptions): (req: NextApiRequest, res: NextApiResponse) => void;
  close(): Promise<void>;
}

/** The request's path, without the query. */
function pathOfUrl(url: string | undefined): string {
  const raw = url ?? '/';
  const q = raw.search(/[?#]/);
  const path = q >= 0 ? raw.slice(0, q) : raw;
  return path === '' ? '/' : path;
}

function describeNode(req: NextApiRequest, routes: RouteTable, trusted: boolean): HttpRequestInfo<NextApiRequest> {
  const path = pathOfUrl(req.url);
  const headers = req.headers ?? {};
  return {
    method: req.method ?? 'GET',
    path,
    route: routes.match(path),
    remoteAddress: req.socket?.remoteAddress,
    forwardedFor: trusted ? (headers['x-forwarded-for'] ?? headers['x-real-ip']) : undefined,
    raw: req,
  };
}

/** The client has gone: the connection closed before the response was sent. */
function gone(res: NextApiResponse): boolean {
  return res.destroyed && !res.writableEnded;
}

/** Sends a refusal. */
function refuse(res: NextApiResponse, d: HttpDecision<NextApiResponse>): void {
  res.statusCode = d.status;
  res.setHeader('Content-Type', `${d.contentType ?? 'application/json'}; charset=utf-8`);
  res.end(JSON.stringify(d.body));
}

/**
 * Runs `done` once the response is over: Node.js emits 'close' on every response, after
 * 'finish' when it was sent whole, or alone when the connection went first.
 */
function settleOnEnd(res: NextApiResponse, done: NonNullable<HttpDecision<NextApiResponse>['done']>): void {
  res.once('close', () => done({ statusCode: res.statusCode, completed: res.writableFinished, res }));
}

/**
 * Rate limiting for Pages Router API routes (`pages/api/*`) on the Node.js runtime. For
 * API routes on the edge runtime, which take a Request and return a Response, use
 * `withRateLimit`.
 *
 * @example
 * ```ts
 * // pages/api/hello.ts
 * import type { NextApiRequest, NextApiResponse } from 'next';
 * import { withRateLimitApi } from '@limitrate/nextjs';
 *
 * export default withRateLimitApi({ policies: { free: { rate: { maxPerMinute: 10 } } } })((req: NextApiRequest, res: NextApiResponse) => {
 *   res.status(200).json({ hello: 'world' });
 * });
 * ```
 */
export function withRateLimitApi(options: WithRateLimitApiOptions): ApiRateLimitWrapper {
  const { http, routes } = buildLimiter<NextApiRequest, NextApiResponse>(options);
  const trusted = http.readsForwardedFor;
  const signals = http.hasInFlightLimits;

  const wrap = function rateLimitApi<Req extends NextApiRequest, Res extends NextApiResponse>(handler: ApiHandler<Req, Res>) {
    return async function rateLimitedApiHandler(req: Req, res: Res): Promise<void> {
      const info = describeNode(req, routes, trusted);
      let onClose: (() => void) | undefined;
      if (signals) {
        // A request queued for an in-flight slot leaves the queue when its client goes away.
        const controller = new AbortController();
        onClose = () => controller.abort();
        res.once('close', onClose);
        info.signal = controller.signal;
      }
      let d: HttpDecision<NextApiResponse>;
      try {
        d = await http.decide(info);
      } finally {
        if (onClose !== undefined) res.off('close', onClose);
      }
      for (const [name, value] of d.headers) res.setHeader(name, value);
      if (d.action === 'refuse') return refuse(res, d);
      remember(req, d);
      const done = d.done;
      if (gone(res)) {
        // The client left while the limiter was deciding: no handler runs for nobody.
        done?.({ statusCode: res.statusCode, completed: false, res });
        return;
      }
      if (done !== undefined) settleOnEnd(res, done);
      if (d.delayMs > 0) {
        const controller = new AbortController();
        const onGone = () => controller.abort();
        res.once('close', onGone);
        const waited = await delay(d.delayMs, controller.signal);
        res.off('close', onGone);
        if (!waited || gone(res)) return; // a slowed-down request whose client left is not served
      }
      await handler(req, res);
    };
  };

  return Object.assign(wrap, {
    limiter: http.limiter,
    http,
    status: (req: NextApiRequest, endpoint?: string) => http.status(describeNode(req, routes, trusted), endpoint),
    inspector: (inspectorOptions: InspectorOptions) => apiInspector(() => http.limiter, inspectorOptions),
    close: () => http.close(),
  }) as ApiRateLimitWrapper;
}
