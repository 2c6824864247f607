// After the response: skip, skipSuccessfulRequests / skipFailedRequests judged by the handler's
// Response (or what Next.js answers for a thrown error or a missing Response), tokens known
// before the request and reconciled from the response once its body has been sent.
import { notFound } from 'next/navigation';
import { describe, expect, it } from 'vitest';
import { rateLimitInfo } from '../src/index.js';
import { statusOfThrown } from '../src/thrown.js';
import { as, byHeader, ctx, EventLog, nextRequest, ok, read, useHarness } from './helpers.js';

describe('skip and outcomes', () => {
  const h = useHarness();

  it('skip: skipped requests are neither limited nor counted, and get no headers (sync and async)', async () => {
    const GET = h.withRateLimit({ identifyUser: () => 'u', skip: async (req) => req.headers.get('x-internal') === '1', policies: { free: { rate: { maxPerMinute: 1 } } } })(ok);
    for (let i = 0; i < 3; i++) {
      const r = (await GET(nextRequest('/x', { headers: { 'x-internal': '1' } }), ctx()))!;
      expect(r.status).toBe(200);
      expect(r.headers.get('ratelimit-limit')).toBeNull();
    }
    expect([(await GET(nextRequest('/x'), ctx()))!.status, (await GET(nextRequest('/x'), ctx()))!.status]).toEqual([200, 429]);
  });

  it('skipSuccessfulRequests: 2xx and 3xx are given back once their body is sent; failures count', async () => {
    const log = new EventLog();
    const GET = h.withRateLimit({ identifyUser: () => 'u', onEvent: log.onEvent, skipSuccessfulRequests: true, policies: { free: { rate: { maxPerMinute: 2 } } } })(ok);
    for (let i = 0; i < 4; i++) {
      await read(await GET(nextRequest('/x'), ctx()));
      await log.waitFor('usage_recorded', i + 1);
    }
    expect((await read(await GET(nextRequest('/x', { headers: { 'x-status': '500' } }), ctx()))).status).toBe(500);
    expect((await read(await GET(nextRequest('/x', { headers: { 'x-status': '404' } }), ctx()))).status).toBe(404);
    expect((await GET(nextRequest('/x'), ctx()))!.status).toBe(429);
  });

  it('skipFailedRequests: 4xx/5xx responses, thrown errors and missing responses are given back; successes count', async () => {
    const log = new EventLog();
    const limit = h.withRateLimit({ identifyUser: () => 'u', onEvent: log.onEvent, skipFailedRequests: true, policies: { free: { rate: { maxPerMinute: 2 } } } });
    const GET = limit(async (request) => {
      const how = request.headers.get('x-how');
      if (how === 'throw') throw new Error('boom');
      if (how === 'not-found') notFound();
      if (how === 'nothing') return undefined;
      return ok(request);
    });
    await read(await GET(nextRequest('/x', { headers: { 'x-status': '503' } }), ctx()));
    await expect(GET(nextRequest('/x', { headers: { 'x-how': 'throw' } }), ctx())).rejects.toThrow('boom');
    await expect(GET(nextRequest('/x', { headers: { 'x-how': 'not-found' } }), ctx())).rejects.toMatchObject({ digest: 'NEXT_HTTP_ERROR_FALLBACK;404' });
    expect(await GET(nextRequest('/x', { headers: { 'x-how': 'nothing' } }), ctx())).toBeUndefined();
    const refunds = await log.waitFor('usage_recorded', 4);
    expect(refunds.every((e) => e.user === 'u' && e.endpoint === 'GET|/x')).toBe(true);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await read(await GET(nextRequest('/x'), ctx()))).status);
    expect(statuses).toEqual([200, 200, 429]);
  });

  it('knows the status Next.js sends for notFound(), forbidden(), unauthorized(), redirect() and other errors', () => {
    const digest = (d: string) => Object.assign(new Error(d), { digest: d });
    expect(statusOfThrown(digest('NEXT_HTTP_ERROR_FALLBACK;404'))).toBe(404);
    expect(statusOfThrown(digest('NEXT_HTTP_ERROR_FALLBACK;401'))).toBe(401);
    expect(statusOfThrown(digest('NEXT_REDIRECT;replace;https://e.com/a;b;308;'))).toBe(308);
    expect(statusOfThrown(digest('NEXT_REDIRECT;push;/x;nonsense;'))).toBe(307);
    expect(statusOfThrown(digest('NEXT_HTTP_ERROR_FALLBACK;999'))).toBe(500);
    expect(statusOfThrown(new Error('x'))).toBe(500);
    expect(statusOfThrown('a string')).toBe(500);
  });

  it('skipFailedRequests: a streamed response whose client goes away mid-body is given back (over HTTP)', async () => {
    const log = new EventLog();
    const limit = h.withRateLimit({ identifyUser: () => 'u', onEvent: log.onEvent, skipFailedRequests: true, policies: { free: { rate: { maxPerMinute: 5 } } } });
    const GET = limit(async () => {
      const body = new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(new TextEncoder().encode('partial '));
        },
      });
      return new Response(body, { headers: { 'content-type': 'text/plain' } });
    });
    const c = await h.serveApp([{ method: 'GET', path: '/stream', handler: GET }]);
    const client = new AbortController();
    const res = await fetch(`${c.base}/stream`, { signal: client.signal });
    const reader = res.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('partial ');
    client.abort();
    const [refund] = await log.waitFor('usage_recorded');
    expect(refund).toMatchObject({ user: 'u', endpoint: 'GET|/stream' });
    expect((await limit.limiter.peek({ userId: 'u', endpoint: 'GET|/stream' })).current).toBe(0);
  });
});

describe('tokens', () => {
  const h = useHarness();

  it('checks the token count from identifyTokenUsage before the handler runs', async () => {
    const POST = h.withRateLimit({ identifyUser: byHeader, identifyTokenUsage: (req) => Number(req.headers.get('x-tokens')), policies: { free: { rate: { maxTokensPerMinute: 1000 } } } })(ok);
    const send = async (tokens: number) => read(await POST(nextRequest('/api/chat', { method: 'POST', headers: as('u', { 'x-tokens': String(tokens) }) }), ctx()));
    expect((await send(600)).status).toBe(200);
    const refused = await send(600);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ reason: 'token_limit_exceeded', used: 600, allowed: 1000 });
    expect((await send(400)).status).toBe(200);
  });

  it('settles to the tokens the response reports (a header read by extractTokenUsage) once the body is sent', async () => {
    const log = new EventLog();
    const POST = h.withRateLimit({
      identifyUser: byHeader,
      onEvent: log.onEvent,
      identifyTokenUsage: (req) => Number(req.headers.get('x-tokens')),
      extractTokenUsage: (res) => Number(res.headers.get('x-tokens-used')),
      policies: { free: { rate: { maxTokensPerMinute: 1000 } } },
    })(async (request) => Response.json({ used: rateLimitInfo(request)?.result?.tokens }, { headers: { 'x-tokens-used': request.headers.get('x-actual') ?? '0' } }));
    const send = (estimate: number, actual: number) => POST(nextRequest('/api/chat', { method: 'POST', headers: as('u', { 'x-tokens': String(estimate), 'x-actual': String(actual) }) }), ctx());
    const first = await send(800, 200);
    expect(log.of('usage_recorded')).toHaveLength(0); // the body has not been read yet
    await read(first);
    expect((await log.waitFor('usage_recorded'))[0]).toMatchObject({ tokens: -600, user: 'u', endpoint: 'POST|/api/chat' });
    // 200 settled + 700 fits under 1000; 800 + 700 would not have.
    expect((await read(await send(700, 1500))).status).toBe(200);
    await log.waitFor('usage_recorded', 2);
    expect((await read(await send(1, 1))).body).toMatchObject({ reason: 'token_limit_exceeded' });
  });

  it('settles a streamed AI response from a count the handler keeps per request, when the stream ends', async () => {
    const log = new EventLog();
    const counts = new WeakMap<Request, number>();
    const POST = h.withRateLimit({
      identifyUser: () => 'u',
      onEvent: log.onEvent,
      identifyTokenUsage: () => 1,
      extractTokenUsage: (_res, req) => counts.get(req),
      policies: { free: { rate: { maxTokensPerMinute: 90 } } },
    })(async (request) => {
      const words = ['a', 'b', 'c'];
      const stream = new ReadableStream<Uint8Array>({
        pull(c) {
          const w = words.shift();
          if (w === undefined) {
            counts.set(request, 90); // the model reported its usage at the end of the stream
            c.close();
          } else c.enqueue(new TextEncoder().encode(w));
        },
      });
      return new Response(stream);
    });
    const c = await h.serveApp([{ method: 'POST', path: '/api/chat', handler: POST }]);
    expect((await c.request('/api/chat', { method: 'POST' })).text).toBe('abc');
    expect((await log.waitFor('usage_recorded'))[0]).toMatchObject({ tokens: 89 }); // 1 estimated, 90 used
    const next = await c.request('/api/chat', { method: 'POST' });
    expect(next.status).toBe(429);
  });
});
