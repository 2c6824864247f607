// Token limits (identifyTokenUsage before, extractTokenUsage after the response, charging or
// refunding the difference) and cost caps (estimateCost on express.json() bodies, exact cents).
import { describe, expect, it } from 'vitest';
import type { Request, Response } from 'express';
import { as, byHeader, EventLog, EXPRESS_VERSIONS, useHarness, type EchoBody, type RateLimitJson } from './helpers.js';

interface ChatBody {
  prompt?: string;
  model?: string;
}

describe.each(EXPRESS_VERSIONS)('%s: tokens and cost', (_name, express) => {
  const h = useHarness(express);

  /** A chat handler that reports its real token use in res.locals.tokens (from the x-actual header). */
  const chat = (req: Request, res: Response) => {
    const actual = req.get('x-actual');
    if (actual !== undefined) res.locals.tokens = Number(actual);
    res.json({ rateLimit: req.rateLimit, path: req.originalUrl });
  };
  const tokensOf = (info: RateLimitJson | null | undefined, id = 'tokens:1m') => info?.result?.limits.find((l) => l.id === id)?.used;

  async function serve(options: Parameters<typeof h.limitrate>[0]) {
    const log = new EventLog();
    const lr = h.limitrate({ identifyUser: byHeader, onEvent: log.onEvent, ...options });
    const app = h.app();
    app.use(express.json());
    app.use(lr);
    app.post('/api/chat', chat);
    return { c: await h.listen(app), lr, log };
  }
  const post = (c: Awaited<ReturnType<typeof serve>>['c'], user: string, headers: Record<string, string> = {}, json: ChatBody = { prompt: 'hi' }) =>
    c.request<EchoBody>('/api/chat', { method: 'POST', headers: as(user, headers), json });

  it('checks the token count given by identifyTokenUsage before the request runs', async () => {
    const { c } = await serve({ identifyTokenUsage: (req) => Number(req.get('x-tokens')), policies: { free: { rate: { maxTokensPerMinute: 1000 } } } });
    const a = await post(c, 'u', { 'x-tokens': '600' });
    expect(a.status).toBe(200);
    expect(tokensOf(a.body.rateLimit)).toBe(600);
    expect(a.body.rateLimit?.result?.tokens).toBe(600);
    const b = await post(c, 'u', { 'x-tokens': '600' });
    expect(b.status).toBe(429);
    expect(b.body).toMatchObject({ ok: false, reason: 'token_limit_exceeded', used: 600, allowed: 1000 });
    expect(b.body).toMatchObject({ message: expect.stringMatching(/1,000 tokens per minute/) });
    // A smaller request still fits.
    expect((await post(c, 'u', { 'x-tokens': '400' })).status).toBe(200);
  });

  it('refunds the difference when extractTokenUsage reports fewer tokens: the next request sees the reconciled usage', async () => {
    const { c, log } = await serve({
      identifyTokenUsage: (req) => Number(req.get('x-tokens')),
      extractTokenUsage: (res) => res.locals.tokens as number | undefined,
      policies: { free: { rate: { maxTokensPerMinute: 1000 } } },
    });
    const first = await post(c, 'u', { 'x-tokens': '800', 'x-actual': '200' });
    expect(first.status).toBe(200);
    const [rec] = await log.waitFor('usage_recorded');
    expect(rec).toMatchObject({ tokens: -600, user: 'u', endpoint: 'POST|/api/chat', overLimit: false });
    // 800 + 700 would not fit; 200 + 700 does.
    const second = await post(c, 'u', { 'x-tokens': '700', 'x-actual': '700' });
    expect(second.status).toBe(200);
    expect(tokensOf(second.body.rateLimit)).toBe(900);
  });

  it('charges the difference when the response used more tokens, past the limit, and refuses the next request', async () => {
    const { c, log } = await serve({
      identifyTokenUsage: (req) => Number(req.get('x-tokens')),
      extractTokenUsage: (res) => res.locals.tokens as number | undefined,
      policies: { free: { rate: { maxTokensPerMinute: 1000 } } },
    });
    expect((await post(c, 'u', { 'x-tokens': '100', 'x-actual': '1500' })).status).toBe(200);
    const [rec] = await log.waitFor('usage_recorded');
    expect(rec).toMatchObject({ tokens: 1400, overLimit: true });
    const next = await post(c, 'u', { 'x-tokens': '1' });
    expect(next.status).toBe(429);
    expect(next.body).toMatchObject({ reason: 'token_limit_exceeded' });
  });

  it('charges the whole count after the response when nothing was known before (extractTokenUsage only)', async () => {
    const { c, log } = await serve({
      extractTokenUsage: (res) => res.locals.tokens as number | undefined,
      policies: { free: { rate: { maxTokensPerMinute: 1000 } } },
    });
    const probe = await post(c, 'u', { 'x-actual': '999' });
    expect(probe.status).toBe(200);
    expect(tokensOf(probe.body.rateLimit)).toBe(0);
    await log.waitFor('usage_recorded');
    const next = await post(c, 'u');
    expect(next.status).toBe(200);
    expect(tokensOf(next.body.rateLimit)).toBe(999);
    await log.waitFor('usage_recorded', 1);
    expect((await post(c, 'u', { 'x-actual': '1' })).status).toBe(200);
    await log.waitFor('usage_recorded', 2);
    expect((await post(c, 'u')).status).toBe(429);
  });

  it('async callbacks work the same', async () => {
    const { c, log } = await serve({
      identifyTokenUsage: async (req) => Number(req.get('x-tokens')),
      extractTokenUsage: async (res) => res.locals.tokens as number | undefined,
      policies: { free: { rate: { maxTokensPerHour: 100 } } },
    });
    expect((await post(c, 'u', { 'x-tokens': '90', 'x-actual': '10' })).status).toBe(200);
    await log.waitFor('usage_recorded');
    const r = await post(c, 'u', { 'x-tokens': '90' });
    expect(r.status).toBe(200);
    expect(tokensOf(r.body.rateLimit, 'tokens:1h')).toBe(100);
  });

  it('keeps the estimate when extractTokenUsage throws or returns nonsense, and reports it', async () => {
    const { c, log } = await serve({
      identifyTokenUsage: (req) => Number(req.get('x-tokens')),
      extractTokenUsage: (res) => {
        if (res.locals.tokens === -1) throw new Error('usage parse failed');
        return res.locals.tokens as number;
      },
      policies: { free: { rate: { maxTokensPerMinute: 1000 } } },
    });
    expect((await post(c, 'u', { 'x-tokens': '300', 'x-actual': '-1' })).status).toBe(200);
    const [e] = await log.waitFor('callback_error');
    expect(e).toMatchObject({ callback: 'extractTokenUsage', fallback: 'kept the estimate' });
    expect((await post(c, 'u', { 'x-tokens': '300', 'x-actual': 'NaN' })).status).toBe(200);
    await log.waitFor('callback_error', 2);
    const r = await post(c, 'u', { 'x-tokens': '0' });
    expect(tokensOf(r.body.rateLimit)).toBe(600);
    expect(log.of('usage_recorded')).toEqual([]);
  });

  it('checks without a count when identifyTokenUsage fails (throws, negative, not a number)', async () => {
    const { c, log } = await serve({
      identifyTokenUsage: (req) => {
        const t = req.get('x-tokens');
        if (t === 'throw') throw new Error('tokenizer crashed');
        return t === 'text' ? ('12' as unknown as number) : Number(t);
      },
      policies: { free: { rate: { maxTokensPerMinute: 10 } } },
    });
    for (const t of ['throw', '-5', 'text']) {
      const r = await post(c, 'u', { 'x-tokens': t });
      expect(r.status, t).toBe(200);
      expect(tokensOf(r.body.rateLimit), t).toBe(0);
    }
    const errors = await log.waitFor('callback_error', 3);
    expect(errors.map((e) => [e.callback, e.fallback])).toEqual(Array(3).fill(['identifyTokenUsage', 'checked token limits without a count']));
  });

  it('prices requests with estimateCost on express.json() bodies, in exact cents, up to the cap', async () => {
    const { c } = await serve({
      policies: {
        free: {
          cost: { hourlyCap: 0.3, estimateCost: (req: Request) => ((req.body as ChatBody).model === 'large' ? 0.2 : 0.1) },
        },
      },
    });
    const a = await post(c, 'u', {}, { prompt: 'x', model: 'small' });
    const b = await post(c, 'u', {}, { prompt: 'x', model: 'large' });
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.body.rateLimit?.result?.cost).toBe(0.1);
    // $0.10 + $0.20 reaches $0.30 exactly, without float noise.
    expect(b.body.rateLimit).toMatchObject({ used: 0.3, limit: 0.3, remaining: 0 });
    expect(b.headers.get('ratelimit-remaining')).toBe('0');
    const refused = await post(c, 'u', {}, { prompt: 'x', model: 'small' });
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ ok: false, reason: 'cost_exceeded', used: 0.3, allowed: 0.3, plan: 'free', endpoint: 'POST|/api/chat' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('rounds tiny costs up to the micro-dollar and enforces hourly and daily caps together', async () => {
    const { c } = await serve({
      policies: { free: { cost: { hourlyCap: 1, dailyCap: 0.000003, estimateCost: () => 0.0000001 } } },
    });
    const r = await post(c, 'u');
    expect(r.body.rateLimit?.result?.cost).toBe(0.000001);
    expect((await post(c, 'u')).status).toBe(200);
    expect((await post(c, 'u')).status).toBe(200);
    const refused = await post(c, 'u');
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ reason: 'cost_exceeded', used: 0.000003, allowed: 0.000003 });
    expect(refused.body).toMatchObject({ message: expect.stringMatching(/daily spending cap/) });
  });

  it('awaits an async estimateCost', async () => {
    const { c } = await serve({ policies: { free: { cost: { dailyCap: 1, estimateCost: async (req: Request) => ((req.body as ChatBody).prompt ?? '').length / 100 } } } });
    const r = await post(c, 'u', {}, { prompt: 'x'.repeat(60) });
    expect(r.body.rateLimit?.result?.cost).toBe(0.6);
    expect((await post(c, 'u', {}, { prompt: 'x'.repeat(50) })).status).toBe(429);
    expect((await post(c, 'u', {}, { prompt: 'x'.repeat(40) })).status).toBe(200);
  });

  it('contains a throwing estimateCost: allow (default) checks without a cost and reports it; block answers 503', async () => {
    const policies = { free: { cost: { dailyCap: 1, estimateCost: (req: Request) => ((req.body as ChatBody).prompt!.length > 3 ? 0.1 : Number.NaN) } } };
    const open = await serve({ policies });
    const r = await open.c.request<EchoBody>('/api/chat', { method: 'POST', headers: as('u'), json: {} });
    expect(r.status).toBe(200);
    expect(r.body.rateLimit?.result).toMatchObject({ degraded: true, cost: 0 });
    const [e] = await open.log.waitFor('callback_error');
    expect(e).toMatchObject({ callback: 'estimateCost', fallback: 'checked cost caps without a cost' });
    // A cost that is not a number is an error too.
    expect((await post(open.c, 'u', {}, { prompt: 'ab' })).status).toBe(200);
    const [, invalid] = await open.log.waitFor('callback_error', 2);
    expect(invalid!.error.code).toBe('ERR_LIMITRATE_INVALID_COST');

    const closed = await serve({ policies, onStoreError: 'block' });
    const refused = await closed.c.request('/api/chat', { method: 'POST', headers: as('u'), json: {} });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.body).toMatchObject({ ok: false, reason: 'store_unavailable', retry_after_seconds: 1 });
  });

  it('contains an estimateCost that reads a body no parser filled', async () => {
    const log = new EventLog();
    const lr = h.limitrate({ onEvent: log.onEvent, policies: { free: { cost: { dailyCap: 1, estimateCost: (req: Request) => (req.body as ChatBody).prompt!.length } } } });
    const app = h.app();
    app.use(lr); // no express.json(): req.body is undefined
    app.post('/api/chat', chat);
    const c = await h.listen(app);
    const r = await c.request('/api/chat', { method: 'POST', json: { prompt: 'hello' } });
    expect(r.status).toBe(200);
    const [e] = await log.waitFor('callback_error');
    expect(e.callback).toBe('estimateCost');
  });

  it('combines request, token and cost limits atomically: a refused request charges nothing', async () => {
    const { c, lr } = await serve({
      identifyTokenUsage: (req) => Number(req.get('x-tokens')),
      policies: { free: { rate: { maxPerMinute: 10, maxTokensPerMinute: 1000 }, cost: { hourlyCap: 0.05, estimateCost: () => 0.02 } } },
    });
    expect((await post(c, 'u', { 'x-tokens': '100' })).status).toBe(200);
    expect((await post(c, 'u', { 'x-tokens': '100' })).status).toBe(200);
    const refused = await post(c, 'u', { 'x-tokens': '100' });
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ reason: 'cost_exceeded' });
    const peek = await lr.limiter.peek({ userId: 'u', endpoint: 'POST|/api/chat' });
    expect(Object.fromEntries(peek.limits.map((l) => [l.id, l.used]))).toEqual({ 'rate:1m': 2, 'tokens:1m': 200, 'cost:1h': 0.04 });
  });
});
