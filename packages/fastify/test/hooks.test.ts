// Which hooks the plugin gives each route: the registration's onRequest hook for every
// request, a route-level preHandler only for a route checked once its body is parsed, and a
// route-level onResponse only when the limiter has after-response work. Fewer hooks is less
// work on every request. Also: the route config is read without request.routeOptions, and
// read through it when Fastify's internal slot is not there.
import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { routeConfigOf } from '../src/context.js';
import { limitrate } from '../src/index.js';
import { echo, useHarness } from './helpers.js';

/** The names of a route's hooks, from `printRoutes({ includeHooks: true })`. */
function hooksOf(app: FastifyInstance, method: string, url: string): Record<string, string[]> {
  const tree = app.printRoutes({ includeHooks: true, commonPrefix: false });
  const lines = tree.split('\n');
  const at = lines.findIndex((l) => l.trim().endsWith(`${url} (${method})`));
  expect(at, tree).toBeGreaterThanOrEqual(0);
  const out: Record<string, string[]> = {};
  for (const line of lines.slice(at + 1)) {
    const m = /• \((\w+)\) (\[.*\])/.exec(line);
    if (m === null) break;
    out[m[1]!] = (JSON.parse(m[2]!) as string[]).map((name) => name.replace(/\(\)$/, ''));
  }
  return out;
}

describe('hooks per route', () => {
  const h = useHarness();

  it('a route checked on request gets no preHandler or onResponse hook of the plugin', async () => {
    const app = h.app();
    await app.register(limitrate, { policies: { free: { rate: { maxPerMinute: 5 } } } });
    app.get('/plain', echo);
    await app.ready();
    const hooks = hooksOf(app, 'GET', '/plain');
    expect(hooks.onRequest).toHaveLength(1);
    expect(hooks.preHandler).toBeUndefined();
    expect(hooks.onResponse).toBeUndefined();
  });

  it('a route whose cost estimate reads the body gets a preHandler hook, and is checked once (not in onRequest too)', async () => {
    const app = h.app();
    await app.register(limitrate, {
      policies: { free: { endpoints: { 'POST|/chat': { rate: { maxPerMinute: 2 }, cost: { estimateCost: (req) => ((req as { body?: { n?: number } }).body?.n ?? 0) / 100, hourlyCap: 0.05 } } } } },
    });
    app.post('/chat', echo);
    app.get('/other', echo);
    await app.ready();
    expect(hooksOf(app, 'POST', '/chat').preHandler).toEqual(['limitratePreHandler']);
    expect(hooksOf(app, 'GET', '/other').preHandler).toBeUndefined();
    const first = await app.inject({ method: 'POST', url: '/chat', payload: { n: 3 } });
    // Checked once, with the parsed body: 3 cents of the 5-cent cap spent (twice would be
    // 6 cents and a refusal), and 3 more cents are refused.
    expect(first.statusCode).toBe(200);
    expect(first.headers['ratelimit-remaining']).toBe('0.02');
    expect((await app.inject({ method: 'POST', url: '/chat', payload: { n: 3 } })).statusCode).toBe(429);
  });

  it('after-response work (skipFailedRequests) gives routes an onResponse hook that settles it', async () => {
    const app = h.app();
    await app.register(limitrate, { skipFailedRequests: true, policies: { free: { rate: { maxPerMinute: 2 } } } });
    app.get('/fails', async (_req, reply) => reply.code(500).send({ ok: false }));
    await app.ready();
    expect(hooksOf(app, 'GET', '/fails').onResponse).toHaveLength(1);
    for (let i = 0; i < 4; i++) expect((await app.inject('/fails')).statusCode).toBe(500);
  });

  it('routeConfigOf reads the route context, and falls back to routeOptions without it', async () => {
    const app = h.app();
    let seen: unknown[] = [];
    app.get('/c', { config: { mark: 1 } }, async (req) => {
      seen = [routeConfigOf(req), req.routeOptions.config];
      return 'ok';
    });
    await app.inject('/c');
    expect(seen[0]).toBe(seen[1]);
    expect(seen[0]).toMatchObject({ mark: 1, url: '/c' });
    const config = { url: '/fake' };
    expect(routeConfigOf({ routeOptions: { config } } as never)).toBe(config);
  });
});
