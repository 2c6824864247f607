// The fastify-basic example: one Fastify app, three plans that meet their limits in three
// ways. Free is blocked (429), pro is slowed down (300 ms) and served, enterprise is served
// and the overage logged. The plan comes from `x-plan` (or `?plan=`), the user from
// `x-user-id` (or the client IP). Route config shows an unlimited health check and an
// export endpoint with limits of its own.
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { LimitRateEvent } from '@limitrate/core';
import { createStatusEndpoint, limitrate, type LimitRateOptions, type Policies } from '@limitrate/fastify';
import { eventLine } from './events.js';

/**
 * The limits. Each plan has a policy for the expensive endpoint (POST /api/chat) and
 * defaults for everything else; every limit is counted per user and, under the defaults,
 * per endpoint. A per-second limit catches bursts, a per-minute limit sustained load.
 */
export const policies: Policies<FastifyRequest> = {
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

/** POST /api/export's own limits (route config): a few exports an hour, whatever the plan's defaults say. */
export const exportPolicies: Policies<FastifyRequest> = {
  free: { rate: { maxPerHour: 2 } },
  pro: { rate: { maxPerHour: 20 } },
  enterprise: { rate: { maxPerHour: 200 } },
};

export interface ExampleOptions {
  /** Where event lines go (default `console.log`); `false` for nowhere. */
  log?: ((line: string) => void) | false;
  /** Receives every limiter event. */
  onEvent?: (event: LimitRateEvent) => void;
  /** Extra plugin options, merged over the example's (a test clock, dryRun, ...). */
  overrides?: Partial<LimitRateOptions>;
}

const ITEMS = [
  { id: 1, name: 'Widget', price: 9.99 },
  { id: 2, name: 'Gadget', price: 24.5 },
  { id: 3, name: 'Gizmo', price: 4.25 },
];

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

/** The caller's plan: `x-plan`, else `?plan=`, else free. An unknown plan gets the free limits (and an `unknown_plan` event). */
export function planOf(req: FastifyRequest): string {
  return (text(req.headers['x-plan']) ?? text((req.query as { plan?: unknown }).plan) ?? 'free').toLowerCase();
}

/** The caller: `x-user-id`, else the client IP. In a real app, take both from your authentication. */
export function userOf(req: FastifyRequest): string {
  return text(req.headers['x-user-id']) ?? `ip:${req.ip}`;
}

/**
 * The example app, ready to listen (`app.close()` closes the limiter too).
 *
 * @example
 * ```ts
 * const app = await buildApp();
 * await app.listen({ port: 3000 });
 * // curl -X POST localhost:3000/api/chat -H 'x-plan: free' -H 'x-user-id: alice' -H 'content-type: application/json' -d '{"message":"hi"}'
 * ```
 */
export async function buildApp(options: ExampleOptions = {}): Promise<FastifyInstance> {
  const { log = (line: string) => console.log(line), onEvent, overrides = {} } = options;
  const app = Fastify({ bodyLimit: 16 * 1024 });

  await app.register(limitrate, {
    policies,
    identifyUser: userOf,
    identifyPlan: planOf,
    // IETF RateLimit / RateLimit-Policy fields and X-RateLimit-*.
    headers: 'both',
    upgradeHint: (plan) => (plan === 'free' ? 'Upgrade to Pro: over the limit, requests are slowed down instead of refused.' : undefined),
    onEvent: (event) => {
      if (log !== false && event.type !== 'allowed') log(eventLine(event));
      onEvent?.(event);
    },
    ...overrides,
  });

  // Health checks are not limited.
  app.get('/health', { config: { limitrate: false } }, async () => ({ ok: true }));

  app.get('/api/items', async (req) => ({ items: ITEMS, plan: req.rateLimit?.plan, remaining: req.rateLimit?.remaining }));

  app.get<{ Params: { id: string } }>('/api/items/:id', async (req, reply) => {
    const item = ITEMS.find((i) => String(i.id) === req.params.id);
    if (item === undefined) return reply.code(404).send({ ok: false, error: `No item ${req.params.id}` });
    return item;
  });

  app.post<{ Body: { message?: string } }>('/api/chat', async (req) => {
    const message = text(req.body?.message) ?? '(nothing)';
    return { reply: `You said: ${message.slice(0, 200)}`, plan: req.rateLimit?.plan, remaining: req.rateLimit?.remaining };
  });

  // Limits of its own for this route (instead of the plan's defaults).
  app.post('/api/export', { config: { limitrate: { policies: exportPolicies } } }, async (req) => ({ queued: true, remaining: req.rateLimit?.remaining }));

  // The caller's quota on POST /api/chat, counting nothing (the quota route is not limited either).
  app.get('/api/quota', { config: { limitrate: false } }, createStatusEndpoint({ endpoint: 'POST|/api/chat' }));

  return app;
}
