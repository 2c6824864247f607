// The cases createIntegrationTest passes on every framework: the roadmap's example, requests
// and what the app sees of them, plans from a header, callbacks reading the body, routes of
// the test's own, errors and close(). Each adapter package runs them (they devDepend on this
// package, so these tests cannot live here), with what differs per framework.
import { manualClock, MemoryStore } from '@limitrate/core';
import { afterAll, describe, expect, it } from 'vitest';
import { createIntegrationTest, type IntegrationEcho, type IntegrationFramework, type IntegrationTest } from '../src/index.js';

/** What differs per framework. */
export interface FrameworkCase {
  framework: IntegrationFramework;
  /** The user a client without credentials counts as: its address, or `unknown` where the framework gives handlers none (Next.js). */
  clientUser: string;
  /** What `req.raw` is called on this framework (the Express request, the Hono context...). */
  rawName: string;
  /** A field of `req.raw` and its `typeof`, to tell it is the framework's own object. */
  rawField: string;
  rawFieldType: string;
}

/** 30.5 s into a minute: no window ends during a test. */
const frozen = () => manualClock(Date.UTC(2026, 0, 1, 12, 30, 30, 500));
const echoOf = (body: unknown) => body as IntegrationEcho;

/** Registers the shared cases for one framework (call it at the top level of a test file). */
export function describeIntegrationCases({ framework: FRAMEWORK, clientUser, rawName, rawField, rawFieldType }: FrameworkCase): void {
  describe(`createIntegrationTest: ${FRAMEWORK}`, () => {
    describe("the roadmap's example", () => {
      const test = createIntegrationTest({ framework: FRAMEWORK, store: 'redis', clock: frozen(), policies: { free: { rate: { maxPerMinute: 10 } } } });
      afterAll(() => test.close());

      it('answers 200 with x-ratelimit-remaining counting down, then 429 with retry-after', async () => {
        const response = await test.request.post('/api/chat').set('Authorization', 'Bearer test-token').send({ message: 'Hello' });
        expect(response.status).toBe(200);
        expect(response.headers['x-ratelimit-remaining']).toBe('9');
        expect(response.headers['ratelimit-limit']).toBe('10');
        for (let left = 8; left >= 0; left--) {
          const next = await test.request.post('/api/chat').send({ message: 'Hello' });
          expect([next.status, next.headers['x-ratelimit-remaining']]).toEqual([200, String(left)]);
        }
        const refused = await test.request.post('/api/chat').send({ message: 'Hello' });
        expect(refused.status).toBe(429);
        expect(refused.headers['retry-after']).toBe('30');
        expect(refused.body).toMatchObject({ ok: false, reason: 'rate_limited', allowed: 10, plan: 'free', endpoint: 'POST|/api/chat' });
        expect(test.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
        expect(test.limiter?.store.name).toBe('redis'); // on a mock Redis client, in memory
      });
    });

    describe.each(['memory', 'upstash'] as const)('store: %s', (store) => {
      const test = createIntegrationTest({ framework: FRAMEWORK, store, clock: frozen(), policies: { free: { rate: { maxPerMinute: 2 } } } });
      afterAll(() => test.close());

      it('counts on that store', async () => {
        const statuses: number[] = [];
        for (let i = 0; i < 3; i++) statuses.push((await test.request.get('/api/items')).status);
        expect(statuses).toEqual([200, 200, 429]);
        expect(test.limiter?.store.name).toBe(store);
      });
    });

    describe('requests', () => {
      const test = createIntegrationTest({ framework: FRAMEWORK, clock: frozen(), policies: { free: { rate: { maxPerHour: 1000 } } } });
      afterAll(() => test.close());

      it('passes headers, JSON bodies and query parameters to the app, and echoes the decision', async () => {
        const r = await test.request.put('/api/items/seven').set({ 'X-Trace': 'abc', 'X-Many': ['1', '2'] }).query({ q: 'x y', tag: ['a', 'b'] }).send({ n: 1, nested: { ok: true } });
        expect(r.status).toBe(200);
        expect(r.headers['content-type']).toMatch(/^application\/json/);
        const echo = echoOf(r.body);
        expect(echo).toMatchObject({ ok: true, method: 'PUT', path: '/api/items/seven', query: { q: 'x y', tag: ['a', 'b'] }, body: { n: 1, nested: { ok: true } } });
        expect(echo.headers['x-trace']).toBe('abc');
        expect(echo.headers['x-many']).toBe('1, 2');
        expect(echo.rateLimit).toMatchObject({ limit: 1000, used: 1, remaining: 999, plan: 'free', endpoint: 'PUT|/api/items/seven', user: clientUser });
        expect(JSON.parse(r.text)).toEqual(r.body);
      });

      it('sends strings as text, and every method', async () => {
        const text = await test.request.patch('/notes').send('plain words');
        expect(echoOf(text.body)).toMatchObject({ method: 'PATCH', body: 'plain words', headers: { 'content-type': 'text/plain; charset=utf-8' } });
        const form = await test.request.post('/form').type('form').send({ a: 1, b: 'two' });
        expect(echoOf(form.body).body).toBe('a=1&b=two');
        for (const method of ['get', 'delete', 'options'] as const) expect((await test.request[method]('/any')).status).toBe(200);
        const head = await test.request.head('/any');
        expect([head.status, head.text, head.headers['x-ratelimit-limit']]).toEqual([200, '', '1000']);
      });
    });

    describe('plans and users from headers', () => {
      const test = createIntegrationTest({
        framework: FRAMEWORK,
        clock: frozen(),
        identifyUser: (req) => req.headers['x-api-key'] ?? 'anonymous',
        identifyPlan: (req) => req.headers['x-plan'] ?? 'free',
        policies: { free: { rate: { maxPerMinute: 1 } }, pro: { rate: { maxPerMinute: 3 } } },
      });
      afterAll(() => test.close());

      it('counts each user apart under the limits of their plan', async () => {
        const send = async (key: string, plan?: string) => (await test.request.get('/api/data').set('X-Api-Key', key).set(plan === undefined ? {} : { 'X-Plan': plan })).status;
        expect([await send('alice'), await send('alice')]).toEqual([200, 429]);
        expect([await send('bob', 'pro'), await send('bob', 'pro'), await send('bob', 'pro'), await send('bob', 'pro')]).toEqual([200, 200, 200, 429]);
        const carol = await test.request.get('/api/data').set('x-api-key', 'carol').set('x-plan', 'pro');
        expect(echoOf(carol.body).rateLimit).toMatchObject({ user: 'carol', plan: 'pro', limit: 3, remaining: 2 });
      });
    });

    describe('callbacks see the body', () => {
      const test = createIntegrationTest({
        framework: FRAMEWORK,
        clock: frozen(),
        identifyUser: (req) => String((req.body as { user?: string } | undefined)?.user ?? 'nobody'),
        policies: { free: { rate: { maxPerMinute: 1 } } },
      });
      afterAll(() => test.close());

      it('identifies users by a field of the JSON body', async () => {
        const as = (user: string) => test.request.post('/api/chat').send({ user });
        expect([(await as('u1')).status, (await as('u1')).status, (await as('u2')).status]).toEqual([200, 429, 200]);
      });
    });

    describe('estimateCost sees the body', () => {
      const test = createIntegrationTest({
        framework: FRAMEWORK,
        clock: frozen(),
        policies: { free: { cost: { estimateCost: (req) => Number((req.body as { cost?: number } | undefined)?.cost ?? 0), hourlyCap: 1 } } },
      });
      afterAll(() => test.close());

      it('caps the cost the bodies declare', async () => {
        expect((await test.request.post('/api/chat').send({ cost: 0.6 })).status).toBe(200);
        const refused = await test.request.post('/api/chat').send({ cost: 0.6 });
        expect([refused.status, (refused.body as { reason?: string }).reason]).toEqual([429, 'cost_exceeded']);
        expect((await test.request.post('/api/chat').send({ cost: 0.3 })).status).toBe(200);
      });
    });

    describe('routes of the test', () => {
      const store = new MemoryStore({ clock: frozen() });
      const test = createIntegrationTest({
        framework: FRAMEWORK,
        store,
        policies: { free: { endpoints: { 'GET|/users/:id': { rate: { maxPerMinute: 2 } } }, defaults: { rate: { maxPerMinute: 100 } } } },
        routes: {
          'GET /users/:id': (req) => ({ body: { id: req.params.id, endpoint: req.rateLimit?.endpoint, remaining: req.rateLimit?.remaining } }),
          'POST /upload': (req) => ({ status: 201, headers: { 'X-Size': String(JSON.stringify(req.body).length) }, body: 'stored' }),
          'DELETE /boom': () => {
            throw new Error('boom');
          },
        },
      });
      afterAll(() => test.close());

      it('runs them with params and the decision; /users/1 and /users/2 share the endpoint GET|/users/:id', async () => {
        const a = await test.request.get('/users/1');
        expect(a.body).toEqual({ id: '1', endpoint: 'GET|/users/:id', remaining: 1 });
        expect((await test.request.get('/users/2')).status).toBe(200);
        expect((await test.request.get('/users/3')).status).toBe(429);
        expect(test.limiter?.store).toBe(store);
      });

      it('answers with their status, headers and text bodies; others fall to the default route; a throwing one answers 500', async () => {
        const up = await test.request.post('/upload').send({ big: 'x' });
        expect([up.status, up.headers['x-size'], up.headers['content-type'], up.body]).toEqual([201, '11', 'text/plain; charset=utf-8', 'stored']);
        expect(echoOf((await test.request.get('/users')).body).path).toBe('/users');
        expect((await test.request.delete('/boom')).status).toBe(500);
      });
    });

    describe('errors and close()', () => {
      it('refuses a framework it does not know with a coded error', () => {
        expect(() => createIntegrationTest({ framework: 'koa' as never, policies: { free: {} } })).toThrow(expect.objectContaining({ code: 'ERR_LIMITRATE_INVALID_CONFIG', path: 'framework' }));
      });

      it("reports the adapter's configuration errors on the first request", async () => {
        const test = createIntegrationTest({ framework: FRAMEWORK, policies: { free: { rate: { maxPerMinute: -1 } } } });
        await expect(test.request.get('/')).rejects.toMatchObject({ code: 'ERR_LIMITRATE_INVALID_CONFIG' });
        await test.close();
      });

      it('stops the server and the limiter; later requests reject with ERR_LIMITRATE_CLOSED', async () => {
        const test: IntegrationTest = createIntegrationTest({ framework: FRAMEWORK, policies: { free: { rate: { maxPerMinute: 5 } } } });
        expect(test.url).toBeUndefined();
        const url = await test.start();
        expect((await fetch(`${url}/ping`)).status).toBe(200);
        await test.close();
        await test.close();
        await expect(fetch(`${url}/ping`)).rejects.toThrow();
        await expect(test.request.get('/ping')).rejects.toMatchObject({ code: 'ERR_LIMITRATE_CLOSED' });
        await createIntegrationTest({ framework: FRAMEWORK, policies: { free: {} } }).close();
      });
    });

    it(`gives callbacks and routes the ${rawName} as raw`, async () => {
      let raw: unknown;
      const test = createIntegrationTest({
        framework: FRAMEWORK,
        policies: { free: {} },
        skip: (req) => {
          raw = req.raw;
          return false;
        },
        routes: { 'GET /raw': (req) => ({ body: { same: req.raw === raw, app: typeof (req.raw as Record<string, unknown>)[rawField] } }) },
      });
      try {
        expect((await test.request.get('/raw')).body).toEqual({ same: true, app: rawFieldType });
      } finally {
        await test.close();
      }
    });
  });
}
