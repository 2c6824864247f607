// Quota status for frontends ("47 of 100 left"): a handler and a function that report a
// user's limits without counting anything, in LimitRate v3's shape (used, limit,
// remaining, resetIn, plan, percentage) plus every limit.
import { canonicalEndpoint, escapeKeyPart, type RateLimitStatus, type Store } from '@limitrate/core';
import type { Request, RequestHandler, Response } from 'express';
import type { LimitRateMiddleware } from './middleware.js';

/** LimitRate v3's options: one fixed-window limit per plan, read straight from a store. */
export interface V3StatusOptions {
  store: Store;
  identifyUser: (req: Request) => string;
  identifyPlan: (req: Request) => string;
  getLimit: (plan: string) => number;
  windowSeconds: number;
  endpoint?: string;
}

/** LimitRate v3's getRateLimitStatus arguments. */
export interface V3StatusQuery {
  user: string;
  plan: string;
  endpoint: string;
  store: Store;
  limit: number;
  windowSeconds: number;
}

const isMiddleware = (v: unknown): v is LimitRateMiddleware => typeof v === 'function' && 'http' in v && 'limiter' in v;

/** Reads a v3-style fixed-window limit: the same key the limiter uses for `maxPer*` of that window. */
async function v3Status(q: V3StatusQuery): Promise<RateLimitStatus> {
  const windowMs = Math.round(q.windowSeconds * 1000);
  const ep = canonicalEndpoint(q.endpoint, undefined);
  const bar = ep.key.indexOf('|');
  const scope = `${escapeKeyPart(ep.key.slice(0, bar))}|${escapeKeyPart(ep.key.slice(bar + 1))}`;
  const key = `${escapeKeyPart(q.user)}:${scope}:r:fw:${windowMs}`;
  const r = await q.store.consume([{ key, algorithm: 'fixed-window', limit: q.limit, windowMs, cost: 0 }], { mode: 'peek' });
  const o = r.limits[0]!;
  return {
    used: o.used,
    limit: q.limit,
    remaining: o.remaining,
    resetIn: Math.ceil(o.resetMs / 1000),
    plan: q.plan,
    percentage: q.limit > 0 ? Math.min(100, Math.round((o.used / q.limit) * 100)) : 0,
    endpoint: ep.key,
    limits: [],
  };
}

/**
 * A user's quota, counting nothing. Pass the middleware and the request (or, as in
 * LimitRate v3, `{ user, plan, endpoint, store, limit, windowSeconds }`).
 *
 * @example
 * ```ts
 * const limiter = limitrate(options);
 * app.get('/api/quota', async (req, res) => res.json(await getRateLimitStatus(limiter, req, 'POST|/api/chat')));
 * ```
 */
export function getRateLimitStatus(limiter: LimitRateMiddleware, req: Request, endpoint?: string): Promise<RateLimitStatus>;
export function getRateLimitStatus(query: V3StatusQuery): Promise<RateLimitStatus>;
export function getRateLimitStatus(a: LimitRateMiddleware | V3StatusQuery, req?: Request, endpoint?: string): Promise<RateLimitStatus> {
  if (isMiddleware(a)) return a.status(req!, endpoint);
  return v3Status(a);
}

/**
 * A GET handler that answers with the caller's quota as JSON (for the endpoint given, or
 * the one requested). Errors answer 500 without detail.
 *
 * @example
 * ```ts
 * app.get('/api/quota', createStatusEndpoint(limiter, { endpoint: 'POST|/api/chat' }));
 * ```
 */
export function createStatusEndpoint(limiter: LimitRateMiddleware, options?: { endpoint?: string }): RequestHandler;
export function createStatusEndpoint(options: V3StatusOptions): RequestHandler;
export function createStatusEndpoint(a: LimitRateMiddleware | V3StatusOptions, options: { endpoint?: string } = {}): RequestHandler {
  return function statusEndpoint(req: Request, res: Response): void {
    const status = isMiddleware(a)
      ? a.status(req, options.endpoint)
      : (async () => {
          const plan = a.identifyPlan(req);
          return v3Status({ user: a.identifyUser(req), plan, endpoint: a.endpoint ?? `${req.method}|${req.path}`, store: a.store, limit: a.getLimit(plan), windowSeconds: a.windowSeconds });
        })();
    status.then(
      (s) => {
        res.setHeader('Cache-Control', 'no-store');
        res.json(s);
      },
      () => {
        res.status(500).json({ ok: false, error: 'Failed to get the rate limit status' });
      },
    );
  };
}
