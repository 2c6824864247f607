// skip (sync, async), and not counting requests by how they ended: skipSuccessfulRequests,
// skipFailedRequests (a 4xx/5xx, a handler error and an aborted request count as failed).
import type { Request, Response } from 'express';
import { describe, expect, it, vi } from 'vitest';
import { as, byHeader, deferred, echo, EventLog, EXPRESS_VERSIONS, rateLimitHeaderNames, useHarness } from './helpers.js';

describe.each(EXPRESS_VERSIONS)('%s: skip and outcomes', (_name, express) => {
  const h = useHarness(express);

  /** Answers with the status in x-status (default 200). */
  const status = (req: Request, res: Response) => {
    res.status(Number(req.get('x-status') ?? 200)).json({ rateLimit: req.rateLimit ?? null });
  };

  it('skip (sync): skipped requests are not limited, not counted and get no headers', async () => {
    const lr = h.limitrate({ skip: (req) => req.get('x-internal') === '1', policies: { free: { rate: { maxPerMinute: 1 } } } });
    const app = h.app();
    app.use(lr);
    app.get('/x', echo);
    const c = await h.listen(app);
    for (let i = 0; i < 3; i++) {
      const r = await c.echo('/x', { 'x-internal': '1' });
      expect(r.status).toBe(200);
      expect(rateLimitHeaderNames(r.headers)).toEqual([]);
      expect(r.body.rateLimit?.result).toBeUndefined();
    }
    expect(await c.statuses('/x', 2)).toEqual([200, 429]);
    expect((await c.get('/x', { 'x-internal': '1' })).status).toBe(200);
  });

  it('skip (async) is awaited', async () => {
    const lr = h.limitrate({ skip: async (req) => req.path === '/health', policies: { free: { rate: { maxPerMinute: 1 } } } });
    const app = h.app();
    app.use(lr);
    app.get('/health', echo);
    app.get('/x', echo);
    const c = await h.listen(app);
    expect(await c.statuses('/health', 3)).toEqual([200, 200, 200]);
    expect(await c.statuses('/x', 2)).toEqual([200, 429]);
  });

  it('skipSuccessfulRequests: 2xx/3xx responses are given back; failures count', async () => {
    const log = new EventLog();
    const lr = h.limitrate({ identifyUser: byHeader, onEvent: log.onEvent, skipSuccessfulRequests: true, policies: { free: { rate: { maxPerMinute: 2 } } } });
    const app = h.app();
    app.use(lr);
    app.get('/x', status);
    const c = await h.listen(app);
    let given = 0;
    for (let i = 0; i < 4; i++) {
      expect((await c.get('/x', as('u'))).status).toBe(200);
      await log.waitFor('usage_recorded', ++given);
    }
    expect((await c.get('/x', as('u', { 'x-status': '302' }))).status).toBe(302);
    await log.waitFor('usage_recorded', ++given);
    expect((await c.get('/x', as('u', { 'x-status': '400' }))).status).toBe(400);
    expect((await c.get('/x', as('u', { 'x-status': '500' }))).status).toBe(500);
    expect((await c.get('/x', as('u'))).status).toBe(429);
    expect(log.of('usage_recorded')).toHaveLength(given);
  });

  it('skipFailedRequests: 4xx and 5xx responses and handler errors are given back; successes count', async () => {
    const log = new EventLog();
    const lr = h.limitrate({ identifyUser: byHeader, onEvent: log.onEvent, skipFailedRequests: true, policies: { free: { rate: { maxPerMinute: 2 } } } });
    const app = h.app();
    app.use(lr);
    app.get('/x', status);
    app.get('/boom', () => {
      throw new Error('handler bug');
    });
    const c = await h.listen(app);
    let given = 0;
    for (const s of ['500', '503', '404', '400']) {
      expect((await c.get('/x', as('u', { 'x-status': s }))).status).toBe(Number(s));
      await log.waitFor('usage_recorded', ++given);
    }
    expect((await c.get('/boom', as('u'))).status).toBe(500);
    await log.waitFor('usage_recorded', ++given);
    // A 404 of an unknown route is a failure too.
    expect((await c.get('/nowhere', as('u'))).status).toBe(404);
    await log.waitFor('usage_recorded', ++given);
    expect(await c.statuses('/x', 3, { headers: as('u') })).toEqual([200, 200, 429]);
  });

  it('skipFailedRequests: a request whose client aborted counts as failed and is given back', async () => {
    const log = new EventLog();
    const hold = deferred();
    const entered = deferred();
    const lr = h.limitrate({ onEvent: log.onEvent, skipFailedRequests: true, policies: { free: { endpoints: { 'GET|/stream': { rate: { maxPerMinute: 1 } } } } } });
    const app = h.app();
    app.use(lr);
    app.get('/stream', (req, res) => {
      if (req.get('x-quick') === '1') {
        res.json({ ok: true });
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial ');
      entered.resolve();
      void hold.promise.then(() => res.end('done'));
    });
    const c = await h.listen(app);
    const controller = new AbortController();
    const res = await fetch(c.url('/stream'), { signal: controller.signal });
    expect(res.status).toBe(200);
    await entered.promise;
    await res.body!.getReader().read();
    controller.abort();
    const [rec] = await log.waitFor('usage_recorded');
    expect(rec).toMatchObject({ endpoint: 'GET|/stream' });
    hold.resolve();
    // The aborted request was given back: the one allowed request is still there.
    expect((await c.get('/stream', { 'x-quick': '1' })).status).toBe(200);
    expect((await c.get('/stream', { 'x-quick': '1' })).status).toBe(429);
  });

  it('skipSuccessfulRequests and skipFailedRequests together count nothing that got through', async () => {
    const log = new EventLog();
    const lr = h.limitrate({ onEvent: log.onEvent, skipSuccessfulRequests: true, skipFailedRequests: true, policies: { free: { rate: { maxPerMinute: 1 } } } });
    const app = h.app();
    app.use(lr);
    app.get('/x', status);
    const c = await h.listen(app);
    for (let i = 0; i < 4; i++) {
      expect((await c.get('/x', { 'x-status': i % 2 === 0 ? '200' : '500' })).status).toBe(i % 2 === 0 ? 200 : 500);
      await log.waitFor('usage_recorded', i + 1);
    }
  });

  it('skipFailedRequests: a request whose client left while the limiter was still deciding is given back', async () => {
    const arrived = deferred();
    const gone = deferred();
    const identified = deferred();
    let passed = false;
    const lr = h.limitrate({
      skipFailedRequests: true,
      // A slow lookup (a session store, say): the client gives up before it answers.
      identifyUser: async (req) => {
        if (req.get('x-slow') === '1') await identified.promise;
        return 'same-user';
      },
      policies: { free: { rate: { maxPerMinute: 1 } } },
    });
    const app = h.app();
    app.use((req, res, next) => {
      if (req.get('x-slow') === '1') {
        res.on('close', () => gone.resolve());
        arrived.resolve();
      }
      next();
    });
    app.use(lr);
    app.use((req, _res, next) => {
      if (req.get('x-slow') === '1') passed = true;
      next();
    });
    app.get('/x', echo);
    const c = await h.listen(app);
    const controller = new AbortController();
    const aborted = fetch(c.url('/x'), { headers: { 'x-slow': '1' }, signal: controller.signal }).catch((e: unknown) => e);
    await arrived.promise;
    controller.abort();
    expect(await aborted).toBeInstanceOf(Error);
    await gone.promise; // the server saw the connection close
    identified.resolve(); // only now is the request counted
    // The request never got a response: it failed, so its count is given back, and no
    // handler runs for a client that is gone.
    await vi.waitFor(async () => expect((await lr.limiter.peek({ userId: 'same-user', endpoint: 'GET|/x' })).current).toBe(0));
    expect(passed).toBe(false);
    expect((await c.get('/x')).status).toBe(200);
  });
});
