// createIntegrationTest from @limitrate/testing on Fastify: the cases every framework passes
// (packages/testing/test/integration-cases.ts), and what only Fastify does.
import { createIntegrationTest } from '@limitrate/testing';
import { describe, expect, it } from 'vitest';
import { describeIntegrationCases } from '../../testing/test/integration-cases.js';

describeIntegrationCases({ framework: 'fastify', clientUser: '127.0.0.1', rawName: 'Fastify request', rawField: 'routeOptions', rawFieldType: 'object' });

describe('createIntegrationTest: fastify only', () => {
  it("passes adapterOptions to the plugin as they are (its own 'hook')", async () => {
    const test = createIntegrationTest({ framework: 'fastify', policies: { free: { rate: { maxPerMinute: 1 } } }, adapterOptions: { hook: 'sometimes' } });
    try {
      await expect(test.request.get('/')).rejects.toMatchObject({ code: 'ERR_LIMITRATE_INVALID_CONFIG' });
    } finally {
      await test.close();
    }
    const ok = createIntegrationTest({ framework: 'fastify', policies: { free: { rate: { maxPerMinute: 1 } } }, adapterOptions: { hook: 'preHandler' } });
    try {
      expect([(await ok.request.post('/a').send({})).status, (await ok.request.post('/a').send({})).status]).toEqual([200, 429]);
    } finally {
      await ok.close();
    }
  });
});
