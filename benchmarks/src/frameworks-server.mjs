// Child process of the frameworks benchmark: one minimal Fastify 5 or Hono 4 app (on
// @hono/node-server) with one rate-limiting variant, on 127.0.0.1 (a free port). It tells
// the parent its port over IPC and runs until the parent sends 'stop' (or disconnects), as
// http-server.mjs does for Express.
//
// Argument: JSON { variant, users: 'one' | 'many' } (see http-server.mjs for the scenarios).
import process from 'node:process';
import { setTimeout } from 'node:timers';
import { pathToFileURL } from 'node:url';

export const HUGE_LIMIT = 1e9;
const BODY = (id) => ({ id, name: 'Item', price: 9.99, tags: ['a', 'b'] });
const policies = { free: { rate: { maxPerMinute: HUGE_LIMIT } } };

/** Fastify: `register(app, users)` installs the variant on the app (nothing for bare). */
const fastifyVariants = {
  'fastify-bare': { label: 'Fastify 5, no rate limiting', bare: true, async register() {} },
  'fastify-limitrate': {
    label: 'LimitRate @limitrate/fastify (memory store, default headers)',
    async register(app, users) {
      const { limitrate } = await import('@limitrate/fastify');
      await app.register(limitrate, { policies, ...(users === 'many' ? { identifyUser: (req) => req.headers['x-user-id'] ?? 'anonymous' } : {}) });
    },
  },
  'fastify-limitrate-legacy': {
    label: "LimitRate @limitrate/fastify, headers: 'legacy' (the peer's three X-RateLimit-* headers)",
    async register(app, users) {
      const { limitrate } = await import('@limitrate/fastify');
      await app.register(limitrate, { policies, headers: 'legacy', ...(users === 'many' ? { identifyUser: (req) => req.headers['x-user-id'] ?? 'anonymous' } : {}) });
    },
  },
  'fastify-limitrate-analytics': {
    label: 'LimitRate @limitrate/fastify with analytics: true (what the dashboard reads: per-minute counts, busiest users, recent blocks, store health)',
    async register(app, users) {
      const { limitrate } = await import('@limitrate/fastify');
      await app.register(limitrate, { policies, analytics: true, ...(users === 'many' ? { identifyUser: (req) => req.headers['x-user-id'] ?? 'anonymous' } : {}) });
    },
  },
  'fastify-rate-limit': {
    label: '@fastify/rate-limit 11 (its memory store, default headers)',
    async register(app, users) {
      const { default: rateLimit } = await import('@fastify/rate-limit');
      await app.register(rateLimit, { max: HUGE_LIMIT, timeWindow: 60_000, ...(users === 'many' ? { keyGenerator: (req) => req.headers['x-user-id'] ?? 'anonymous' } : {}) });
    },
  },
};

/** Hono: `middleware(users)` returns the variant's middleware (undefined for bare). */
const honoVariants = {
  'hono-bare': { label: 'Hono 4 on @hono/node-server, no rate limiting', bare: true, async middleware() {} },
  'hono-limitrate': {
    label: 'LimitRate @limitrate/hono (memory store, default headers)',
    async middleware(users) {
      const { limitrate } = await import('@limitrate/hono');
      const { getConnInfo } = await import('@hono/node-server/conninfo');
      return limitrate({
        policies,
        getConnInfo,
        ...(users === 'many' ? { identifyUser: (c) => c.req.header('x-user-id') ?? 'anonymous' } : {}),
      });
    },
  },
  'hono-limitrate-legacy': {
    label: "LimitRate @limitrate/hono, headers: 'legacy' (three X-RateLimit-* headers)",
    async middleware(users) {
      const { limitrate } = await import('@limitrate/hono');
      const { getConnInfo } = await import('@hono/node-server/conninfo');
      return limitrate({
        policies,
        headers: 'legacy',
        getConnInfo,
        ...(users === 'many' ? { identifyUser: (c) => c.req.header('x-user-id') ?? 'anonymous' } : {}),
      });
    },
  },
  'hono-rate-limiter': {
    label: "hono-rate-limiter 0.5 (its memory store; standardHeaders 'draft-6')",
    async middleware(users) {
      const { rateLimiter } = await import('hono-rate-limiter');
      const { getConnInfo } = await import('@hono/node-server/conninfo');
      return rateLimiter({
        windowMs: 60_000,
        limit: HUGE_LIMIT,
        standardHeaders: 'draft-6',
        keyGenerator: users === 'many' ? (c) => c.req.header('x-user-id') ?? 'anonymous' : (c) => getConnInfo(c).remote.address ?? 'unknown',
      });
    },
  },
};

export const FRAMEWORK_VARIANTS = {
  ...Object.fromEntries(Object.entries(fastifyVariants).map(([k, v]) => [k, { ...v, framework: 'fastify' }])),
  ...Object.fromEntries(Object.entries(honoVariants).map(([k, v]) => [k, { ...v, framework: 'hono' }])),
};

/** Starts the variant's app on a free port; resolves to { port, close }. */
export async function startApp(variant, users) {
  const v = FRAMEWORK_VARIANTS[variant];
  if (v === undefined) throw new Error(`unknown variant ${variant}`);
  if (v.framework === 'fastify') {
    const { default: Fastify } = await import('fastify');
    const app = Fastify({ logger: false, keepAliveTimeout: 65_000 });
    await v.register(app, users);
    app.get('/api/items/:id', async (req) => BODY(req.params.id));
    await app.listen({ port: 0, host: '127.0.0.1' });
    return { port: app.server.address().port, close: () => app.close() };
  }
  const { Hono } = await import('hono');
  const { serve } = await import('@hono/node-server');
  const app = new Hono();
  const mw = await v.middleware(users);
  if (mw !== undefined) app.use('*', mw);
  app.get('/api/items/:id', (c) => c.json(BODY(c.req.param('id'))));
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
      server.keepAliveTimeout = 65_000;
      resolve({ port: info.port, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

async function main() {
  const { variant, users } = JSON.parse(process.argv[2]);
  const app = await startApp(variant, users);
  process.send({ type: 'ready', port: app.port, pid: process.pid });
  const stop = () => {
    app.close().then(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('message', (m) => {
    if (m === 'stop') stop();
    else if (m === 'cpu') process.send({ type: 'cpu', ...process.cpuUsage(), served: 0, middlewareMs: 0, middlewareCalls: 0 });
  });
  process.on('disconnect', stop);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
