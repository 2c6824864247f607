// Over real HTTP: what each action does (block, slowdown, allow-and-log), dry run, skip,
// and not counting successful or failed requests.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { limitrate, type LimitRateOptions, type RateLimitInfo } from '../src/index.js';
import { EventLog, useHarness } from './helpers.js';

describe('actions, dry run, skip and outcomes', () => {
  const h = useHarness();

  /** An app whose /x answers with request.rateLimit and the status asked for (?status=), counting handler runs. */
  async function serve(options: Partial<LimitRateOptions> & Pick<LimitRateOptions, 'policies'>, more?: (app: FastifyInstance) => void) {
    const log = new EventLog();
    const app = await h.limited({ onEvent: log.onEvent, ...options });
    const ran: string[] = [];
    app.get('/x', async (req: FastifyRequest<{ Querystring: { status?: string; id?: string } }>, reply: FastifyReply) => {
      ran.push(req.query.id ?? '');
      return reply.code(Number(req.query.status ?? 200)).send({ rateLimit: req.rateLimit });
    });
    more?.(app);
    return { c: await h.listen(app), log, ran };
  }
  type Echo = { rateLimit: RateLimitInfo };

  it('block: refuses over the limit, counting nothing for the refused request', async () => {
    const { c, log } = await serve({ policies: { free: { rate: { maxPerMinute: 2, actionOnExceed: 'block' } } } });
    expect(await c.statuses('/x', 4)).toEqual([200, 200, 429, 429]);
    const exceeded = await log.waitFor('rate_exceeded', 2);
    expect(exceeded.map((e) => [e.action, e.value, e.threshold])).toEqual([
      ['block', 3, 2],
      ['block', 3, 2],
    ]);
  });

  it('slowdown: serves over the limit after the delay, and says so on request.rateLimit and in an event', async () => {
    const { c, log } = await serve({ policies: { free: { rate: { maxPerMinute: 1, actionOnExceed: 'slowdown', slowdownMs: 40 } } } });
    await c.send('/x');
    const slowed = await c.send<Echo>('/x');
    expect(slowed.status).toBe(200);
    expect(slowed.body.rateLimit).toMatchObject({ rule: 'rate:1m', result: { action: 'slowdown', slowdownMs: 40, allowed: true } });
    const [e] = await log.waitFor('slowdown_applied');
    expect(e).toMatchObject({ value: 40, endpoint: 'GET|/x' });
  });

  it('slowdown: a client that leaves during the delay is never served', async () => {
    const log = new EventLog();
    const app = h.app();
    let closed!: () => void;
    const connectionClosed = new Promise<void>((r) => (closed = r));
    app.addHook('onRequest', (req, reply, done) => {
      if (req.url === '/x?id=second') reply.raw.once('close', () => closed());
      done();
    });
    const ran: string[] = [];
    await app.register(limitrate, h.withClock({ onEvent: log.onEvent, policies: { free: { rate: { maxPerMinute: 1, actionOnExceed: 'slowdown', slowdownMs: 60_000 } } } }));
    app.get('/x', async (req: FastifyRequest<{ Querystring: { id: string } }>) => void ran.push(req.query.id));
    const c = await h.listen(app);
    await c.send('/x?id=first');
    const controller = new AbortController();
    const pending = c.send('/x?id=second', { signal: controller.signal }).catch((e: Error) => e.name);
    await log.waitFor('slowdown_applied');
    controller.abort();
    expect(await pending).toBe('AbortError');
    await connectionClosed;
    await new Promise((r) => setImmediate(r));
    expect(ran).toEqual(['first']);
  });

  it('allow-and-log: serves everything and reports the overage', async () => {
    const { c, log } = await serve({ policies: { free: { rate: { maxPerMinute: 1, actionOnExceed: 'allow-and-log' } } } });
    expect(await c.statuses('/x', 3)).toEqual([200, 200, 200]);
    const logged = await log.waitFor('rate_exceeded', 2);
    expect(logged.every((e) => e.action === 'allow-and-log')).toBe(true);
  });

  it('dryRun: blocks nothing, keeps the headers, and reports to dryRunLogger and events', async () => {
    const dry: unknown[] = [];
    const { c, log } = await serve({ dryRun: true, dryRunLogger: (e) => void dry.push(e), policies: { free: { rate: { maxPerMinute: 1 } } } });
    const [, second] = [await c.send('/x'), await c.send<Echo>('/x')];
    expect(second.status).toBe(200);
    expect(second.headers.get('ratelimit-remaining')).toBe('0');
    expect(second.body.rateLimit.result).toMatchObject({ dryRun: true, allowed: true });
    const [e] = await log.waitFor('rate_exceeded');
    expect(e.dryRun).toBe(true);
    expect(dry).toEqual([expect.objectContaining({ reason: 'rate_exceeded', action: 'block', limit: 1 })]);
  });

  it('skip: skipped requests are not counted and get no headers; request.rateLimit has no user', async () => {
    const { c } = await serve({ skip: (req) => req.headers['x-internal'] === 'yes', policies: { free: { rate: { maxPerMinute: 1 } } } });
    const skipped = await c.send<Echo>('/x', { headers: { 'x-internal': 'yes' } });
    expect(skipped.headers.get('ratelimit-limit')).toBeNull();
    expect(skipped.body.rateLimit).toMatchObject({ user: '', plan: '', endpoint: 'GET|/x' });
    expect(skipped.body.rateLimit.result).toBeUndefined();
    expect(await c.statuses('/x', 2)).toEqual([200, 429]);
  });

  it('skipSuccessfulRequests: only failed requests count (the outcome read in onResponse)', async () => {
    const { c } = await serve({ skipSuccessfulRequests: true, policies: { free: { rate: { maxPerMinute: 2 } } } });
    expect(await c.statuses('/x', 3)).toEqual([200, 200, 200]);
    expect(await c.statuses('/x?status=500', 3)).toEqual([500, 500, 429]);
  });

  it('skipFailedRequests: 4xx, 5xx and connections closed before the response do not count', async () => {
    let release!: () => void;
    let entered!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const inHandler = new Promise<void>((r) => (entered = r));
    const { c, log } = await serve({ skipFailedRequests: true, policies: { free: { rate: { maxPerMinute: 2 } } } }, (app) =>
      app.get('/hang', async () => {
        entered();
        await held;
        return 'late';
      }),
    );
    expect(await c.statuses('/x?status=404', 3)).toEqual([404, 404, 404]);
    const controller = new AbortController();
    const aborted = c.send('/hang', { signal: controller.signal }).catch((e: Error) => e.name);
    await inHandler;
    controller.abort();
    expect(await aborted).toBe('AbortError');
    // Each of the four was given back once its outcome was known (usage_recorded).
    await log.waitFor('usage_recorded', 4);
    release();
    expect(await c.statuses('/hang', 3)).toEqual([200, 200, 429]);
  });
});
