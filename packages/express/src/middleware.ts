// limitrate(options): the Express middleware. It describes the request to core's
// HttpLimiter and writes the answer back: headers, req.rateLimit, a refusal, a delay, and
// the after-response work once the response finishes or the connection closes.
import { HttpLimiter, rateLimitInfo, type HttpDecision, type RateLimitInfo, type HttpLimiterOptions, type HttpRequestInfo, type InspectorOptions, type RateLimiter, type RateLimitStatus } from '@limitrate/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { createExpressInspector } from './inspector.js';
import { fullPath, templateOf } from './route.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by @limitrate/express. */
      rateLimit?: RateLimitInfo;
    }
  }
}

/** Options of `limitrate()`: the RateLimiter's and the shared HTTP layer's. */
export type LimitRateOptions = HttpLimiterOptions<Request, Response>;

/** The middleware, with handles on what it runs. */
export interface LimitRateMiddleware extends RequestHandler {
  /** The framework-free limiter (check, peek, record, reset, events). */
  readonly limiter: RateLimiter<Request>;
  /** The shared HTTP engine behind the middleware. */
  readonly http: HttpLimiter<Request, Response>;
  /** A user's quota for this request, counting nothing. */
  status(req: Request, endpoint?: string): Promise<RateLimitStatus>;
  /**
   * A GET (and HEAD) handler serving this limiter's analytics report as JSON, for
   * `npx limitrate dashboard --url <app>/limitrate --token <token>`. It answers 401 without
   * the token (`Authorization: Bearer <token>` or `X-LimitRate-Token`), 405 for other
   * methods, 400 for a bad query (`range`, `top`, `blocks`, `user`, `plan`, `endpoint`).
   * Needs `analytics: true` in the options, and a token of at least 8 characters: throws a
   * ConfigError otherwise. Mount it before the middleware, so that it is not limited itself.
   *
   * @example
   * ```ts
   * const lr = limitrate({ analytics: true, policies: { free: { rate: { maxPerMinute: 60 } } } });
   * app.get('/limitrate', lr.inspector({ token: process.env.LIMITRATE_INSPECTOR_TOKEN! }));
   * app.use(lr);
   * ```
   */
  inspector(options: InspectorOptions): RequestHandler;
  /** Deliver pending events and webhooks and close the store. */
  close(): Promise<void>;
}

/** The request as core's HTTP layer sees it. */
export function requestInfo(req: Request): HttpRequestInfo<Request> {
  return describe(req, true);
}

/** requestInfo, reading X-Forwarded-For only when the limiter may use it. */
function describe(req: Request, forwarded: boolean): HttpRequestInfo<Request> {
  const path = fullPath(req);
  return {
    method: req.method,
    path,
    route: templateOf(req, path),
    remoteAddress: req.socket?.remoteAddress,
    forwardedFor: forwarded ? req.headers['x-forwarded-for'] : undefined,
    raw: req,
  };
}

/** The client has gone: the connection closed before the response was sent. */
function gone(res: Response): boolean {
  return res.destroyed && !res.writableEnded;
}

function apply(d: HttpDecision<Response>, req: Request, res: Response, next: NextFunction): void {
  const headers = d.headers;
  for (let i = 0; i < headers.length; i++) res.setHeader(headers[i]![0], headers[i]![1]);
  req.rateLimit = rateLimitInfo(d);
  if (d.action === 'refuse') {
    res.status(d.status);
    res.setHeader('Content-Type', `${d.contentType ?? 'application/json'}; charset=utf-8`);
    res.end(JSON.stringify(d.body));
    return;
  }
  const done = d.done;
  if (gone(res)) {
    // The client left while the limiter was deciding: no handler runs for nobody, and the
    // after-response work (slot, skipFailedRequests, tokens) happens now.
    done?.({ statusCode: res.statusCode, completed: false, res });
    return;
  }
  if (done !== undefined) {
    let finished = false;
    res.once('finish', () => {
      finished = true;
      done({ statusCode: res.statusCode, completed: true, res });
    });
    res.once('close', () => {
      if (!finished) done({ statusCode: res.statusCode, completed: res.writableFinished, res });
    });
  }
  if (d.delayMs > 0) {
    // A slowed-down request whose client leaves during the delay is not served.
    setTimeout(() => {
      if (!gone(res)) next();
    }, d.delayMs);
  } else next();
}

/**
 * Rate limiting for Express 4 and 5.
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { limitrate } from '@limitrate/express';
 *
 * const app = express();
 * app.use(limitrate({
 *   identifyUser: (req) => req.get('x-api-key') ?? req.ip ?? 'anonymous',
 *   identifyPlan: (req) => (req.get('x-plan') === 'pro' ? 'pro' : 'free'),
 *   policies: {
 *     free: { endpoints: { 'POST|/api/chat': { rate: { maxPerMinute: 10 } } }, defaults: { rate: { maxPerMinute: 60 } } },
 *     pro: { rate: { maxPerMinute: 600 } },
 *   },
 * }));
 * ```
 */
export function limitrate(options: LimitRateOptions): LimitRateMiddleware {
  const http = new HttpLimiter<Request, Response>(options);
  const signals = http.hasInFlightLimits;
  const forwarded = http.readsForwardedFor;
  const middleware = function limitrateMiddleware(req: Request, res: Response, next: NextFunction): void {
    let d: HttpDecision<Response> | Promise<HttpDecision<Response>>;
    let onClose: (() => void) | undefined;
    try {
      const info = describe(req, forwarded);
      if (signals) {
        // A request queued for an in-flight slot leaves the queue when its client goes away.
        const controller = new AbortController();
        onClose = () => controller.abort();
        res.once('close', onClose);
        info.signal = controller.signal;
      }
      d = http.decide(info);
    } catch (error) {
      if (onClose !== undefined) res.off('close', onClose);
      next(error);
      return;
    }
    const settle = (x: HttpDecision<Response>) => {
      if (onClose !== undefined) res.off('close', onClose);
      apply(x, req, res, next);
    };
    if (d instanceof Promise) {
      d.then(settle, (error: unknown) => {
        if (onClose !== undefined) res.off('close', onClose);
        next(error);
      });
    } else settle(d);
  };
  return Object.assign(middleware, {
    limiter: http.limiter,
    http,
    status: (req: Request, endpoint?: string) => http.status(describe(req, forwarded), endpoint),
    inspector: (inspectorOptions: InspectorOptions) => createExpressInspector(http, inspectorOptions),
    close: () => http.close(),
  });
}
