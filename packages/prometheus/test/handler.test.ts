// The /metrics handler on each framework over real HTTP on 127.0.0.1: Express (with the
// limiter in front, end to end), Fastify, Hono on @hono/node-server, and a fetch Request as
// a Next.js route handler gets it. Also the Grafana dashboard: every metric its queries use
// is one the package exports.
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { limitrate as expressLimitrate } from '@limitrate/express';
import { limitrate as fastifyLimitrate } from '@limitrate/fastify';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { metricNames, prometheusMetrics } from '../src/index.js';
import { parseExposition, valueOf } from './exposition.js';

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

const POLICIES = { free: { endpoints: { 'GET|/api/items/:id': { rate: { maxPerMinute: 2 } } }, defaults: { rate: { maxPerMinute: 100 } } } };

async function get(url: string) {
  const res = await fetch(url);
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

describe('the /metrics handler', () => {
  it('Express: the limiter counts, /metrics serves the exposition', async () => {
    const registry = new Registry();
    const app = express();
    app.use(expressLimitrate({ policies: POLICIES, metrics: prometheusMetrics({ registry }) }));
    app.get('/api/items/:id', (req, res) => void res.json({ id: req.params.id }));
    app.get('/metrics', prometheusMetrics.handler({ registry }));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    closers.push(() => new Promise((r) => server.close(r)));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const statuses = [];
    for (let i = 1; i <= 3; i++) statuses.push((await get(`${base}/api/items/${i}`)).status);
    expect(statuses).toEqual([200, 200, 429]);
    const m = await get(`${base}/metrics`);
    expect(m.status).toBe(200);
    expect(m.type).toBe(registry.contentType);
    const s = parseExposition(m.text);
    expect(valueOf(s, 'limitrate_checks_total', { plan: 'free', endpoint: 'GET|/api/items/:id', result: 'allowed' })).toBe(2);
    expect(valueOf(s, 'limitrate_checks_total', { plan: 'free', endpoint: 'GET|/api/items/:id', result: 'blocked' })).toBe(1);
  });

  it('Fastify: registered with the plugin, and the handler as a route', async () => {
    const registry = new Registry();
    const metrics = prometheusMetrics({ registry });
    const app = Fastify();
    closers.push(() => app.close());
    await app.register(fastifyLimitrate, { policies: POLICIES, metrics });
    app.get('/api/items/:id', async (req) => ({ id: (req.params as { id: string }).id }));
    app.get('/metrics', { config: { limitrate: false } }, metrics.handler());
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    await get(`${base}/api/items/1`);
    const m = await get(`${base}/metrics`);
    expect([m.status, m.type]).toEqual([200, registry.contentType]);
    expect(valueOf(parseExposition(m.text), 'limitrate_checks_total', { endpoint: 'GET|/api/items/:id', result: 'allowed' })).toBe(1);
  });

  it('Hono on @hono/node-server, and a fetch Request (a Next.js GET route)', async () => {
    const registry = new Registry();
    const metrics = prometheusMetrics({ registry });
    const app = new Hono();
    app.get('/metrics', metrics.handler());
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise((r) => server.once('listening', r));
    closers.push(() => new Promise((r) => server.close(r)));
    const m = await get(`http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`);
    expect([m.status, m.type]).toEqual([200, registry.contentType]);
    expect(m.text).toContain('# TYPE limitrate_checks_total counter');

    const GET = prometheusMetrics.handler({ registry });
    const res = (await GET(new Request('http://localhost/metrics'))) as Response;
    expect(res).toBeInstanceOf(Response);
    expect(res.headers.get('content-type')).toBe(registry.contentType);
    expect(await res.text()).toContain('# TYPE limitrate_check_duration_seconds histogram');
  });

  it('answers 500 with a reason when the registry cannot collect', async () => {
    const registry = new Registry();
    registry.registerMetric({ name: 'broken', help: 'x', type: 'gauge', get: () => Promise.reject(new Error('collector down')), reset: () => undefined } as never);
    const res = (await prometheusMetrics.handler({ registry })(new Request('http://localhost/metrics'))) as Response;
    expect(res.status).toBe(500);
    expect(await res.text()).toContain('collector down');
  });
});

describe('the Grafana dashboard', () => {
  it('queries only metrics the package exports', () => {
    const dashboard = JSON.parse(readFileSync(new URL('../dashboards/grafana.json', import.meta.url), 'utf8')) as { panels: Array<{ title: string; targets: Array<{ expr: string }> }> };
    const known = new Set(metricNames('limitrate_').flatMap((n) => [n, `${n}_bucket`, `${n}_sum`, `${n}_count`]));
    const used = new Set<string>();
    for (const p of dashboard.panels) for (const t of p.targets) for (const m of t.expr.match(/limitrate_[a-z_]+/g) ?? []) used.add(m);
    expect(used.size).toBeGreaterThan(8);
    for (const m of used) expect(known, m).toContain(m);
    // Every exported metric appears on the dashboard.
    for (const n of metricNames('limitrate_')) expect([...used].some((u) => u === n || u.startsWith(`${n}_`)), n).toBe(true);
  });
});
