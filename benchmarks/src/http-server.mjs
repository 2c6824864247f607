// Child process of the HTTP benchmark: one minimal Express 5 app with one rate-limiting
// variant, on 127.0.0.1 (a free port). It tells the parent its port over IPC and runs until
// the parent sends 'stop' (or disconnects). The load generator runs in the parent, so the
// server has its event loop to itself.
//
// Argument: JSON { variant, users: 'one' | 'many' }.
// - `one`: every request counts against one key, the client's IP (each library's default).
// - `many`: the key is the `x-user-id` request header (LimitRate `identifyUser`,
//   express-rate-limit `keyGenerator`); the load generator rotates it over N values.
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { setTimeout } from 'node:timers';
import { pathToFileURL } from 'node:url';

/** The limit given to every variant: never reached during a run. */
export const HUGE_LIMIT = 1e9;
export const ROUTE = '/api/items/:id';

/** The user a request claims (the same function for every library). */
const userOf = (req) => {
  const v = req.headers['x-user-id'];
  return typeof v === 'string' ? v : 'anonymous';
};

/**
 * The variants. `middleware(users)` returns the Express middleware to `app.use()` before the
 * route, or undefined for none.
 */
export const VARIANTS = {
  bare: {
    label: 'Express 5, no rate limiting',
    async middleware() {
      return undefined;
    },
  },
  'express-rate-limit': {
    label: "express-rate-limit 8 (memory store; standardHeaders 'draft-7', legacyHeaders true)",
    async middleware(users) {
      const { rateLimit } = await import('express-rate-limit');
      return rateLimit({
        windowMs: 60_000,
        limit: HUGE_LIMIT,
        standardHeaders: 'draft-7',
        legacyHeaders: true,
        ...(users === 'many' ? { keyGenerator: userOf } : {}),
      });
    },
  },
  limitrate: {
    label: 'LimitRate @limitrate/express (memory store, default headers)',
    async middleware(users) {
      const { limitrate } = await import('@limitrate/express');
      return limitrate({
        policies: { free: { rate: { maxPerMinute: HUGE_LIMIT } } },
        ...(users === 'many' ? { identifyUser: userOf } : {}),
      });
    },
  },
  // Two floors: what
  // any middleware costs (an empty one), and one that only sets LimitRate's six default
  // headers (LimitRate v3's set) with fixed values, limiting nothing.
  noop: {
    label: 'an empty middleware (next() only): the floor of any limiter',
    floor: true,
    async middleware() {
      return (_req, _res, next) => next();
    },
  },
  'headers-only': {
    label: "a middleware that only sets LimitRate's six default headers, with fixed values (no limiting)",
    floor: true,
    async middleware() {
      return (_req, res, next) => {
        res.setHeader('RateLimit-Limit', '1000000000');
        res.setHeader('RateLimit-Remaining', '999999999');
        res.setHeader('RateLimit-Reset', '60');
        res.setHeader('X-RateLimit-Limit', '1000000000');
        res.setHeader('X-RateLimit-Remaining', '999999999');
        res.setHeader('X-RateLimit-Reset', '1795752241');
        next();
      };
    },
  },
  'limitrate-draft': {
    label: "LimitRate @limitrate/express (memory store, headers 'draft': the IETF RateLimit-Policy and RateLimit fields only)",
    async middleware(users) {
      const { limitrate } = await import('@limitrate/express');
      return limitrate({
        policies: { free: { rate: { maxPerMinute: HUGE_LIMIT } } },
        headers: 'draft',
        ...(users === 'many' ? { identifyUser: userOf } : {}),
      });
    },
  },
  // Optional variants (not in the default run; pass --variants=...): the header sets lined
  // up the other way round.
  'express-rate-limit-draft6': {
    label: "express-rate-limit 8 (memory store; standardHeaders 'draft-6', legacyHeaders true: LimitRate's six header names plus RateLimit-Policy)",
    optional: true,
    async middleware(users) {
      const { rateLimit } = await import('express-rate-limit');
      return rateLimit({
        windowMs: 60_000,
        limit: HUGE_LIMIT,
        standardHeaders: 'draft-6',
        legacyHeaders: true,
        ...(users === 'many' ? { keyGenerator: userOf } : {}),
      });
    },
  },
  'limitrate-both': {
    label: "LimitRate @limitrate/express (memory store, headers 'both': the same five header names as express-rate-limit draft-7 + legacy)",
    optional: true,
    async middleware(users) {
      const { limitrate } = await import('@limitrate/express');
      return limitrate({
        policies: { free: { rate: { maxPerMinute: HUGE_LIMIT } } },
        headers: 'both',
        ...(users === 'many' ? { identifyUser: userOf } : {}),
      });
    },
  },
};

/** Requests the route answered (reported with the CPU time, so a profile can be read per request). */
let served = 0;
/**
 * Time spent in the variant's middleware, from its call to its next() (every decision here
 * is synchronous), and the calls timed. Far less noisy than req/s on a shared machine: it is
 * the limiter's own cost, under load, whatever CPU share the server gets. The `noop`
 * variant measures what the timing itself adds.
 */
let middlewareMs = 0;
let middlewareCalls = 0;

/** The app: one JSON route behind the variant's middleware. */
export async function createApp(variant, users) {
  const v = VARIANTS[variant];
  if (v === undefined) throw new Error(`unknown variant ${variant}`);
  const { default: express } = await import('express');
  const app = express();
  const mw = await v.middleware(users);
  if (mw !== undefined) {
    app.use(function timed(req, res, next) {
      const t0 = performance.now();
      mw(req, res, (err) => {
        middlewareMs += performance.now() - t0;
        middlewareCalls++;
        next(err);
      });
    });
  }
  app.get(ROUTE, (req, res) => {
    served++;
    res.json({ id: req.params.id, name: 'Item', price: 9.99, tags: ['a', 'b'] });
  });
  return app;
}

async function main() {
  const { variant, users } = JSON.parse(process.argv[2]);
  const app = await createApp(variant, users);
  const server = app.listen(0, '127.0.0.1', () => {
    process.send({ type: 'ready', port: server.address().port, pid: process.pid });
  });
  server.keepAliveTimeout = 65_000;
  const stop = () => {
    server.closeAllConnections?.();
    server.close(() => process.exit(0));
    // --cpu-prof writes its profile at a normal exit: leave by exit(), never by a signal.
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('message', (m) => {
    if (m === 'stop') stop();
    else if (m === 'cpu') process.send({ type: 'cpu', ...process.cpuUsage(), served, middlewareMs, middlewareCalls });
  });
  process.on('disconnect', stop);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
