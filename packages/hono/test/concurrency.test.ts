// In-flight (concurrency) limits through Hono: block, queue with priority, the slot held
// until the handler has answered, and released however a request ends (answered, handler
// error, client gone mid-handler); a queued request whose client leaves quits the queue.
import type { Context } from 'hono';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { deferred, EventLog, useHarness, type Deferred, type Json, type Reply } from './helpers.js';

/** Handlers that hold each request (named by x-id) until the test releases it. */
class Held {
  readonly order: string[] = [];
  private readonly maps = { arrived: new Map<string, Deferred>(), entered: new Map<string, Deferred>(), released: new Map<string, Deferred>(), finished: new Map<string, Deferred>() };

  private of(kind: keyof Held['maps'], id: string): Deferred {
    const map = this.maps[kind];
    let d = map.get(id);
    if (d === undefined) map.set(id, (d = deferred()));
    return d;
  }

  /** Before the limiter: the request reached the app. */
  readonly arrive = async (c: Context, next: () => Promise<void>): Promise<void> => {
    this.of('arrived', c.req.header('x-id') ?? '?').resolve();
    await next();
  };

  /** The handler: answers once released; `x-fail: 1` makes it throw then. */
  readonly handler = async (c: Context): Promise<Response> => {
    const id = c.req.header('x-id') ?? '?';
    this.order.push(id);
    this.of('entered', id).resolve();
    await this.of('released', id).promise;
    this.of('finished', id).resolve();
    if (c.req.header('x-fail') === '1') throw new Error(`handler ${id} failed`);
    return c.json({ id });
  };

  arrived = (id: string): Promise<void> => this.of('arrived', id).promise;
  entered = (id: string): Promise<void> => this.of('entered', id).promise;
  finished = (id: string): Promise<void> => this.of('finished', id).promise;
  release = (id: string): void => this.of('released', id).resolve();
}

describe('concurrency', () => {
  const h = useHarness();

  async function serve(concurrency: { max: number; actionOnExceed?: 'queue' | 'block'; queueTimeout?: number; maxQueueSize?: number }, extra: Partial<Parameters<typeof h.limitrate>[0]> = {}) {
    const held = new Held();
    const log = new EventLog();
    const lr = h.limitrate({
      onEvent: log.onEvent,
      priority: (c) => Number(c.req.header('x-priority') ?? 5),
      policies: { free: { endpoints: { 'GET|/slow': { rate: { maxPerMinute: 1000 }, concurrency } } } },
      ...extra,
    });
    const app = new Hono();
    app.onError((err, c) => c.json({ error: err.message }, 500));
    app.use('*', held.arrive, lr);
    app.get('/slow', held.handler);
    const c = await h.listen(app);
    const send = (id: string, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Reply<Json>> => c.request('/slow', { headers: { 'x-id': id, ...headers }, ...(signal ? { signal } : {}) });
    return { held, log, lr, send };
  }

  it('block: a second request while one is in flight gets 429 with Retry-After: 1; the slot frees when the handler answers', async () => {
    const { held, log, send } = await serve({ max: 1, actionOnExceed: 'block' });
    const a = send('a');
    await held.entered('a');
    const b = await send('b');
    expect(b.status).toBe(429);
    expect(b.headers.get('retry-after')).toBe('1');
    expect(b.body).toMatchObject({ ok: false, reason: 'rate_limited', used: 1, allowed: 1, endpoint: 'GET|/slow' });
    held.release('a');
    expect((await a).status).toBe(200);
    held.release('c');
    expect((await send('c')).status).toBe(200);
    expect(held.order).toEqual(['a', 'c']);
    const [e] = await log.waitFor('rate_exceeded');
    expect(e).toMatchObject({ limit: 'concurrency', window: 'in-flight', threshold: 1 });
  });

  it('queue: waiting requests are served in priority order as slots free up', async () => {
    const { held, send, lr } = await serve({ max: 1, actionOnExceed: 'queue' });
    const a = send('a');
    await held.entered('a');
    const low = send('low', { 'x-priority': '9' });
    await held.arrived('low');
    const high = send('high', { 'x-priority': '1' });
    await held.arrived('high');
    await expect.poll(() => Object.values(lr.http.gates.snapshot())).toEqual([{ inFlight: 1, queued: 2 }]);
    held.release('a');
    await held.entered('high');
    held.release('high');
    await held.entered('low');
    held.release('low');
    expect((await Promise.all([a, high, low])).map((r) => r.status)).toEqual([200, 200, 200]);
    expect(held.order).toEqual(['a', 'high', 'low']);
    expect(lr.http.gates.snapshot()).toEqual({});
  });

  it('releases the slot when the handler throws (the app error handler answers 500)', async () => {
    const { held, send } = await serve({ max: 1, actionOnExceed: 'block' });
    held.release('a');
    const failed = await send('a', { 'x-fail': '1' });
    expect([failed.status, failed.body]).toEqual([500, { error: 'handler a failed' }]);
    held.release('b');
    expect((await send('b')).status).toBe(200);
  });

  it('releases the slot as soon as the client gives up, while its handler still runs', async () => {
    const { held, send, lr } = await serve({ max: 1, actionOnExceed: 'block' });
    const controller = new AbortController();
    const a = send('a', {}, controller.signal).catch((e: unknown) => e);
    await held.entered('a');
    expect((await send('b')).status).toBe(429);
    controller.abort();
    expect(await a).toBeInstanceOf(Error);
    await expect.poll(() => lr.http.gates.snapshot()).toEqual({});
    held.release('c');
    expect((await send('c')).status).toBe(200);
    held.release('a');
    await held.finished('a');
    expect(held.order).toEqual(['a', 'c']);
  });

  it('a queued request whose client gives up leaves the queue: its handler never runs, the next in line gets the slot', async () => {
    const { held, send, lr } = await serve({ max: 1, actionOnExceed: 'queue', queueTimeout: 5_000 });
    const a = send('a');
    await held.entered('a');
    const controller = new AbortController();
    const b = send('b', {}, controller.signal).catch((e: unknown) => e);
    await held.arrived('b');
    const d = send('d');
    await held.arrived('d');
    await expect.poll(() => Object.values(lr.http.gates.snapshot())).toEqual([{ inFlight: 1, queued: 2 }]);
    controller.abort();
    expect(await b).toBeInstanceOf(Error);
    await expect.poll(() => Object.values(lr.http.gates.snapshot())).toEqual([{ inFlight: 1, queued: 1 }]);
    held.release('a');
    held.release('d');
    expect([(await a).status, (await d).status]).toEqual([200, 200]);
    expect(held.order).toEqual(['a', 'd']);
    expect(lr.http.gates.snapshot()).toEqual({});
  });

  it('queueTimeout: a request that waited too long is refused with 429, its handler never run', async () => {
    const { held, send } = await serve({ max: 1, actionOnExceed: 'queue', queueTimeout: 50 });
    const a = send('a');
    await held.entered('a');
    const b = await send('b');
    expect(b.status).toBe(429);
    expect(b.body.message).toMatch(/^Waited too long for a free slot on GET \/slow/);
    held.release('a');
    expect((await a).status).toBe(200);
    expect(held.order).toEqual(['a']);
  });
});
