// Tokens over real HTTP: an estimate before the handler (identifyTokenUsage, reading the
// parsed body), the real count after the response (extractTokenUsage, reading the reply),
// charged or refunded; per route; and a failing extractTokenUsage keeping the estimate.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import type { LimitRateOptions, RateLimitInfo } from '../src/index.js';
import { EventLog, useHarness } from './helpers.js';

type Chat = { max_tokens: number; used?: number };

describe('tokens', () => {
  const h = useHarness();

  async function serve(options: Partial<LimitRateOptions> = {}) {
    const log = new EventLog();
    const app = await h.limited({
      onEvent: log.onEvent,
      identifyTokenUsage: (req) => (req.body as Chat | undefined)?.max_tokens,
      extractTokenUsage: (reply) => {
        const used = reply.getHeader('x-tokens-used');
        return used === undefined ? undefined : Number(used);
      },
      policies: { free: { endpoints: { 'POST|/api/chat': { rate: { maxPerMinute: 100, maxTokensPerMinute: 1000 } } } } },
      ...options,
    });
    const chat = async (req: FastifyRequest<{ Body: Chat }>, reply: FastifyReply) => {
      if (req.body.used !== undefined) void reply.header('x-tokens-used', String(req.body.used));
      return { rateLimit: req.rateLimit };
    };
    app.post('/api/chat', chat);
    app.post('/api/embed', { config: { limitrate: { endpoint: 'POST|/api/chat', extractTokenUsage: () => 1, identifyTokenUsage: () => 50 } } }, chat);
    const c = await h.listen(app);
    const tokensUsed = async () => (await app.limitrate.limiter.peek({ userId: '127.0.0.1', endpoint: 'POST|/api/chat' })).limits.find((l) => l.id === 'tokens:1m')?.used;
    return { c, log, tokensUsed };
  }
  const post = (body: Chat) => ({ method: 'POST', json: body });

  it('checks the estimate from the body, then charges or refunds the real count after the response', async () => {
    const { c, log, tokensUsed } = await serve();
    const first = await c.send<{ rateLimit: RateLimitInfo }>('/api/chat', post({ max_tokens: 400, used: 120 }));
    expect(first.status).toBe(200);
    expect(first.body.rateLimit.result?.tokens).toBe(400);
    const [refund] = await log.waitFor('usage_recorded');
    expect(refund).toMatchObject({ tokens: -280 });
    expect(await tokensUsed()).toBe(120);
    // Over the estimate: charged past the limit.
    await c.send('/api/chat', post({ max_tokens: 100, used: 950 }));
    await log.waitFor('usage_recorded', 2);
    expect(await tokensUsed()).toBe(1070);
    const refused = await c.send('/api/chat', post({ max_tokens: 1 }));
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ reason: 'token_limit_exceeded' });
  });

  it('keeps the estimate when extractTokenUsage returns nothing, or fails (reported as callback_error)', async () => {
    const { c, log, tokensUsed } = await serve({
      extractTokenUsage: (reply) => {
        if (reply.statusCode === 200) throw new Error('no usage');
        return undefined;
      },
    });
    await c.send('/api/chat', post({ max_tokens: 300 }));
    const [e] = await log.waitFor('callback_error');
    expect(e).toMatchObject({ callback: 'extractTokenUsage', fallback: 'kept the estimate' });
    expect(await tokensUsed()).toBe(300);
  });

  it('per route: identifyTokenUsage and extractTokenUsage of the route replace the plugin\'s', async () => {
    const { c, log, tokensUsed } = await serve();
    const r = await c.send<{ rateLimit: RateLimitInfo }>('/api/embed', post({ max_tokens: 900, used: 900 }));
    expect(r.body.rateLimit.result?.tokens).toBe(50);
    await log.waitFor('usage_recorded');
    expect(await tokensUsed()).toBe(1);
  });
});
