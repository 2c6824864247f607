// Endpoint keys from Hono's matched route: templates with parameters (and their regular
// expressions), wildcards, sub-apps mounted with app.route() and basePath(), route-level
// use, middleware registered around the handler, 404s, HEAD, and routeTemplate() itself.
import { Hono, type Context } from 'hono';
import { describe, expect, it } from 'vitest';
import { routeTemplate } from '../src/index.js';
import { echo, EventLog, read, useHarness, type EchoBody } from './helpers.js';

const LIMIT = { rate: { maxPerMinute: 2 } };

describe('endpoint keys from routes', () => {
  const h = useHarness();

  const endpointOf = async (app: Hono, path: string, method = 'GET'): Promise<string | undefined> => (await read<EchoBody>(await app.request(path, { method }))).body.rateLimit?.endpoint;

  it('counts /users/1 and /users/2 as GET|/users/:id, and matches the policy written for it', async () => {
    const app = new Hono();
    app.use('*', h.limitrate({ policies: { free: { endpoints: { 'GET|/users/:id': LIMIT }, defaults: { rate: { maxPerMinute: 100 } } } } }));
    app.get('/users/:id', echo);
    const c = await h.listen(app);
    const first = await c.echo('/users/1');
    expect(first.body.rateLimit).toMatchObject({ endpoint: 'GET|/users/:id', policy: 'GET|/users/:id', remaining: 1 });
    expect((await c.get('/users/2')).status).toBe(200);
    expect((await c.get('/users/3')).status).toBe(429);
  });

  it('drops the regular expression of a parameter: /posts/:id{[0-9]+} is GET|/posts/:id', async () => {
    const app = new Hono();
    app.use('*', h.limitrate({ policies: { free: { endpoints: { 'GET|/posts/:id': LIMIT, 'GET|/files/:name': LIMIT } } } }));
    app.get('/posts/:id{[0-9]+}', echo);
    app.get('/files/:name{[a-z]{2,}\\.png}', echo);
    expect(await endpointOf(app, '/posts/12')).toBe('GET|/posts/:id');
    expect(await endpointOf(app, '/files/cat.png')).toBe('GET|/files/:name');
    expect((await app.request('/posts/13')).status).toBe(200);
    expect((await app.request('/posts/14')).status).toBe(429);
  });

  it('keeps the prefix of sub-apps mounted with app.route() and of basePath()', async () => {
    const api = new Hono();
    api.get('/orgs/:org/members/:id', echo);
    const app = new Hono();
    app.use('*', h.limitrate({ policies: { free: { endpoints: { 'GET|/v1/orgs/:org/members/:id': LIMIT } } } }));
    app.route('/v1', api);
    const based = new Hono().basePath('/v2');
    based.use('*', h.limitrate({ policies: { free: { rate: { maxPerMinute: 5 } } } }));
    based.get('/items/:id', echo);
    expect(await endpointOf(app, '/v1/orgs/acme/members/7')).toBe('GET|/v1/orgs/:org/members/:id');
    expect((await read<EchoBody>(await app.request('/v1/orgs/other/members/8'))).body.rateLimit?.remaining).toBe(0);
    expect(await endpointOf(based, '/v2/items/9')).toBe('GET|/v2/items/:id');
  });

  it('names the handler, not middleware registered before or after it, nor a route-level limiter', async () => {
    const app = new Hono();
    const lr = h.limitrate({ policies: { free: { rate: { maxPerMinute: 5 } } } });
    app.use('/shop/*', async (_c, next) => next());
    app.get('/shop/:item', lr, async (_c, next) => next(), echo);
    app.use('*', async (_c, next) => next());
    expect(await endpointOf(app, '/shop/apple')).toBe('GET|/shop/:item');
  });

  it('uses the first handler that matches when several do, and wildcard routes as written', async () => {
    const app = new Hono();
    app.use('*', h.limitrate({ policies: { free: { rate: { maxPerMinute: 5 } } } }));
    app.get('/docs/intro', echo);
    app.get('/docs/*', echo);
    expect(await endpointOf(app, '/docs/intro')).toBe('GET|/docs/intro');
    expect(await endpointOf(app, '/docs/a/b')).toBe('GET|/docs/*');
  });

  it('falls back to the path, identifiers as :id, for a request no handler matches (404)', async () => {
    const app = new Hono();
    const log = new EventLog();
    app.use('*', h.limitrate({ policies: { free: { rate: { maxPerMinute: 5 } } }, onEvent: log.onEvent }));
    const res = await app.request('/nothing/12345/here');
    expect(res.status).toBe(404);
    expect(res.headers.get('ratelimit-limit')).toBe('5');
    const [allowed] = await log.waitFor('allowed');
    expect(allowed.endpoint).toBe('GET|/nothing/:id/here');
  });

  it('takes the method from the request: POST, app.on() methods, and HEAD counted as GET', async () => {
    const app = new Hono();
    app.use('*', h.limitrate({ policies: { free: { endpoints: { 'GET|/thing': LIMIT, 'POST|/thing': { rate: { maxPerMinute: 1 } } } } } }));
    app.on(['GET', 'POST'], '/thing', echo);
    expect(await endpointOf(app, '/thing', 'POST')).toBe('POST|/thing');
    expect((await app.request('/thing', { method: 'POST' })).status).toBe(429);
    const head = await app.request('/thing', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('ratelimit-remaining')).toBe('1');
    expect((await app.request('/thing')).status).toBe(200);
    expect((await app.request('/thing')).status).toBe(429);
  });

  it('routeTemplate(c) tells a middleware the template of the handler ahead, and a handler its own', async () => {
    const app = new Hono();
    const seen: Array<string | undefined> = [];
    app.use('*', async (c, next) => {
      seen.push(routeTemplate(c));
      await next();
    });
    app.get('/a/:x', (c: Context) => {
      seen.push(routeTemplate(c));
      return c.text('a');
    });
    await app.request('/a/1');
    await app.request('/missing');
    expect(seen).toEqual(['/a/:x', '/a/:x', undefined]);
  });
});
