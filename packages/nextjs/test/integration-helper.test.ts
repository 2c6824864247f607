// createIntegrationTest from @limitrate/testing on Next.js: the cases every framework passes
// (packages/testing/test/integration-cases.ts), and what only Next.js does.
import { createIntegrationTest, type IntegrationEcho } from '@limitrate/testing';
import { describe, expect, it } from 'vitest';
import { describeIntegrationCases } from '../../testing/test/integration-cases.js';

describeIntegrationCases({ framework: 'nextjs', clientUser: 'unknown', rawName: 'NextRequest', rawField: 'nextUrl', rawFieldType: 'object' });

describe('createIntegrationTest: nextjs only', () => {
  it('counts every client as unknown without trustProxy: Next.js gives handlers no socket address', async () => {
    const test = createIntegrationTest({ framework: 'nextjs', policies: { free: { rate: { maxPerMinute: 5 } } } });
    try {
      const echo = (await test.request.get('/api/ip')).body as IntegrationEcho;
      expect(echo.rateLimit?.user).toBe('unknown');
      expect(echo.headers['x-forwarded-for']).toBe('127.0.0.1');
    } finally {
      await test.close();
    }
  });

  it('counts clients by X-Forwarded-For under trustProxy (set to the peer when absent, as Next.js does)', async () => {
    const test = createIntegrationTest({ framework: 'nextjs', trustProxy: true, policies: { free: { rate: { maxPerMinute: 1 } } } });
    try {
      const first = await test.request.get('/api/ip');
      expect((first.body as IntegrationEcho).rateLimit?.user).toBe('127.0.0.1');
      expect((await test.request.get('/api/ip')).status).toBe(429);
      expect((await test.request.get('/api/ip').set('X-Forwarded-For', '203.0.113.9')).status).toBe(200);
    } finally {
      await test.close();
    }
  });
});
