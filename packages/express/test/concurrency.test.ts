// In-flight (concurrency) limits: block, queue, queue timeout and size, priority, and the
// slot being released however a request ends (finished, handler error, client abort).
import type { NextFunction, Request, Response } from 'express';
import { describe, expect, it } from 'vitest';
import { deferred, EventLog, type Deferred, EXPRESS_VERSIONS, planHeader, useHarness, type Json, type Reply } from './helpers.js';

/** Handlers that hold each request (named by x-id) until the test releases it. */
class Held {
  readonly order: string[] = [];
  private readonly arrivals = new Map<string, Deferred>();
  private readonly entries = new Map<string, Deferred>();
  private readonly releases = new Map<string, Deferred>();
  private readonly closes = new Map<string, Deferred>();

  private of(map: Map<string, Deferred>, id: string) {
    let d = map.get(id);
    if (d === undefined) map.set(id, (d = deferred()));
    return d;
  }

  /** Before the limiter: the request reached the app (the limiter runs synchronously right after). */
  readonly arrive = (req: Request, res: Response, next: NextFunction): void => {
    const id = req.get('x-id') ?? '?';
    res.on('close', () => this.of(this.closes, id).resolve());
    this.of(this.arrivals, id).resolve();
    next();
  };

  /** The handler: answers once released; `x-fail: sync|later` makes it fail instead. */
  readonly handler = (req: Request, res: Response, next: NextFunction): void => {
    const id = req.get('x-id') ?? '?';
    this.order.push(id);
    this.of(this.entries, id).resolve();
    if (req.get('x-fail') === 'sync') throw new Error(`handler ${id} failed`);
    void this.of(this.releases, id).promise.then(() => {
      if (req.get('x-fail') === 'later') return next(new Error(`handler ${id} failed later`));
      if (req.get('x-stream') === '1') return; // the head and a chunk were sent already
      res.json({ id });
    });
    if (req.get('x-stream') === '1') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial ');
    }
  };

  arrived(id: string): Promise<void> {
    return this.of(this.arrivals, id).promise;
  }
  entered(id: string): Promise<void> {
    return this.of(this.entries, id).promise;
  }
  closed(id: string): Promise<void> {
    return this.of(this.closes, id).promise;
  }
  release(id: string): void {
    this.of(this.releases, id).resolve();
  }
}

describe.each(EXPRESS_VERSIONS)('%s: concurrency', (_name, express) => {
  const h = useHarness(express);

  async function serve(concurrency: { max: number; actionOnExceed?: 'queue' | 'block'; queueTimeout?: number; maxQueueSize?: number }, extra: Partial<Parameters<typeof h.limitrate>[0]> = {}) {
    const held = new Held();
    const log = new EventLog();
    const lr = h.limitrate({
      onEvent: log.onEvent,
      priority: (req) => Number(req.get('x-priority') ?? 5),
      policies: { free: { endpoints: { 'GET|/slow': { rate: { maxPerMinute: 1000 }, concurrency } } } },
      ...extra,
    });
    const app = h.app();
    app.use(held.arrive, lr);
    app.get('/slow', held.handler);
    app.get('/other', held.handler);
    app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
      res.status(500).json({ error: err.message });
    });
    const c = await h.listen(app);
    const send = (id: string, headers: Record<string, string> = {}, path = '/slow'): Promise<Reply<Json>> => c.get(path, { 'x-id': id, ...headers });
    return { held, log, lr, c, send };
  }

  it("block: a second request while one is in flight gets 429 with Retry-After: 1; a slot frees when the first finishes", async () => {
    const { held, log, send } = await serve({ max: 1, actionOnExceed: 'block' });
    const a = send('a');
    await held.entered('a');
    const b = await send('b');
    expect(b.status).toBe(429);
    expect(b.headers.get('retry-after')).toBe('1');
    expect(b.body).toMatchObject({ ok: false, reason: 'rate_limited', retry_after_seconds: 1, used: 1, allowed: 1, plan: 'free', endpoint: 'GET|/slow' });
    expect(b.body.message).toMatch(/in progress on GET \/slow \(at most 1 at once\)/);
    held.release('a');
    expect((await a).status).toBe(200);
    held.release('c');
    expect((await send('c')).status).toBe(200);
    expect(held.order).toEqual(['a', 'c']);
    const [e] = await log.waitFor('rate_exceeded');
    expect(e).toMatchObject({ limit: 'concurrency', window: 'in-flight', value: 2, threshold: 1, action: 'block' });
  });

  it('block: other endpoints are not affected', async () => {
    const { held, send } = await serve({ max: 1, actionOnExceed: 'block' });
    const a = send('a');
    await held.entered('a');
    held.release('o');
    expect((await send('o', {}, '/other')).status).toBe(200);
    held.release('a');
    expect((await a).status).toBe(200);
  });

  it('queue: a second request waits for the first and then succeeds', async () => {
    const { held, send } = await serve({ max: 1, actionOnExceed: 'queue' });
    const a = send('a');
    await held.entered('a');
    const b = send('b');
    await held.arrived('b');
    await new Promise((r) => setImmediate(r));
    expect(held.order).toEqual(['a']); // b waits in the queue
    held.release('a');
    await held.entered('b');
    expect(held.order).toEqual(['a', 'b']);
    held.release('b');
    const [ra, rb] = await Promise.all([a, b]);
    expect([ra.status, rb.status]).toEqual([200, 200]);
  });

  it('queue is the default action', async () => {
    const { held, send } = await serve({ max: 1 });
    const a = send('a');
    await held.entered('a');
    const b = send('b');
    await held.arrived('b');
    held.release('a');
    held.release('b');
    expect((await b).status).toBe(200);
    expect((await a).status).toBe(200);
  });

  it('queueTimeout: a request that waited too long gets 429 (after at least queueTimeout)', async () => {
    const { held, send } = await serve({ max: 1, actionOnExceed: 'queue', queueTimeout: 100 });
    const a = send('a');
    await held.entered('a');
    const b = await send('b');
    expect(b.status).toBe(429);
    expect(b.ms).toBeGreaterThanOrEqual(99);
    expect(b.headers.get('retry-after')).toBe('1');
    expect(b.body).toMatchObject({ reason: 'rate_limited' });
    expect(b.body.message).toMatch(/^Waited too long for a free slot on GET \/slow/);
    expect(held.order).toEqual(['a']);
    held.release('a');
    expect((await a).status).toBe(200);
  });

  it('maxQueueSize: a request finding the queue full is refused at once', async () => {
    const { held, send } = await serve({ max: 1, actionOnExceed: 'queue', maxQueueSize: 1 });
    const a = send('a');
    await held.entered('a');
    const b = send('b');
    await held.arrived('b');
    const c = await send('c');
    expect(c.status).toBe(429);
    held.release('a');
    held.release('b');
    expect((await b).status).toBe(200);
    expect((await a).status).toBe(200);
    expect(held.order).toEqual(['a', 'b']);
  });

  it('priority: a waiting request with a lower priority number goes first', async () => {
    const { held, send } = await serve({ max: 1, actionOnExceed: 'queue' });
    const a = send('a');
    await held.entered('a');
    const low = send('low', { 'x-priority': '9' });
    await held.arrived('low');
    const mid = send('mid', { 'x-priority': '5' });
    await held.arrived('mid');
    const high = send('high', { 'x-priority': '1' });
    await held.arrived('high');
    held.release('a');
    await held.entered('high');
    held.release('high');
    await held.entered('mid');
    held.release('mid');
    await held.entered('low');
    held.release('low');
    await Promise.all([a, low, mid, high]);
    expect(held.order).toEqual(['a', 'high', 'mid', 'low']);
  });

  it('priority: a function that throws or returns a non-number counts as 5', async () => {
    const { held, send } = await serve({ max: 1, actionOnExceed: 'queue' }, {
      priority: (req) => {
        const p = req.get('x-priority');
        if (p === 'throw') throw new Error('priority bug');
        return p === undefined ? 5 : p === 'text' ? ('1' as unknown as number) : Number(p);
      },
    });
    const a = send('a');
    await held.entered('a');
    const late = send('late', { 'x-priority': '6' });
    await held.arrived('late');
    const thrower = send('thrower', { 'x-priority': 'throw' });
    await held.arrived('thrower');
    const text = send('text', { 'x-priority': 'text' });
    await held.arrived('text');
    const first = send('first', { 'x-priority': '4' });
    await held.arrived('first');
    for (const id of ['a', 'first', 'thrower', 'text', 'late']) {
      await held.entered(id);
      held.release(id);
    }
    await Promise.all([a, late, thrower, text, first]);
    expect(held.order).toEqual(['a', 'first', 'thrower', 'text', 'late']);
  });

  it('releases the slot when the handler throws (the Express error handler answers 500)', async () => {
    const { held, send } = await serve({ max: 1, actionOnExceed: 'block' });
    const failed = await send('a', { 'x-fail': 'sync' });
    expect(failed.status).toBe(500);
    expect(failed.body).toEqual({ error: 'handler a failed' });
    held.release('b');
    expect((await send('b')).status).toBe(200);
  });

  it('releases the slot when the handler fails later through next(err)', async () => {
    const { held, send } = await serve({ max: 1, actionOnExceed: 'block' });
    const a = send('a', { 'x-fail': 'later' });
    await held.entered('a');
    expect((await send('b')).status).toBe(429);
    held.release('a');
    expect((await a).status).toBe(500);
    held.release('c');
    expect((await send('c')).status).toBe(200);
  });

  it('releases the slot when the client aborts mid-response', async () => {
    const { held, c, send } = await serve({ max: 1, actionOnExceed: 'block' });
    const controller = new AbortController();
    const res = await fetch(c.url('/slow'), { headers: { 'x-id': 'a', 'x-stream': '1' }, signal: controller.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const chunk = await reader.read();
    expect(new TextDecoder().decode(chunk.value)).toBe('partial ');
    expect((await send('b')).status).toBe(429);
    controller.abort();
    await held.closed('a');
    held.release('c');
    expect((await send('c')).status).toBe(200);
  });

  it('releases the slot when the client gives up before any response', async () => {
    const { held, c, send } = await serve({ max: 1, actionOnExceed: 'block' });
    const controller = new AbortController();
    const pending = fetch(c.url('/slow'), { headers: { 'x-id': 'a' }, signal: controller.signal }).catch((e: unknown) => e);
    await held.entered('a');
    controller.abort();
    expect(await pending).toBeInstanceOf(Error);
    await held.closed('a');
    held.release('b');
    expect((await send('b')).status).toBe(200);
  });

  it('a queued request whose client gave up leaves the queue: its handler never runs, and the next in line gets the slot', async () => {
    const { held, c, send, lr } = await serve({ max: 1, actionOnExceed: 'queue', queueTimeout: 5_000 });
    const a = send('a');
    await held.entered('a');
    const controller = new AbortController();
    const b = fetch(c.url('/slow'), { headers: { 'x-id': 'b' }, signal: controller.signal }).catch((e: unknown) => e);
    await held.arrived('b');
    const d = send('d');
    await held.arrived('d');
    expect(Object.values(lr.http.gates.snapshot())).toEqual([{ inFlight: 1, queued: 2 }]);
    controller.abort();
    expect(await b).toBeInstanceOf(Error);
    await held.closed('b'); // the server has seen b's connection close
    expect(Object.values(lr.http.gates.snapshot())).toEqual([{ inFlight: 1, queued: 1 }]);
    held.release('a');
    expect((await a).status).toBe(200);
    held.release('d');
    expect((await d).status).toBe(200);
    expect(held.order).toEqual(['a', 'd']);
    // Every slot is free again.
    held.release('c');
    expect((await send('c')).status).toBe(200);
    expect(lr.http.gates.snapshot()).toEqual({});
  });

  it('releases the slot of a request refused by its rate limit', async () => {
    const held = new Held();
    const lr = h.limitrate({ policies: { free: { endpoints: { 'GET|/slow': { rate: { maxPerMinute: 1 }, concurrency: { max: 1, actionOnExceed: 'block' } } } } } });
    const app = h.app();
    app.use(held.arrive, lr);
    app.get('/slow', held.handler);
    const c = await h.listen(app);
    held.release('a');
    expect((await c.get('/slow', { 'x-id': 'a' })).status).toBe(200);
    // Refused by the rate limit; its slot must not stay taken.
    for (let i = 0; i < 3; i++) {
      const r = await c.get('/slow', { 'x-id': `r${i}` });
      expect(r.status).toBe(429);
      expect(r.body.message).toMatch(/per minute/);
    }
    expect(held.order).toEqual(['a']);
  });

  it('applies concurrency of defaults per endpoint, and only to the plan that has it', async () => {
    const held = new Held();
    const lr = h.limitrate({
      identifyPlan: planHeader,
      policies: { free: { defaults: { concurrency: { max: 1, actionOnExceed: 'block' } } }, pro: {} },
    });
    const app = h.app();
    app.use(held.arrive, lr);
    app.get('/slow', held.handler);
    app.get('/other', held.handler);
    const c = await h.listen(app);
    const a = c.get('/slow', { 'x-id': 'a' });
    await held.entered('a');
    held.release('o');
    expect((await c.get('/other', { 'x-id': 'o' })).status).toBe(200);
    expect((await c.get('/slow', { 'x-id': 'b' })).status).toBe(429);
    held.release('p');
    expect((await c.get('/slow', { 'x-id': 'p', 'x-plan': 'pro' })).status).toBe(200);
    held.release('a');
    expect((await a).status).toBe(200);
  });

  it('dry run: a full gate does not refuse, and the would-be refusal is reported', async () => {
    const { held, log, send } = await serve({ max: 1, actionOnExceed: 'block' }, { dryRun: true });
    const a = send('a');
    await held.entered('a');
    held.release('b');
    expect((await send('b')).status).toBe(200);
    const [e] = await log.waitFor('rate_exceeded');
    expect(e).toMatchObject({ limit: 'concurrency', dryRun: true });
    held.release('a');
    expect((await a).status).toBe(200);
  });
});
