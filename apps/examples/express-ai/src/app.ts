// The express-ai example: an OpenAI-style chat completions endpoint (simulated, no network)
// behind LimitRate. Each request is priced before it runs (prompt + max_tokens at the
// model's price) and checked against the plan's hourly and daily spending caps and its
// tokens per minute; after the model answers, the caps are settled at the actual usage.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express, type Request, type Response } from 'express';
import type { LimitRateEvent, LimitStatus, RateLimitStatus } from '@limitrate/core';
import { getRateLimitStatus, limitrate, type LimitRateMiddleware, type LimitRateOptions, type Policies } from '@limitrate/express';
import { formatEvent } from './log.js';
import { complete, estimateCost, estimateTokens, parseChatRequest, priceOf, PRICES, type Usage } from './models.js';

export const PLANS = ['free', 'pro', 'enterprise'] as const;
export type PlanName = (typeof PLANS)[number];

/** The chat endpoint, as the limiter names it. */
export const CHAT = 'POST|/v1/chat/completions';

const cost = (req: Request): number => estimateCost(req.body);

/**
 * The limits. The chat endpoint has a request rate, a token budget per minute and two
 * spending caps; every other endpoint only a request rate. Free and pro are refused at a
 * cap; enterprise caps are soft (served, and the overage logged for billing).
 */
export const policies: Policies<Request> = {
  free: {
    endpoints: {
      [CHAT]: { rate: { maxPerMinute: 20, maxTokensPerMinute: 20_000 }, cost: { estimateCost: cost, hourlyCap: 0.05, dailyCap: 0.2 } },
    },
    defaults: { rate: { maxPerMinute: 60 } },
  },
  pro: {
    endpoints: {
      [CHAT]: { rate: { maxPerMinute: 120, maxTokensPerMinute: 200_000 }, cost: { estimateCost: cost, hourlyCap: 2, dailyCap: 20 } },
    },
    defaults: { rate: { maxPerMinute: 600 } },
  },
  enterprise: {
    endpoints: {
      [CHAT]: {
        rate: { maxPerMinute: 1000, maxTokensPerMinute: 2_000_000 },
        cost: { estimateCost: cost, hourlyCap: 50, dailyCap: 500, actionOnExceed: 'allow-and-log' },
      },
    },
    defaults: { rate: { maxPerMinute: 3000 } },
  },
};

/** What a 429 suggests, by plan. */
export function upgradeHint(plan: string): string | undefined {
  if (plan === 'free') return 'Pro raises the caps to $2 an hour, $20 a day and 200,000 tokens a minute: https://example.com/pricing';
  if (plan === 'pro') return 'Enterprise caps are soft: overage is billed, not refused. Write to sales@example.com';
  return undefined;
}

/**
 * The caller, from `Authorization: Bearer sk-<plan>-<user>`. A demo convention: in a real
 * app, look the key up in your database. Without a valid key: the client IP, on free.
 */
export function callerOf(req: Request): { user: string; plan: PlanName; key: boolean } {
  const m = /^Bearer\s+sk-(free|pro|enterprise)-([A-Za-z0-9._-]{1,64})$/.exec(req.get('authorization') ?? '');
  if (m !== null) return { user: m[2]!, plan: m[1] as PlanName, key: true };
  return { user: `ip:${req.ip ?? req.socket.remoteAddress ?? 'unknown'}`, plan: 'free', key: false };
}

export interface ExampleOptions {
  /** Where the compact event log goes (default `console.log`); `false` for nowhere. */
  log?: ((line: string) => void) | false;
  /** Receives every limiter event. */
  onEvent?: (event: LimitRateEvent) => void;
  /** Extra limitrate() options, merged over the example's (a test clock, ...). */
  overrides?: Partial<LimitRateOptions>;
  /** The model's latency in ms (default 5 to 20). */
  modelDelayMs?: number;
}

const round = (usd: number): number => Math.round(usd * 1e6) / 1e6;
const find = (s: RateLimitStatus, id: string): LimitStatus | undefined => s.limits.find((l) => l.id === id);
const pair = (l: LimitStatus | undefined, cap: 'limit' | 'cap' = 'limit') => (l === undefined ? null : { used: l.kind === 'cost' ? round(l.used) : l.used, [cap]: l.limit, resets_in_seconds: l.resetInSeconds });

/**
 * The example app and its limiter (call `limiter.close()` when done).
 *
 * @example
 * ```ts
 * const { app } = createApp();
 * app.listen(3000);
 * // curl localhost:3000/v1/chat/completions -H 'authorization: Bearer sk-free-alice' -H 'content-type: application/json' \
 * //   -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hi"}],"max_tokens":200}'
 * ```
 */
export function createApp(options: ExampleOptions = {}): { app: Express; limiter: LimitRateMiddleware } {
  const { log = (line: string) => console.log(line), onEvent, overrides = {}, modelDelayMs } = options;

  const limiter = limitrate({
    policies,
    identifyUser: (req) => callerOf(req).user,
    identifyPlan: (req) => callerOf(req).plan,
    // Before the call: the most tokens the request can use (prompt + max_tokens)...
    identifyTokenUsage: (req) => (req.method === 'POST' ? estimateTokens(req.body) : undefined),
    // ...after it: what it used, as the model reported (the difference is refunded).
    extractTokenUsage: (res: Response) => (res.locals.usage as Usage | undefined)?.total_tokens ?? 0,
    upgradeHint,
    headers: 'both',
    onEvent: (event) => {
      if (log !== false && event.type !== 'allowed') log(`[limitrate] ${formatEvent(event)}`);
      onEvent?.(event);
    },
    ...overrides,
  });

  const app = express();
  app.disable('x-powered-by');
  // Parsed before the limiter, which prices the request from its body.
  app.use(express.json({ limit: '1mb' }));
  app.use(limiter);

  app.get('/v1/models', (_req, res) => {
    res.json({ object: 'list', data: Object.entries(PRICES).map(([id, p]) => ({ id, object: 'model', usd_per_1m_tokens: p })) });
  });

  /** Settles the spending caps at what the request really cost (the decision is on req.rateLimit). */
  const settle = async (req: Request, usd: number): Promise<void> => {
    const decision = req.rateLimit?.result;
    if (decision !== undefined) await limiter.limiter.record(decision, { cost: usd });
  };

  let seq = 0;
  app.post('/v1/chat/completions', async (req, res) => {
    const caller = callerOf(req);
    if (!caller.key) {
      await settle(req, 0);
      res.status(401).json({ error: { type: 'invalid_api_key', message: 'Send Authorization: Bearer sk-<plan>-<name>, for example sk-free-alice' } });
      return;
    }
    const body = parseChatRequest(req.body);
    if ('error' in body) {
      await settle(req, 0);
      res.status(400).json({ error: { type: 'invalid_request_error', message: body.error } });
      return;
    }
    const answer = await complete(body, modelDelayMs);
    const { usage } = answer;
    const estimated = estimateCost(req.body);
    const actual = priceOf(body.model, usage.prompt_tokens, usage.completion_tokens);
    // Tokens are settled by extractTokenUsage once the response is sent (from res.locals),
    // the spending caps here: the estimate is refunded down to the actual cost.
    res.locals.usage = usage;
    await settle(req, actual);
    res.json({
      id: `chatcmpl-sim-${++seq}`,
      object: 'chat.completion',
      model: body.model,
      choices: [{ index: 0, message: { role: 'assistant', content: answer.content }, finish_reason: answer.finish_reason }],
      usage,
      billing: { estimated_usd: round(estimated), actual_usd: round(actual), estimated_tokens: estimateTokens(req.body) },
    });
  });

  // The caller's budget on the chat endpoint, counting nothing.
  app.get('/v1/usage', async (req, res) => {
    const s = await getRateLimitStatus(limiter, req, CHAT);
    res.setHeader('Cache-Control', 'no-store');
    res.json({
      user: callerOf(req).user,
      plan: s.plan,
      requests_this_minute: pair(find(s, 'rate:1m')),
      tokens_this_minute: pair(find(s, 'tokens:1m')),
      usd_this_hour: pair(find(s, 'cost:1h'), 'cap'),
      usd_today: pair(find(s, 'cost:1d'), 'cap'),
    });
  });

  app.use((req, res) => {
    res.status(404).json({ error: { type: 'not_found', message: `No route for ${req.method} ${req.path}` } });
  });

  return { app, limiter };
}

/**
 * Starts an app on a port (0: any free port) and answers with the server and its URL.
 *
 * @example
 * ```ts
 * const { server, url } = await listen(createApp().app, 0);
 * ```
 */
export function listen(app: Express, port: number, host = '127.0.0.1'): Promise<{ server: Server; url: string }> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      resolve({ server, url: `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}` });
    });
  });
}
