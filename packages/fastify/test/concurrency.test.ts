// In-flight (concurrency) limits over real HTTP: refusing or queueing by priority, queue
// timeouts, a client that disconnects while queued leaving the queue (its handler never
// runs), and the slot released however a request ends (finished, failed, aborted).
import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import type { ConcurrencyRule } from '@limitrate/core';
import type { LimitRateHandle } from '../src/index.js';
import { EventLog, useHarness, type Answer } from './helpers.js';

/** Handlers that wait, per request id (x-id), until the test releases them. */
class Held {
  readonly entered: string[] = [];
  private readonly gates = new Map<string, { promise: Promise<void>; resolve: () => void }>();
  private readonly arrivals = new Map<string, { promise: Promise<void>; resolve: () => void }>();

  private slot(map: Map<string, { promise: Promise<void>; resolve: () => void }>, id: string) {
    let s = map.get(id);
    if (s === undefined) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      map.set(id, (s = { promise, resolve }));
    }
    return s;
  }

  readonly handler = async (req: FastifyRequest) => {
    const id = String(req.headers['x-id']);
    this.entered.push(id);
    this.slot(this.arrivals, id).resolve();
    await this.slot(this.gates, id).promise;
    if (req.headers['x-fail'] === '1') throw new Error(`handler ${id} failed`);
    return { id };
  };

  /** Resolves once the handler of `id` runs. */
  running(id: string): Promise<void> {
    return this.slot(this.arrivals, id).promise;
  }

  release(id: string): void {
    this.slot(this.gates, id).resolve();
  }
}

describe('concurrency', () => {
  const h = useHarness();

  async function serve(concurrency: ConcurrencyRule) {
    const held = new Held();
    const log = new EventLog();
    const app = await h.limited({
      onEvent: log.onEvent,
      priority: (req) => Number(req.headers['x-priority'] ?? 5),
      policies: { free: { endpoints: { 'GET|/slow': { rate: { maxPerMinute: 1000 }, concurrency } } } },
    });
    app.get('/slow', held.handler);
    const client = await h.listen(app);
    const send = (id: string, extra: Record<string, string> = {}, signal?: AbortSignal): Promise<Answer> => client.send('/slow', { headers: { 'x-id': id, ...extra }, signal });
    return { held, log, send, handle: app.limitrate };
  }
  const gate = (handle: LimitRateHandle) => Object.values(handle.http.gates.snapshot())[0] ?? { inFlight: 0, queued: 0 };
  /** Polls the gate until it shows `state` (the server sees a request before the test does). */
  async function until(handle: LimitRateHandle, state: { inFlight: number; queued: number }): Promise<void> {
    for (let i = 0; i < 500; i++) {
      const g = gate(handle);
      if (g.inFlight === state.inFlight && g.queued === state.queued) return;
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(gate(handle)).toEqual(state);
  }

  it("actionOnExceed: 'block' refuses the request over the limit with 429 and Retry-After: 1", async () => {
    const { held, send, log } = await serve({ max: 1, actionOnExceed: 'block' });
    const a = send('a');
    await held.running('a');
    const refused = await send('b');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.body).toMatchObject({ reason: 'rate_limited', allowed: 1 });
    expect((await log.waitFor('rate_exceeded'))[0]).toMatchObject({ limit: 'concurrency', window: 'in-flight' });
    held.release('a');
    expect((await a).status).toBe(200);
    const c = send('c');
    held.release('c');
    expect((await c).status).toBe(200);
  });

  it('queues by priority (lower first), and a queue timeout answers 429', async () => {
    const { held, send, handle } = await serve({ max: 1, queueTimeout: 5_000 });
    const a = send('a');
    await held.running('a');
    const b = send('b', { 'x-priority': '5' });
    await until(handle, { inFlight: 1, queued: 1 });
    const c = send('c', { 'x-priority': '1' });
    await until(handle, { inFlight: 1, queued: 2 });
    held.release('a');
    await held.running('c');
    expect(held.entered).toEqual(['a', 'c']);
    held.release('c');
    held.release('b');
    expect((await Promise.all([a, b, c])).map((r) => r.status)).toEqual([200, 200, 200]);
    expect(held.entered).toEqual(['a', 'c', 'b']);

    const short = await serve({ max: 1, queueTimeout: 30 });
    const holder = short.send('h');
    await short.held.running('h');
    const late = await short.send('late');
    expect(late.status).toBe(429);
    expect(late.body.message).toMatch(/Waited too long/);
    short.held.release('h');
    await holder;
  });

  it('a client that disconnects while queued leaves the queue at once; its handler never runs', async () => {
    const { held, send, handle } = await serve({ max: 1, maxQueueSize: 1 });
    const a = send('a');
    await held.running('a');
    const controller = new AbortController();
    const gone = send('gone', {}, controller.signal).catch((e: Error) => e.name);
    await until(handle, { inFlight: 1, queued: 1 });
    controller.abort();
    expect(await gone).toBe('AbortError');
    await until(handle, { inFlight: 1, queued: 0 });
    // Its place is free: another request can queue.
    const next = send('next');
    await until(handle, { inFlight: 1, queued: 1 });
    held.release('a');
    held.release('next');
    expect((await Promise.all([a, next])).map((r) => r.status)).toEqual([200, 200]);
    expect(held.entered).toEqual(['a', 'next']);
  });

  it('releases the slot when the handler fails and when the client aborts mid-request', async () => {
    const { held, send, handle } = await serve({ max: 1, actionOnExceed: 'block' });
    const failing = send('f', { 'x-fail': '1' });
    await held.running('f');
    held.release('f');
    expect((await failing).status).toBe(500);
    await until(handle, { inFlight: 0, queued: 0 });

    const controller = new AbortController();
    const aborted = send('x', {}, controller.signal).catch((e: Error) => e.name);
    await held.running('x');
    controller.abort();
    expect(await aborted).toBe('AbortError');
    await until(handle, { inFlight: 0, queued: 0 });
    held.release('x');
    const after = send('y');
    await held.running('y');
    held.release('y');
    expect((await after).status).toBe(200);
  });
});
