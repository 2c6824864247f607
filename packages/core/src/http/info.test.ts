// rateLimitInfo: the shape every adapter hands its handlers, from a decision with limits,
// without limits (an unlimited endpoint), and without a result (skipped, allowlisted).
import { describe, expect, it } from 'vitest';
import { manualClock } from '../clock.js';
import { HttpLimiter } from './engine.js';
import { rateLimitInfo } from './info.js';

const T0 = 1_767_225_600_000 + 15_000;

describe('rateLimitInfo', () => {
  it('describes the limit that matters, what is left and when it resets', async () => {
    const http = new HttpLimiter<{ u: string }>({ clock: manualClock(T0), identifyUser: (r) => r.u, policies: { free: { rate: { maxPerMinute: 3 } } } });
    const d = await http.decide({ method: 'GET', path: '/x', raw: { u: 'alice' } });
    expect(rateLimitInfo(d)).toEqual({
      limit: 3,
      used: 1,
      current: 1,
      remaining: 2,
      reset: 45,
      resetTime: new Date(T0 + 45_000),
      policy: 'defaults',
      rule: undefined,
      user: 'alice',
      plan: 'free',
      endpoint: 'GET|/x',
      result: d.result,
    });
    await http.close();
  });

  it('reports Infinity when no limit applies, and copes without a result', async () => {
    const http = new HttpLimiter<{ u: string }>({ clock: manualClock(T0), identifyUser: (r) => r.u, policies: { free: { endpoints: { 'GET|/a': { rate: { maxPerMinute: 1 } } } } } });
    const d = await http.decide({ method: 'GET', path: '/unlisted', raw: { u: 'bob' } });
    expect(rateLimitInfo(d)).toMatchObject({ limit: Infinity, remaining: Infinity, resetTime: undefined, user: 'bob', endpoint: 'GET|/unlisted' });
    expect(rateLimitInfo({ user: 'c', plan: 'free', endpoint: 'GET|/', result: undefined })).toMatchObject({ limit: Infinity, used: 0, policy: '', result: undefined });
    await http.close();
  });
});
