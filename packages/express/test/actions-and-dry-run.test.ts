// What happens past a limit: block, slowdown (a real delay before the handler), allow-and-log,
// and dry run (never blocks or slows; reports through dryRunLogger and events).
import { performance } from 'node:perf_hooks';
import type { DryRunEvent, Store } from '@limitrate/core';
import type { NextFunction, Request, Response } from 'express';
import { describe, expect, it } from 'vitest';
import { as, byHeader, echo, EventLog, EXPRESS_VERSIONS, from, planHeader, useHarness, type EchoBody } from './helpers.js';

const failing: Store = { name: 'down', consume: () => Promise.reject(new Error('ECONNREFUSED')), reset: () => 0 };

describe.each(EXPRESS_VERSIONS)('%s: actions and dry run', (_name, express) => {
  const h = useHarness(express);

  /** Stamps when the request reached the app, so that the handler can say how long the limiter held it. */
  const stamp = (req: Request, _res: Response, next: NextFunction) => {
    (req as Request & { t0?: number }).t0 = performance.now();
    next();
  };
  const timed = (req: Request, res: Response) => {
    res.json({ rateLimit: req.rateLimit, heldMs: performance.now() - (req as Request & { t0: number }).t0 });
  };

  it('slows a request past a slowdown limit: the handler runs, and the response is sent, only after slowdownMs', async () => {
    const log = new EventLog();
    const lr = h.limitrate({ onEvent: log.onEvent, policies: { free: { rate: { maxPerMinute: 1, actionOnExceed: 'slowdown', slowdownMs: 300 } } } });
    const app = h.app();
    app.use(stamp, lr);
    app.get('/x', timed);
    const c = await h.listen(app);
    const first = await c.get<EchoBody & { heldMs: number }>('/x');
    expect(first.status).toBe(200);
    const slowed = await c.get<EchoBody & { heldMs: number }>('/x');
    expect(slowed.status).toBe(200);
    // Lower bounds only (timers may round down by up to a millisecond).
    expect(slowed.body.heldMs).toBeGreaterThanOrEqual(299);
    expect(slowed.ms).toBeGreaterThanOrEqual(299);
    expect(slowed.body.rateLimit).toMatchObject({ used: 2, limit: 1, rule: 'rate:1m', result: { action: 'slowdown', allowed: true, slowdownMs: 300 } });
    expect(slowed.headers.get('retry-after')).toBeNull();
    const [s] = await log.waitFor('slowdown_applied');
    expect(s).toMatchObject({ value: 300, user: '127.0.0.1', endpoint: 'GET|/x' });
    const [e] = await log.waitFor('rate_exceeded');
    expect(e).toMatchObject({ action: 'slowdown', value: 2, threshold: 1, dryRun: false });
  });

  it('uses the default slowdown of 500 ms', async () => {
    const lr = h.limitrate({ policies: { free: { rate: { maxPerMinute: 1, actionOnExceed: 'slowdown' } } } });
    const app = h.app();
    app.use(stamp, lr);
    app.get('/x', timed);
    const c = await h.listen(app);
    await c.get('/x');
    const slowed = await c.get<{ heldMs: number }>('/x');
    expect(slowed.status).toBe(200);
    expect(slowed.body.heldMs).toBeGreaterThanOrEqual(499);
  });

  it('does not run the handler of a slowed-down request whose client left during the delay', async () => {
    const lr = h.limitrate({ policies: { free: { rate: { maxPerMinute: 1, actionOnExceed: 'slowdown', slowdownMs: 300 } } } });
    const app = h.app();
    let closed!: () => void;
    const seenClose = new Promise<void>((resolve) => (closed = resolve));
    const handled: string[] = [];
    app.use((req: Request, res: Response, next: NextFunction) => {
      if (req.get('x-n') === '2') res.on('close', closed);
      next();
    }, lr);
    app.get('/x', (req: Request, res: Response) => {
      handled.push(req.get('x-n') ?? '');
      res.json({});
    });
    const c = await h.listen(app);
    expect((await c.get('/x', { 'x-n': '1' })).status).toBe(200);
    const controller = new AbortController();
    const aborted = fetch(c.url('/x'), { headers: { 'x-n': '2' }, signal: controller.signal }).catch((e: unknown) => e);
    setTimeout(() => controller.abort(), 50);
    expect(await aborted).toBeInstanceOf(Error);
    await seenClose;
    // Past the delay: the handler would have run by now.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(handled).toEqual(['1']);
  });

  it('lets an allow-and-log request through, counts it past the limit, and emits rate_exceeded', async () => {
    const log = new EventLog();
    const lr = h.limitrate({ onEvent: log.onEvent, policies: { free: { rate: { maxPerMinute: 2, actionOnExceed: 'allow-and-log' } } } });
    const app = h.app();
    app.use(lr);
    app.get('/x', echo);
    const c = await h.listen(app);
    const replies = [];
    for (let i = 0; i < 4; i++) replies.push(await c.echo('/x'));
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(replies[3]!.body.rateLimit).toMatchObject({ used: 4, limit: 2, rule: 'rate:1m', result: { action: 'allow-and-log', allowed: true } });
    expect(replies[3]!.headers.get('retry-after')).toBeNull();
    const exceeded = await log.waitFor('rate_exceeded', 2);
    expect(exceeded.map((e) => [e.action, e.value])).toEqual([
      ['allow-and-log', 3],
      ['allow-and-log', 4],
    ]);
    await lr.limiter.events.flush();
    expect(log.of('slowdown_applied')).toEqual([]);
  });

  it('a block beats a slowdown when both are exceeded', async () => {
    const lr = h.limitrate({
      policies: { free: { rate: { maxPerMinute: 1, actionOnExceed: 'slowdown', slowdownMs: 50 }, cost: { hourlyCap: 0.02, estimateCost: () => 0.01 } } },
    });
    const app = h.app();
    app.use(lr);
    app.get('/x', echo);
    const c = await h.listen(app);
    const [a, b, d] = [await c.echo('/x'), await c.echo('/x'), await c.get('/x')];
    expect([a.status, b.status, d.status]).toEqual([200, 200, 429]);
    expect(b.body.rateLimit?.result?.action).toBe('slowdown');
    expect(d.body).toMatchObject({ reason: 'cost_exceeded' });
  });

  it('dry run: never blocks; dryRunLogger and events report what would have happened', async () => {
    const log = new EventLog();
    const dry: DryRunEvent[] = [];
    const lr = h.limitrate({
      dryRun: true,
      dryRunLogger: (e) => void dry.push(e),
      onEvent: log.onEvent,
      identifyUser: byHeader,
      policies: { free: { rate: { maxPerMinute: 1 } } },
    });
    const app = h.app();
    app.use(lr);
    app.get('/x', echo);
    const c = await h.listen(app);
    const replies = [await c.echo('/x', as('tester')), await c.echo('/x', as('tester')), await c.echo('/x', as('tester'))];
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(replies[1]!.headers.get('retry-after')).toBeNull();
    expect(replies[1]!.body.rateLimit).toMatchObject({ rule: 'rate:1m', result: { allowed: true, action: 'block', dryRun: true, reason: 'rate_limited' } });
    // Would-be blocks are not counted (as for real): used stays at the limit.
    expect(replies[2]!.body.rateLimit?.used).toBe(1);
    await lr.limiter.events.flush();
    expect(dry).toHaveLength(2);
    expect(dry[0]).toEqual({
      timestamp: expect.any(Date),
      user: 'tester',
      plan: 'free',
      endpoint: 'GET|/x',
      action: 'block',
      reason: 'rate_exceeded',
      current: 2,
      limit: 1,
      retryAfter: expect.any(Number),
    });
    expect(dry[0]!.retryAfter).toBeGreaterThan(0);
    expect(log.of('rate_exceeded').map((e) => e.dryRun)).toEqual([true, true]);
  });

  it('dry run: a slowdown is not applied, and no slowdown_applied event is emitted', async () => {
    const log = new EventLog();
    const dry: DryRunEvent[] = [];
    const lr = h.limitrate({ dryRun: true, dryRunLogger: (e) => void dry.push(e), onEvent: log.onEvent, policies: { free: { rate: { maxPerMinute: 1, actionOnExceed: 'slowdown', slowdownMs: 5000 } } } });
    const app = h.app();
    app.use(stamp, lr);
    app.get('/x', timed);
    const c = await h.listen(app);
    await c.get('/x');
    const r = await c.get<EchoBody & { heldMs: number }>('/x');
    expect(r.status).toBe(200);
    expect(r.body.rateLimit).toMatchObject({ result: { action: 'slowdown', dryRun: true, slowdownMs: 0 } });
    await lr.limiter.events.flush();
    expect(dry.map((e) => e.action)).toEqual(['slowdown']);
    expect(log.of('slowdown_applied')).toEqual([]);
  });

  it('dry run covers the other refusals: blocked IPs, unknown plans, store failures, failed identification', async () => {
    const log = new EventLog();
    const lr = h.limitrate({
      dryRun: true,
      onEvent: log.onEvent,
      trustedProxyCount: 1,
      ipBlocklist: ['198.51.100.0/24'],
      identifyPlan: planHeader,
      onUnknownPlan: 'block',
      policies: { free: { rate: { maxPerMinute: 100 } } },
    });
    const broken = h.limitrate({
      dryRun: true,
      onEvent: log.onEvent,
      store: failing,
      onStoreError: 'block',
      identifyUser: () => {
        throw new Error('auth service down');
      },
      policies: { free: { rate: { maxPerMinute: 100 } } },
    });
    const app = h.app();
    app.get('/x', lr, echo);
    app.get('/y', broken, echo);
    const c = await h.listen(app);
    expect((await c.get('/x', from('198.51.100.7'))).status).toBe(200);
    const unknown = await c.echo('/x', from('203.0.113.1', { 'x-plan': 'gold' }));
    expect(unknown.status).toBe(200);
    expect(unknown.body.rateLimit).toMatchObject({ result: { allowed: true, action: 'block', reason: 'unknown_plan', dryRun: true } });
    const y = await c.echo('/y');
    expect(y.status).toBe(200);
    expect(y.body.rateLimit).toMatchObject({ user: '127.0.0.1', result: { reason: 'store_error', dryRun: true } });
    await log.waitFor('ip_blocked');
    await log.waitFor('unknown_plan');
    const [store] = await log.waitFor('store_error');
    expect(store).toMatchObject({ policy: 'block' });
    const [cb] = await log.waitFor('callback_error');
    expect(cb).toMatchObject({ callback: 'identifyUser', fallback: 'counted the request by client IP' });
  });
});
