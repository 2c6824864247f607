// The actions (slowdown, allow-and-log), dry run, skip, and the after-response work read
// from `c.res` once the handlers are done: skipSuccessfulRequests / skipFailedRequests and
// token reconciliation with extractTokenUsage(res, c) (from a response header or a context
// variable the handler set).
import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { describe, expect, it, vi } from 'vitest';
import { as, byHeader, echo, EventLog, rateLimitHeaderNames, read, useHarness, type EchoBody } from './helpers.js';

declare module 'hono' {
  interface ContextVariableMap {
    /** Set by the chat handler of these tests: the tokens it really used. */
    tokensUsed?: number;
  }
}

/** Answers with the status in x-status (default 200). */
const status = (c: Context) => c.json({ rateLimit: c.get('rateLimit') }, Number(c.req.header('x-status') ?? 200) as ContentfulStatusCode);

describe('actions and outcomes', () => {
  const h = useHarness();

  function serve(options: Parameters<typeof h.limitrate>[0]) {
    const log = new EventLog();
    const app = new Hono();
    app.onError((err, c) => c.json({ error: err.message }, 500));
    app.use('*', h.limitrate({ identifyUser: byHeader, onEvent: log.onEvent, ...options }));
    app.get('/x', status);
    app.get('/boom', () => {
      throw new Error('handler bug');
    });
    return { app, log, get: (path: string, user: string, headers: Record<string, string> = {}) => app.request(path, { headers: as(user, headers) }) };
  }

  it('slowdown: past its limit a request waits slowdownMs, then is served (a later request overtakes it)', async () => {
    const served: string[] = [];
    const log = new EventLog();
    const app = new Hono();
    app.use('*', h.limitrate({ identifyUser: byHeader, onEvent: log.onEvent, policies: { free: { rate: { maxPerMinute: 1, actionOnExceed: 'slowdown', slowdownMs: 1000 } } } }));
    app.get('/x', (c) => {
      served.push(byHeader(c));
      return echo(c);
    });
    const c = await h.listen(app);
    expect((await c.get('/x', as('slow'))).status).toBe(200);
    const slowed = c.echo('/x', as('slow'));
    const [e] = await log.waitFor('slowdown_applied');
    expect(e).toMatchObject({ user: 'slow', value: 1000 });
    // Sent after the slowed request was decided, served before it.
    expect((await c.get('/x', as('other'))).status).toBe(200);
    const r = await slowed;
    expect(r.status).toBe(200);
    expect(r.body.rateLimit?.result).toMatchObject({ action: 'slowdown', slowdownMs: 1000 });
    expect(served).toEqual(['slow', 'other', 'slow']);
  });

  it('slowdown: a client that leaves during the delay is not served', async () => {
    let served = 0;
    const log = new EventLog();
    const app = new Hono();
    app.use('*', h.limitrate({ identifyUser: byHeader, onEvent: log.onEvent, skipFailedRequests: true, policies: { free: { rate: { maxPerMinute: 1, actionOnExceed: 'slowdown', slowdownMs: 1000 } } } }));
    app.get('/x', (c) => {
      served++;
      return c.text('ok');
    });
    const c = await h.listen(app);
    await c.get('/x', as('u'));
    const controller = new AbortController();
    const pending = c.request('/x', { headers: as('u'), signal: controller.signal }).catch(() => 'aborted');
    await log.waitFor('slowdown_applied');
    controller.abort();
    expect(await pending).toBe('aborted');
    // skipFailedRequests gives the abandoned request back: the after-response work ran.
    await log.waitFor('usage_recorded');
    expect(served).toBe(1);
  });

  it('allow-and-log: serves past the limit and emits rate_exceeded', async () => {
    const { get, log } = serve({ policies: { free: { rate: { maxPerMinute: 1, actionOnExceed: 'allow-and-log' } } } });
    expect([(await get('/x', 'u')).status, (await get('/x', 'u')).status]).toEqual([200, 200]);
    const [e] = await log.waitFor('rate_exceeded');
    expect(e).toMatchObject({ user: 'u', action: 'allow-and-log' });
  });

  it('dryRun: never refuses or slows, reports what it would have done to dryRunLogger', async () => {
    const logged: unknown[] = [];
    const { get } = serve({ dryRun: true, dryRunLogger: (e) => void logged.push(e), policies: { free: { rate: { maxPerMinute: 1 } } } });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await get('/x', 'u')).status);
    expect(statuses).toEqual([200, 200, 200]);
    const last = await read<EchoBody>(await get('/x', 'u'));
    expect(last.body.rateLimit?.result).toMatchObject({ allowed: true, dryRun: true });
    await vi.waitFor(() => expect(logged).toHaveLength(3));
    expect(logged[0]).toMatchObject({ user: 'u', reason: 'rate_exceeded', action: 'block' });
  });

  it('skip (sync or async): skipped requests are neither limited nor counted, and get no headers', async () => {
    const { app } = serve({ skip: async (c) => c.req.header('x-internal') === '1', policies: { free: { rate: { maxPerMinute: 1 } } } });
    for (let i = 0; i < 3; i++) {
      const r = await read<EchoBody>(await app.request('/x', { headers: as('u', { 'x-internal': '1' }) }));
      expect(r.status).toBe(200);
      expect(rateLimitHeaderNames(r.headers)).toEqual([]);
      expect(r.body.rateLimit?.result).toBeUndefined();
    }
    expect((await app.request('/x', { headers: as('u') })).status).toBe(200);
    expect((await app.request('/x', { headers: as('u') })).status).toBe(429);
  });

  it('skipSuccessfulRequests: responses under 400 are given back once the handler answered; failures count', async () => {
    const { get, log } = serve({ skipSuccessfulRequests: true, policies: { free: { rate: { maxPerMinute: 2 } } } });
    for (let i = 1; i <= 3; i++) {
      expect((await get('/x', 'u')).status).toBe(200);
      await log.waitFor('usage_recorded', i);
    }
    expect((await get('/x', 'u', { 'x-status': '302' })).status).toBe(302);
    await log.waitFor('usage_recorded', 4);
    expect((await get('/x', 'u', { 'x-status': '400' })).status).toBe(400);
    expect((await get('/x', 'u', { 'x-status': '500' })).status).toBe(500);
    expect((await get('/x', 'u')).status).toBe(429);
  });

  it("skipFailedRequests: 4xx/5xx, a handler error (through Hono's error handler) and a 404 are given back", async () => {
    const { get, log } = serve({ skipFailedRequests: true, policies: { free: { rate: { maxPerMinute: 2 } } } });
    let given = 0;
    for (const s of ['500', '404']) {
      expect((await get('/x', 'u', { 'x-status': s })).status).toBe(Number(s));
      await log.waitFor('usage_recorded', ++given);
    }
    expect((await get('/boom', 'u')).status).toBe(500);
    await log.waitFor('usage_recorded', ++given);
    expect((await get('/nowhere', 'u')).status).toBe(404);
    await log.waitFor('usage_recorded', ++given);
    expect([(await get('/x', 'u')).status, (await get('/x', 'u')).status, (await get('/x', 'u')).status]).toEqual([200, 200, 429]);
  });

  describe('tokens', () => {
    function chat(extract: (res: Response, c: Context) => number | undefined) {
      const log = new EventLog();
      const app = new Hono();
      app.use('*', h.limitrate({ identifyUser: byHeader, onEvent: log.onEvent, identifyTokenUsage: (c) => Number(c.req.header('x-tokens')), extractTokenUsage: extract, policies: { free: { rate: { maxTokensPerMinute: 1000 } } } }));
      app.post('/api/chat', (c) => {
        const actual = c.req.header('x-actual');
        if (actual !== undefined) {
          c.set('tokensUsed', Number(actual));
          c.header('x-tokens-used', actual);
        }
        return echo(c);
      });
      const post = (user: string, tokens: number, actual?: number) =>
        app.request('/api/chat', { method: 'POST', headers: as(user, { 'x-tokens': String(tokens), ...(actual === undefined ? {} : { 'x-actual': String(actual) }) }) });
      return { post, log };
    }

    it.each([
      ['a response header (res)', (res: Response) => Number(res.headers.get('x-tokens-used') ?? NaN) || undefined],
      ['a variable the handler set (c)', (_res: Response, c: Context) => c.get('tokensUsed')],
    ])('refunds the difference reported by extractTokenUsage from %s', async (_from, extract) => {
      const { post, log } = chat(extract);
      expect((await post('u', 800, 200)).status).toBe(200);
      const [rec] = await log.waitFor('usage_recorded');
      expect(rec).toMatchObject({ tokens: -600, user: 'u', endpoint: 'POST|/api/chat' });
      // 200 used: 700 more fits, which would not have on the estimate of 800.
      expect((await post('u', 700, 700)).status).toBe(200);
      const refused = await read(await post('u', 200));
      expect(refused.status).toBe(429);
      expect(refused.body).toMatchObject({ reason: 'token_limit_exceeded', used: 900, allowed: 1000 });
    });

    it('charges more when the response used more tokens than estimated', async () => {
      const { post, log } = chat((res) => Number(res.headers.get('x-tokens-used')));
      expect((await post('u', 100, 900)).status).toBe(200);
      const [rec] = await log.waitFor('usage_recorded');
      expect(rec).toMatchObject({ tokens: 800 });
      expect((await post('u', 200)).status).toBe(429);
    });
  });
});
