// Quota status: createStatusEndpoint as a GET route handler and getRateLimitStatus, counting
// nothing; for a withRateLimit wrapper and for a proxy.
import { describe, expect, it } from 'vitest';
import { createStatusEndpoint, getRateLimitStatus } from '../src/index.js';
import { as, byHeader, ctx, nextRequest, ok, read, useHarness } from './helpers.js';

describe('status', () => {
  const h = useHarness();

  it('createStatusEndpoint: used, limit, remaining, plan and every limit of the endpoint named, uncached, counting nothing', async () => {
    const limit = h.withRateLimit({ identifyUser: byHeader, policies: { free: { endpoints: { 'POST|/api/chat': { rate: { maxPerMinute: 10, maxPerHour: 100 } } } } } });
    const POST = limit(ok);
    const GET = createStatusEndpoint(limit, { endpoint: 'POST|/api/chat' });
    for (let i = 0; i < 3; i++) await POST(nextRequest('/api/chat', { method: 'POST', headers: as('ann') }), ctx());
    const first = await read(await GET(nextRequest('/api/chat', { headers: as('ann') })));
    const again = await read(await GET(nextRequest('/api/chat', { headers: as('ann') })));
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('no-store');
    expect(first.body).toMatchObject({ used: 3, limit: 10, remaining: 7, plan: 'free', percentage: 30, endpoint: 'POST|/api/chat' });
    expect((first.body.limits as Array<{ id: string }>).map((l) => l.id)).toEqual(['rate:1m', 'rate:1h']);
    expect(again.body.used).toBe(3);
    expect((await read(await GET(nextRequest('/api/chat', { headers: as('bob') })))).body.used).toBe(0);
  });

  it('getRateLimitStatus works for a proxy too, and for the endpoint of the request when none is named', async () => {
    const proxy = h.rateLimitProxy({ identifyUser: () => 'u', policies: { free: { rate: { maxPerMinute: 4 } } } });
    await proxy(nextRequest('/api/items'));
    expect(await getRateLimitStatus(proxy, nextRequest('/api/items'))).toMatchObject({ used: 1, remaining: 3, endpoint: 'GET|/api/items' });
  });

  it('answers 500 without detail when the status cannot be read', async () => {
    const limit = h.withRateLimit({ identifyUser: () => 'u', policies: { free: { rate: { maxPerMinute: 4 } } } });
    await limit.close();
    const r = await read(await createStatusEndpoint(limit)(nextRequest('/x')));
    expect(r.status).toBe(500);
    expect(r.body).toEqual({ ok: false, error: 'Failed to get the rate limit status' });
  });
});
