// Proves @limitrate/core runs on the edge: the built ESM bundle is loaded into real workerd
// (through miniflare) without any Node.js compatibility flag, and decides requests there.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));

// The limiter is built at module scope, as a Worker would, and kept across requests.
const worker = `
import { RateLimiter, MemoryStore, fixedWindow, gcra } from './core.js';

const limiter = new RateLimiter({
  store: new MemoryStore({ cleanupIntervalMs: 1000 }),
  policies: {
    free: {
      endpoints: {
        'POST|/api/chat': { rate: { maxPerMinute: 3, maxTokensPerMinute: 1000 }, cost: { hourlyCap: 0.01 } },
        'GET|/users/:id': { rate: { algorithm: 'gcra', maxPerMinute: 2 } },
      },
      defaults: { rate: { algorithm: 'sliding-window', maxPerMinute: 10 } },
    },
  },
});
const seen = [];
limiter.events.on('*', (e) => { seen.push(e.type); });

export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === '/pure') {
      const a = fixedWindow(undefined, 0, { limit: 1, windowMs: 1000 });
      const b = fixedWindow(a.state, 1, { limit: 1, windowMs: 1000 });
      const g = gcra(undefined, 0, { limit: 1, windowMs: 1000 });
      return Response.json({ a: a.allowed, b: b.allowed, g: g.allowed });
    }
    if (url.pathname === '/events') {
      await limiter.events.flush();
      return Response.json(seen);
    }
    const result = await limiter.check({
      userId: url.searchParams.get('user') ?? 'anon',
      endpoint: request.method + '|' + url.pathname,
      tokens: Number(url.searchParams.get('tokens') ?? 0) || undefined,
      cost: Number(url.searchParams.get('cost') ?? 0) || undefined,
    });
    return Response.json(
      { allowed: result.allowed, remaining: result.remaining, reason: result.reason ?? null, policy: result.policy, retryAfter: result.retryAfter ?? null },
      { status: result.allowed ? 200 : 429 },
    );
  },
};
`;

let mf: Miniflare;

beforeAll(async () => {
  mf = new Miniflare({
    compatibilityDate: '2025-09-01',
    modules: [
      { type: 'ESModule', path: 'worker.js', contents: worker },
      { type: 'ESModule', path: 'core.js', contents: readFileSync(dist, 'utf8') },
    ],
  });
  await mf.ready;
}, 60_000);

afterAll(async () => {
  await mf?.dispose();
});

const call = async (path: string, method = 'POST') => {
  const res = await mf.dispatchFetch(`http://worker.test${path}`, { method });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

describe('@limitrate/core in workerd', () => {
  it('has no runtime dependencies and imports nothing (not even node: modules)', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { dependencies?: object; peerDependencies?: object };
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(pkg.peerDependencies ?? {}).toEqual({});
    const bundle = readFileSync(dist, 'utf8');
    expect(bundle).not.toMatch(/^\s*import\s/m);
    // One load on demand: the store package a configuration names (stores/deferred.ts),
    // by a name bundlers do not follow. Nothing else.
    expect(bundle.match(/\brequire\(|\bimport\(/g)).toEqual(['require(', 'import(']);
    expect(bundle).toContain('cjs.require(specifier)');
    expect(bundle).toMatch(/import\(\s*(\/\*[^*]*\*\/\s*)*specifier\s*\)/);
    expect(bundle).not.toMatch(/from\s*['"]node:/);
  });

  it('runs the pure algorithms', async () => {
    expect((await call('/pure', 'GET')).body).toEqual({ a: true, b: false, g: true });
  });

  it('limits requests per user and endpoint, then answers 429', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await call('/api/chat?user=alice&tokens=10&cost=0.001')).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const blocked = await call('/api/chat?user=alice');
    expect(blocked.body).toMatchObject({ allowed: false, reason: 'rate_limited', policy: 'POST|/api/chat', retryAfter: expect.any(Number) });
    expect((await call('/api/chat?user=bob')).status).toBe(200);
  });

  it('enforces cost caps and route templates with other algorithms', async () => {
    expect((await call('/api/chat?user=carol&cost=0.011')).body).toMatchObject({ allowed: false, reason: 'cost_exceeded' });
    const users = [await call('/users/1?user=dan', 'GET'), await call('/users/2?user=dan', 'GET'), await call('/users/3?user=dan', 'GET')];
    expect(users.map((r) => r.status)).toEqual([200, 200, 429]);
    expect(users[2]!.body.policy).toBe('GET|/users/:id');
    expect((await call('/anything?user=erin', 'GET')).body).toMatchObject({ allowed: true, policy: 'defaults', remaining: 9 });
  });

  it('delivers events', async () => {
    const events = (await call('/events', 'GET')).body as unknown as string[];
    expect(events).toContain('allowed');
    expect(events).toContain('rate_exceeded');
    expect(events).toContain('cost_exceeded');
  });
});
