// Agentless mode against a local HTTP server standing in for the Datadog API: v2 series
// for counts and gauges, v1 distribution_points for distributions, the DD-API-KEY header,
// and errors (HTTP 403, unreachable) reported to onError without throwing.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RateLimiter } from '@limitrate/core';
import { datadogMetrics } from '../src/index.js';

interface Received {
  path: string;
  apiKey: string | undefined;
  contentType: string | undefined;
  body: { series: Record<string, unknown>[] };
}

let server: Server;
let url: string;
let received: Received[];
let status = 202;

beforeEach(async () => {
  received = [];
  status = 202;
  server = createServer((req: IncomingMessage, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', apiKey: req.headers['dd-api-key'] as string | undefined, contentType: req.headers['content-type'], body: JSON.parse(data) });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(status < 300 ? '{"errors":[]}' : '{"errors":["Forbidden"]}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const POLICIES = { free: { rate: { maxPerMinute: 2 } } };

describe('agentless', () => {
  it('posts counts and gauges to /api/v2/series and distributions to /api/v1/distribution_points', async () => {
    const errors: Error[] = [];
    const m = datadogMetrics({ apiKey: 'secret-key', apiUrl: url, globalTags: ['env:test'], flushIntervalMs: 0, timingsPerSecond: Infinity, onError: (e) => errors.push(e) });
    const limiter = new RateLimiter({ policies: POLICIES, metrics: m });
    for (let i = 0; i < 3; i++) await limiter.check({ userId: 'u', plan: 'free', endpoint: 'POST|/api/chat' });
    await m.flush();
    expect(errors).toEqual([]);
    expect(received.map((r) => r.path).sort()).toEqual(['/api/v1/distribution_points', '/api/v2/series']);
    for (const r of received) {
      expect(r.apiKey).toBe('secret-key');
      expect(r.contentType).toBe('application/json');
    }
    const series = received.find((r) => r.path === '/api/v2/series')!.body.series;
    const checks = series.filter((s) => s.metric === 'limitrate.checks');
    const count = (result: string) =>
      checks.filter((s) => (s.tags as string[]).includes(`result:${result}`)).reduce((n, s) => n + (s.points as { value: number }[])[0]!.value, 0);
    expect([count('allowed'), count('blocked')]).toEqual([2, 1]);
    for (const s of checks) {
      expect(s).toMatchObject({ type: 1, interval: 10 });
      expect(s.tags).toEqual(expect.arrayContaining(['env:test', 'plan:free', 'endpoint:POST_/api/chat']));
      const [point] = s.points as { timestamp: number }[];
      expect(Math.abs(point!.timestamp - Date.now() / 1000)).toBeLessThan(60);
    }
    expect(series.find((s) => s.metric === 'limitrate.usage')).toMatchObject({ type: 3, points: [{ value: 2 }] });
    const dist = received.find((r) => r.path === '/api/v1/distribution_points')!.body.series;
    expect(dist).toHaveLength(1);
    expect(dist[0]).toMatchObject({ metric: 'limitrate.check.duration', type: 'distribution' });
    const values = (dist[0]!.points as [number, number[]][])[0]![1];
    expect(values).toHaveLength(3);
    await limiter.close();
  });

  it('flushes on limiter.close and waits for the request', async () => {
    const m = datadogMetrics({ apiKey: 'k', apiUrl: url, flushIntervalMs: 0 });
    const limiter = new RateLimiter({ policies: POLICIES, metrics: m });
    limiter.checkNow({ userId: 'u' });
    await limiter.close();
    expect(received.some((r) => r.path === '/api/v2/series')).toBe(true);
  });

  it('reports HTTP errors and an unreachable API to onError, never throwing', async () => {
    status = 403;
    const errors: Error[] = [];
    const m = datadogMetrics({ apiKey: 'bad', apiUrl: url, flushIntervalMs: 0, onError: (e) => errors.push(e) });
    const limiter = new RateLimiter({ policies: POLICIES, metrics: m });
    limiter.checkNow({ userId: 'u' });
    await expect(m.flush()).resolves.toBeUndefined();
    expect(errors[0]!.message).toMatch(/answered 403/);
    await limiter.close();

    const down: Error[] = [];
    const m2 = datadogMetrics({ apiKey: 'k', apiUrl: 'http://127.0.0.1:1', flushIntervalMs: 0, onError: (e) => down.push(e) });
    const l2 = new RateLimiter({ policies: POLICIES, metrics: m2 });
    l2.checkNow({ userId: 'u' });
    await expect(l2.close()).resolves.toBeUndefined();
    expect(down.length).toBeGreaterThan(0);
  });
});
