// Through an adapter: @limitrate/express with metrics: datadogMetrics(), real HTTP requests,
// and the DogStatsD lines received on a real UDP listener.
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { limitrate } from '@limitrate/express';
import { datadogMetrics } from '../src/index.js';
import { startDogStatsdServer, type DogStatsdServer } from './dogstatsd-server.js';

let statsd: DogStatsdServer;
beforeEach(async () => {
  statsd = await startDogStatsdServer();
});
afterEach(async () => {
  await statsd.close();
});

describe('with @limitrate/express', () => {
  it('counts allowed and blocked requests by plan, endpoint and result', async () => {
    const metrics = datadogMetrics({ host: '127.0.0.1', port: statsd.port, flushIntervalMs: 0, globalTags: ['service:web'] });
    const limiter = limitrate({ policies: { free: { rate: { maxPerMinute: 2 } } }, identifyPlan: () => 'free', metrics });
    const app = express();
    app.use(limiter);
    app.get('/api/items/:id', (_req, res) => void res.json({ ok: true }));
    const server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${base}/api/items/${i}`);
        await res.arrayBuffer();
        statuses.push(res.status);
      }
      expect(statuses).toEqual([200, 200, 429]);
      await metrics.flush();
      await statsd.sync();
      const checks = statsd.find('limitrate.checks', 'plan:free', 'service:web');
      const byResult = Object.fromEntries(checks.map((l) => [l.tags.find((t) => t.startsWith('result:')), l.value]));
      expect(byResult).toEqual({ 'result:allowed': 2, 'result:blocked': 1 });
      const endpoints = new Set(checks.map((l) => l.tags.find((t) => t.startsWith('endpoint:'))));
      expect(endpoints.size).toBe(1);
      expect([...endpoints][0]).toMatch(/^endpoint:GET_\/api\/items/);
      expect(statsd.sum('limitrate.events', 'event:rate_exceeded', 'plan:free')).toBe(1);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await limiter.close();
    }
  });
});
