// The example's Hono app, the same on Cloudflare Workers and on Node.js: three plans keyed
// by API key, a tighter limit on the chat endpoint, and a quota endpoint. Counters live in
// Upstash when the UPSTASH_REDIS_REST_URL binding is set (shared by every isolate and
// every other app on the same database), else in the isolate's memory.
import { createStatusEndpoint, limitrate } from '@limitrate/hono';
import { Hono } from 'hono';

/** The Worker's bindings (wrangler.toml `[vars]`, `.dev.vars` and secrets). */
export interface Bindings {
  UPSTASH_REDIS_REST_URL?: string;
  UPSTASH_REDIS_REST_TOKEN?: string;
}

/** Plans by API key prefix: `pro_...` is pro, any other key or none is free. */
const planOf = (key: string | undefined): string => (key?.startsWith('pro_') ? 'pro' : 'free');

/** A new app with its own limiter (build one per isolate: at module scope). */
export function createApp() {
  const app = new Hono<{ Bindings: Bindings }>();

  // Options from the first request's context: on Workers, secrets arrive in c.env.
  const limiter = limitrate<{ Bindings: Bindings }>((c) => ({
    store: c.env.UPSTASH_REDIS_REST_URL ? { type: 'upstash', url: c.env.UPSTASH_REDIS_REST_URL, token: c.env.UPSTASH_REDIS_REST_TOKEN } : { type: 'memory' },
    // Callers with an API key are counted by key, the others by IP (CF-Connecting-IP on Workers).
    identifyUser: (c) => c.req.header('x-api-key') ?? c.req.header('cf-connecting-ip') ?? 'anonymous',
    identifyPlan: (c) => planOf(c.req.header('x-api-key')),
    policies: {
      free: {
        endpoints: { 'POST|/api/chat': { rate: { maxPerMinute: 3 } } },
        defaults: { rate: { maxPerMinute: 10 } },
      },
      pro: { rate: { maxPerMinute: 100 } },
    },
    upgradeHint: (plan) => (plan === 'free' ? 'Upgrade to Pro for 100 requests a minute' : undefined),
  }));

  app.use('/api/*', limiter);
  app.get('/api/hello', (c) => {
    const rl = c.get('rateLimit');
    return c.json({ hello: 'world', plan: rl.plan, remaining: rl.remaining });
  });
  app.post('/api/chat', (c) => c.json({ reply: 'Hi! (a model would answer here)' }));
  app.get('/quota', createStatusEndpoint(limiter, { endpoint: 'POST|/api/chat' }));
  app.get('/', (c) => c.text('LimitRate on Hono: try GET /api/hello, POST /api/chat and GET /quota'));
  return app;
}
