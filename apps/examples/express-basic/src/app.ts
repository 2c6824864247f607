// The express-basic example: one Express app, three plans that meet their limits in three
// ways. Free is blocked (429), pro is slowed down (300 ms) and served, enterprise is served
// and the overage is logged. The plan comes from `x-plan` (or `?plan=`), the user from
// `x-user-id` (or the client IP).
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { rateLimitMessage, type LimitRateEvent } from '@limitrate/core';
import { createStatusEndpoint, limitrate, type LimitRateMiddleware, type LimitRateOptions, type Policies } from '@limitrate/express';
import { formatEvent } from './log.js';

/** The plans of the example. */
export const PLANS = ['free', 'pro', 'enterprise'] as const;
export type PlanName = (typeof PLANS)[number];

/**
 * The limits. Each plan has a policy for the expensive endpoint (POST /api/chat) and
 * defaults for everything else; every limit is counted per user and, under the defaults,
 * per endpoint. A per-second limit catches bursts, a per-minute limit sustained load.
 */
export const policies: Policies<Request> = {
  free: {
    endpoints: { 'POST|/api/chat': { rate: { maxPerMinute: 10 } } },
    defaults: { rate: { maxPerSecond: 5, maxPerMinute: 60 } },
  },
  pro: {
    endpoints: { 'POST|/api/chat': { rate: { maxPerSecond: 5, maxPerMinute: 100, actionOnExceed: 'slowdown', slowdownMs: 300 } } },
    defaults: { rate: { maxPerSecond: 20, maxPerMinute: 600, actionOnExceed: 'slowdown', slowdownMs: 300 } },
  },
  enterprise: {
    endpoints: { 'POST|/api/chat': { rate: { maxPerSecond: 20, maxPerMinute: 1000, actionOnExceed: 'allow-and-log' } } },
    defaults: { rate: { maxPerSecond: 50, maxPerMinute: 3000, actionOnExceed: 'allow-and-log' } },
  },
};

/** What happened to one request, once its response is out (for dashboards such as the demo's). */
export interface RequestRecord {
  /** When the request arrived (ms). */
  at: number;
  /** How long it took, slowdown included (ms). */
  ms: number;
  method: string;
  path: string;
  /** The endpoint as the limiter counted it: `GET|/api/items/:id`. */
  endpoint: string;
  user: string;
  plan: string;
  status: number;
  /** What the limiter did; `skip` for requests it does not look at (GET /health). */
  action: 'allow' | 'slowdown' | 'allow-and-log' | 'block' | 'skip';
  /** For anything but `allow`: why (`rate_limited`, ...). */
  reason?: string;
  /** The limit that decided (`rate:1s`, `rate:1m`). */
  rule?: string;
  /** The limiter's sentence about it ("Free plan allows 10 requests per minute on ..."). */
  message?: string;
  /** Seconds the client was told to wait (blocked requests). */
  retryAfter?: number;
}

export interface ExampleOptions {
  /** Where the compact event log goes (default `console.log`); `false` for nowhere. */
  log?: ((line: string) => void) | false;
  /** Log `allowed` events too (one per request; off by default). */
  logAllowed?: boolean;
  /** Receives every limiter event. */
  onEvent?: (event: LimitRateEvent) => void;
  /** Called once per finished request with what the limiter did. */
  onRequest?: (record: RequestRecord) => void;
  /** Extra limitrate() options, merged over the example's (a test clock, dryRun, a store, analytics options, ...). */
  overrides?: Partial<LimitRateOptions>;
  /**
   * Serve the limiter's analytics at GET /limitrate for `npx limitrate dashboard` (and turn
   * analytics on), behind this token. Off when not given.
   */
  inspectorToken?: string;
}

const ITEMS = [
  { id: 1, name: 'Widget', price: 9.99 },
  { id: 2, name: 'Gadget', price: 24.5 },
  { id: 3, name: 'Gizmo', price: 4.25 },
  { id: 4, name: 'Doohickey', price: 13 },
];

const one = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

/** The caller's plan: `x-plan` header, else `?plan=`, else free. Unknown plans get the free plan (and an `unknown_plan` event). */
export function planOf(req: Request): string {
  return (one(req.get('x-plan')) ?? one(req.query.plan) ?? 'free').toLowerCase();
}

/** The caller: `x-user-id`, else the client IP. In a real app, take both from your authentication. */
export function userOf(req: Request): string {
  return one(req.get('x-user-id')) ?? `ip:${req.ip ?? req.socket.remoteAddress ?? 'unknown'}`;
}

/** Reports each finished request to `onRequest` (registered before the limiter, so it sees refusals too). */
function recorder(onRequest: (record: RequestRecord) => void) {
  return function recordRequest(req: Request, res: Response, next: NextFunction): void {
    const at = Date.now();
    res.once('finish', () => {
      const info = req.rateLimit;
      const result = info?.result;
      const action: RequestRecord['action'] = result === undefined ? 'skip' : result.allowed ? result.action : 'block';
      const record: RequestRecord = {
        at,
        ms: Date.now() - at,
        method: req.method,
        path: req.originalUrl.split('?')[0] ?? '/',
        endpoint: info?.endpoint ?? `${req.method}|${req.path}`,
        user: info?.user ?? userOf(req),
        plan: info?.plan ?? planOf(req),
        status: res.statusCode,
        action,
      };
      if (result !== undefined && action !== 'allow' && action !== 'skip') {
        if (result.reason !== undefined) record.reason = result.reason;
        if (result.blockedBy !== undefined) record.rule = result.blockedBy.id;
        record.message = rateLimitMessage(result);
        if (action === 'block' && result.retryAfter !== undefined) record.retryAfter = result.retryAfter;
      }
      onRequest(record);
    });
    next();
  };
}

/**
 * The example app and its limiter (call `limiter.close()` when done).
 *
 * @example
 * ```ts
 * const { app, limiter } = createApp();
 * const server = app.listen(3000);
 * // curl -X POST localhost:3000/api/chat -H 'x-plan: free' -H 'x-user-id: alice'
 * ```
 */
export function createApp(options: ExampleOptions = {}): { app: Express; limiter: LimitRateMiddleware } {
  const { log = (line: string) => console.log(line), logAllowed = false, onEvent, onRequest, overrides = {}, inspectorToken } = options;

  const limiter = limitrate({
    policies,
    identifyUser: userOf,
    identifyPlan: planOf,
    // IETF RateLimit / RateLimit-Policy fields and X-RateLimit-*.
    headers: 'both',
    upgradeHint: (plan) => (plan === 'free' ? 'Upgrade to Pro: over the limit, requests are slowed down instead of refused.' : undefined),
    // Health checks are not limited.
    skip: (req) => req.path === '/health',
    onEvent: (event) => {
      if (log !== false && (event.type !== 'allowed' || logAllowed)) log(`[limitrate] ${formatEvent(event)}`);
      onEvent?.(event);
    },
    ...(inspectorToken !== undefined ? { analytics: true } : {}),
    ...overrides,
  });

  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '16kb' }));
  // The dashboard's data, before the limiter so that its polling is not limited (nor counted).
  if (inspectorToken !== undefined) app.get('/limitrate', limiter.inspector({ token: inspectorToken }));
  if (onRequest !== undefined) app.use(recorder(onRequest));
  app.use(limiter);

  app.get('/health', (_req, res) => {
    res.json({ ok: true });
  });

  app.get('/api/items', (req, res) => {
    res.json({ items: ITEMS, plan: req.rateLimit?.plan, remaining: req.rateLimit?.remaining });
  });

  app.get('/api/items/:id', (req, res) => {
    const item = ITEMS.find((i) => String(i.id) === req.params.id);
    if (item === undefined) {
      res.status(404).json({ ok: false, error: `No item ${req.params.id}` });
      return;
    }
    res.json(item);
  });

  app.post('/api/chat', (req, res) => {
    const message = one((req.body as { message?: unknown } | undefined)?.message) ?? '(nothing)';
    res.json({ reply: `You said: ${message.slice(0, 200)}`, plan: req.rateLimit?.plan, remaining: req.rateLimit?.remaining });
  });

  // The caller's quota on POST /api/chat, counting nothing (the quota request itself is
  // counted under the plan's defaults, like any other request).
  app.get('/api/quota', createStatusEndpoint(limiter, { endpoint: 'POST|/api/chat' }));

  app.use((req, res) => {
    res.status(404).json({ ok: false, error: `No route for ${req.method} ${req.path}` });
  });

  return { app, limiter };
}

/**
 * Starts an app on a port (0: any free port) and answers with the server and its URL.
 *
 * @example
 * ```ts
 * const { server, url } = await listen(createApp().app, 0, '127.0.0.1');
 * ```
 */
export function listen(app: Express, port: number, host = '127.0.0.1'): Promise<{ server: Server; url: string }> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      resolve({ server, url: `http://${shown}:${address.port}` });
    });
  });
}
