// Testing guide: the app's limits over real HTTP, with a supertest-like client (Express here;
// 'fastify', 'hono' and 'nextjs' work the same).
import { afterAll, describe, expect, it } from 'vitest';
import { createIntegrationTest } from '@limitrate/testing';

const test = createIntegrationTest({
  framework: 'express',
  // An in-memory Redis that runs LimitRate's scripts as Redis does: no server needed.
  store: 'redis',
  policies: {
    free: { endpoints: { 'POST|/api/chat': { rate: { maxPerMinute: 10 } } } },
    pro: { endpoints: { 'POST|/api/chat': { rate: { maxPerMinute: 100 } } } },
  },
  identifyUser: (req) => req.headers.authorization ?? 'anonymous',
  identifyPlan: (req) => (req.headers['x-plan'] === 'pro' ? 'pro' : 'free'),
});

afterAll(() => test.close());

describe('POST /api/chat', () => {
  it('counts down in the headers, then answers 429 with Retry-After', async () => {
    const first = await test.request.post('/api/chat').set('Authorization', 'Bearer test-token').send({ message: 'Hello' });
    expect(first.status).toBe(200);
    expect(first.headers['x-ratelimit-remaining']).toBe('9');
    for (let i = 0; i < 9; i++) await test.request.post('/api/chat').set('Authorization', 'Bearer test-token').send({ message: 'Hello' });
    const refused = await test.request.post('/api/chat').set('Authorization', 'Bearer test-token').send({ message: 'Hello' });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('gives the pro plan its own limit', async () => {
    const pro = await test.request.post('/api/chat').set({ Authorization: 'Bearer pro-token', 'X-Plan': 'pro' }).send({ message: 'Hello' });
    expect(pro.headers['x-ratelimit-limit']).toBe('100');
  });
});
