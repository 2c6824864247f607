// In-flight (concurrency) limits over real HTTP: block, queue, a queued request leaving when
// its client goes away, and the slot held until the response body has been sent (a stream),
// released however the request ends: finished, client gone mid-body, handler error, HEAD.
import type { NextRequest } from 'next/server';
import { describe, expect, it } from 'vitest';
import type { WithRateLimitOptions } from '../src/index.js';
import { EventLog, useHarness, type Client } from './helpers.js';

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
}
const deferred = (): Deferred => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

/** Handlers that hold each request (named by x-id) until the test releases it. */
class Held {
  readonly order: string[] = [];
  private readonly entered = new Map<string, Deferred>();
  private readonly released = new Map<string, Deferred>();
  private of(map: Map<string, Deferred>, id: string): Deferred {
    let d = map.get(id);
    if (d === undefined) map.set(id, (d = deferred()));
    return d;
  }
  /** Answers once released; `x-stream: 1` sends a first chunk at once and ends the body on release; `x-fail: 1` throws on release. */
  readonly handler = async (request: NextRequest): Promise<Response> => {
    const id = request.headers.get('x-id') ?? '?';
    this.order.push(id);
    this.of(this.entered, id).resolve();
    const release = this.of(this.released, id).promise;
    if (request.headers.get('x-stream') === '1') {
      const body = new ReadableStream<Uint8Array>({
        start: (c) => {
          c.enqueue(new TextEncoder().encode('first '));
          void release.then(() => {
            c.enqueue(new TextEncoder().encode('last'));
            c.close();
          });
        },
      });
      return new Response(body);
    }
    await release;
    if (request.headers.get('x-fail') === '1') throw new Error(`handler ${id} failed`);
    return Response.json({ id });
  };
  entry(id: string): Promise<void> {
    return this.of(this.entered, id).promise;
  }
  release(id: string): void {
    this.of(this.released, id).resolve();
  }
}

describe('in-flight limits', () => {
  const h = useHarness();

  async function serve(concurrency: NonNullable<NonNullable<WithRateLimitOptions['policies']['free']>['defaults']>['concurrency']) {
    const held = new Held();
    const log = new EventLog();
    const limit = h.withRateLimit({ identifyUser: () => 'u', onEvent: log.onEvent, policies: { free: { endpoints: { 'GET|/slow': { rate: { maxPerMinute: 1000 }, concurrency } } } } });
    const c = await h.serveApp([{ method: 'GET', path: '/slow', handler: limit(held.handler) }]);
    const gate = () => Object.values(limit.http.gates.snapshot())[0] ?? { inFlight: 0, queued: 0 };
    return { held, log, c, gate };
  }
  const send = (c: Client, id: string, headers: Record<string, string> = {}, signal?: AbortSignal) => c.request('/slow', { headers: { 'x-id': id, ...headers }, ...(signal ? { signal } : {}) });
  const until = async (check: () => boolean): Promise<void> => {
    for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(check()).toBe(true);
  };

  it('block: a second request while one is in flight gets 429 with Retry-After: 1; the slot frees when the first ends', async () => {
    const { held, c, log } = await serve({ max: 1, actionOnExceed: 'block' });
    const a = send(c, 'a');
    await held.entry('a');
    const b = await send(c, 'b');
    expect(b.status).toBe(429);
    expect(b.headers.get('retry-after')).toBe('1');
    expect(b.body).toMatchObject({ ok: false, reason: 'rate_limited', endpoint: 'GET|/slow' });
    held.release('a');
    expect((await a).status).toBe(200);
    held.release('c');
    expect((await send(c, 'c')).status).toBe(200);
    expect((await log.waitFor('rate_exceeded'))[0]).toMatchObject({ limit: 'concurrency', window: 'in-flight' });
  });

  it('queue: a second request waits for the first, then runs', async () => {
    const { held, c, gate } = await serve({ max: 1, actionOnExceed: 'queue', queueTimeout: 10_000 });
    const a = send(c, 'a');
    await held.entry('a');
    const b = send(c, 'b');
    await until(() => gate().queued === 1);
    expect(held.order).toEqual(['a']);
    held.release('a');
    held.release('b');
    expect([(await a).status, (await b).status]).toEqual([200, 200]);
    expect(held.order).toEqual(['a', 'b']);
  });

  it('queue: a queued request whose client goes away leaves the queue and never runs', async () => {
    const { held, c, gate } = await serve({ max: 1, actionOnExceed: 'queue', queueTimeout: 10_000 });
    const a = send(c, 'a');
    await held.entry('a');
    const client = new AbortController();
    const b = send(c, 'b', {}, client.signal).catch(() => 'aborted');
    await until(() => gate().queued === 1);
    client.abort();
    expect(await b).toBe('aborted');
    await until(() => gate().queued === 0);
    held.release('a');
    await a;
    held.release('c');
    expect((await send(c, 'c')).status).toBe(200);
    expect(held.order).toEqual(['a', 'c']);
  });

  it('holds the slot until a streamed body has been sent, not just until the handler returns', async () => {
    const { held, c, gate } = await serve({ max: 1, actionOnExceed: 'block' });
    const res = await fetch(`${c.base}/slow`, { headers: { 'x-id': 'a', 'x-stream': '1' } });
    const reader = res.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('first ');
    expect(gate().inFlight).toBe(1); // the handler has returned; its body is still streaming
    expect((await send(c, 'b')).status).toBe(429);
    held.release('a');
    while (!(await reader.read()).done);
    await until(() => gate().inFlight === 0);
  });

  it('releases the slot when the client goes away mid-body, when the handler throws, and for HEAD', async () => {
    const { held, c, gate } = await serve({ max: 1, actionOnExceed: 'block' });
    const client = new AbortController();
    const res = await fetch(`${c.base}/slow`, { headers: { 'x-id': 'a', 'x-stream': '1' }, signal: client.signal });
    await res.body!.getReader().read();
    client.abort();
    await until(() => gate().inFlight === 0);

    const failing = send(c, 'b', { 'x-fail': '1' });
    await held.entry('b');
    held.release('b');
    expect((await failing).status).toBe(500);
    await until(() => gate().inFlight === 0);

    held.release('c');
    const head = await c.request('/slow', { method: 'HEAD', headers: { 'x-id': 'c' } });
    expect(head.status).toBe(200);
    await until(() => gate().inFlight === 0);
  });
});
