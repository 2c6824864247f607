// Headers in every mode ('v3' default, 'draft', 'legacy', 'both', false) on allowed responses
// and on refusals; the 429, 403 and 503 bodies as v3 JSON and as RFC 9457 problem details;
// upgradeHint; the parsed draft fields (structured-headers).
import { failingStore } from '@limitrate/testing';
import { parseList } from 'structured-headers';
import { describe, expect, it } from 'vitest';
import type { WithRateLimitOptions } from '../src/index.js';
import { ctx, nextRequest, ok, read, useHarness } from './helpers.js';

const names = (headers: Headers): string[] => [...headers.keys()].filter((k) => /^(x-)?ratelimit|^retry-after$/.test(k)).sort();

describe('headers and refusal bodies', () => {
  const h = useHarness();

  /** Two requests against a limit of 1: the allowed one and the 429. */
  async function pair(options: Partial<WithRateLimitOptions>) {
    const GET = h.withRateLimit({ identifyUser: () => 'u', policies: { free: { rate: { maxPerMinute: 1 } } }, ...options })(ok);
    return [await read(await GET(nextRequest('/x'), ctx())), await read(await GET(nextRequest('/x'), ctx()))] as const;
  }

  it.each([
    ['v3 (default)', undefined, ['ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']],
    ['draft', 'draft' as const, ['ratelimit', 'ratelimit-policy']],
    ['legacy', 'legacy' as const, ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']],
    ['both', 'both' as const, ['ratelimit', 'ratelimit-policy', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']],
    ['false', false as const, []],
  ])('headers %s: the right set on the allowed response and on the 429 (plus Retry-After)', async (_name, headers, expected) => {
    const [allowed, refused] = await pair(headers === undefined ? {} : { headers });
    expect(names(allowed.headers)).toEqual(expected);
    expect(names(refused.headers)).toEqual([...expected, 'retry-after'].sort());
    expect(refused.headers.get('retry-after')).toBe('30');
  });

  it("sends the draft's fields as RFC 9651 lists: RateLimit-Policy with q and w, RateLimit with r and t", async () => {
    const [allowed] = await pair({ headers: 'draft' });
    const policy = parseList(allowed.headers.get('ratelimit-policy')!);
    const current = parseList(allowed.headers.get('ratelimit')!);
    expect(policy.map(([item, params]) => [item, Object.fromEntries(params)])).toEqual([['rate-1m', { q: 1, w: 60 }]]);
    expect(current.map(([item, params]) => [item, Object.fromEntries(params)])).toEqual([['rate-1m', { r: 0, t: 30 }]]);
  });

  it('adds upgrade_hint from a string or a function of the plan', async () => {
    const [, text] = await pair({ upgradeHint: 'Upgrade to Pro' });
    expect(text.body.upgrade_hint).toBe('Upgrade to Pro');
    const [, fn] = await pair({ upgradeHint: (plan) => (plan === 'free' ? `Leave ${plan}` : undefined) });
    expect(fn.body.upgrade_hint).toBe('Leave free');
  });

  it('answers application/problem+json (RFC 9457) with problemDetails, for 429, 403 and 503', async () => {
    const [, r] = await pair({ problemDetails: true });
    expect(r.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    expect(r.body).toMatchObject({ type: 'https://iana.org/assignments/http-problem-types#quota-exceeded', title: 'Quota Exceeded', status: 429, instance: '/x', 'violated-policies': ['rate-1m'] });
    const blocked = h.withRateLimit({ problemDetails: true, trustProxy: true, ipBlocklist: ['192.0.2.0/24'], policies: { free: {} } })(ok);
    const b = await read(await blocked(nextRequest('/x', { headers: { 'x-forwarded-for': '192.0.2.9' } }), ctx()));
    expect(b.status).toBe(403);
    expect(b.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    expect(b.body).toMatchObject({ status: 403, reason: 'ip_blocked' });
    const down = h.withRateLimit({ problemDetails: true, store: failingStore(), onStoreError: 'block', policies: { free: { rate: { maxPerMinute: 5 } } } })(ok);
    const d = await read(await down(nextRequest('/x'), ctx()));
    expect(d.status).toBe(503);
    expect(d.body).toMatchObject({ type: 'https://iana.org/assignments/http-problem-types#temporary-reduced-capacity', status: 503 });
    expect(d.headers.get('retry-after')).toBe('1');
  });

  it('sends no rate-limit headers for an endpoint no policy limits', async () => {
    const GET = h.withRateLimit({ policies: { free: { endpoints: { 'POST|/limited': { rate: { maxPerMinute: 1 } } } } } })(ok);
    const r = await read(await GET(nextRequest('/free-for-all'), ctx()));
    expect(r.status).toBe(200);
    expect(names(r.headers)).toEqual([]);
  });
});
