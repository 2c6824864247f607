// Endpoint keys from Express routes: app-level and route-level use, mounted routers (with
// parameters in the mount path), 404s templated by identifier, HEAD and OPTIONS, query strings.
import { describe, expect, it } from 'vitest';
import { echo, EventLog, EXPRESS_VERSIONS, useHarness, type EchoBody } from './helpers.js';

describe.each(EXPRESS_VERSIONS)('%s: routes and endpoint keys', (name, express) => {
  const h = useHarness(express);

  it('runs the Express major it says it does', () => {
    expect(h.major).toBe(name === 'express 4' ? 4 : 5);
  });

  it('keys app-level requests by the route template declared after the middleware', async () => {
    const lr = h.limitrate({ policies: { free: { endpoints: { 'GET|/users/:id': { rate: { maxPerMinute: 2 } } }, defaults: { rate: { maxPerMinute: 100 } } } } });
    const app = h.app();
    app.use(lr);
    app.get('/users/:id', echo);
    app.get('/users/:id/posts/:post', echo);
    const c = await h.listen(app);
    const a = await c.echo('/users/42');
    expect(a.body.rateLimit).toMatchObject({ endpoint: 'GET|/users/:id', policy: 'GET|/users/:id', used: 1 });
    const b = await c.echo('/users/alice');
    expect(b.body.rateLimit).toMatchObject({ endpoint: 'GET|/users/:id', used: 2 });
    const refused = await c.get('/users/43');
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ endpoint: 'GET|/users/:id', plan: 'free' });
    const nested = await c.echo('/users/42/posts/7');
    expect(nested.body.rateLimit).toMatchObject({ endpoint: 'GET|/users/:id/posts/:post', policy: 'defaults' });
  });

  it('keys requests to mounted routers by the full template, nested routers included', async () => {
    const lr = h.limitrate({ policies: { free: { endpoints: { 'GET|/api/items/:id': { rate: { maxPerMinute: 1 } } }, defaults: { rate: { maxPerMinute: 100 } } } } });
    const app = h.app();
    app.use(lr);
    const api = express.Router();
    const v1 = express.Router();
    api.get('/items/:id', echo);
    api.post('/items', echo);
    v1.get('/things/:thing', echo);
    api.use('/v1', v1);
    app.use('/api', api);
    const c = await h.listen(app);
    const first = await c.echo('/api/items/1');
    expect(first.body.rateLimit).toMatchObject({ endpoint: 'GET|/api/items/:id', policy: 'GET|/api/items/:id' });
    const second = await c.get('/api/items/2');
    expect(second.status).toBe(429);
    expect(second.body).toMatchObject({ endpoint: 'GET|/api/items/:id' });
    const post = await c.request<EchoBody>('/api/items', { method: 'POST' });
    expect(post.body.rateLimit).toMatchObject({ endpoint: 'POST|/api/items', policy: 'defaults' });
    const deep = await c.echo('/api/v1/things/abc');
    expect(deep.body.rateLimit).toMatchObject({ endpoint: 'GET|/api/v1/things/:thing' });
  });

  it('shares one defaults counter between values of a mounted router\'s parameter (no per-URL counters)', async () => {
    const lr = h.limitrate({ policies: { free: { rate: { maxPerMinute: 1 } } } });
    const app = h.app();
    app.use(lr);
    const api = express.Router();
    api.get('/users/:name', echo);
    app.use('/api', api);
    const c = await h.listen(app);
    const first = await c.echo('/api/users/alice');
    expect(first.status).toBe(200);
    expect(first.body.rateLimit).toMatchObject({ endpoint: 'GET|/api/users/:name' });
    // Same route, another value: same counter, so refused.
    const second = await c.get('/api/users/bob');
    expect(second.status).toBe(429);
    expect(second.body).toMatchObject({ endpoint: 'GET|/api/users/:name' });
  });

  it('keys a router mounted on a path with a parameter (/orgs/:org) by the template', async () => {
    const lr = h.limitrate({ policies: { free: { endpoints: { 'GET|/orgs/:org/members': { rate: { maxPerMinute: 2 } } } } } });
    const app = h.app();
    app.use(lr);
    const org = express.Router({ mergeParams: true });
    org.get('/members', (req, res) => res.json({ rateLimit: req.rateLimit, org: (req.params as Record<string, string>).org }));
    org.get('/members/:member', echo);
    app.use('/orgs/:org', org);
    const c = await h.listen(app);
    const acme = await c.get<EchoBody & { org: string }>('/orgs/acme/members');
    expect(acme.body).toMatchObject({ org: 'acme', rateLimit: { endpoint: 'GET|/orgs/:org/members', policy: 'GET|/orgs/:org/members' } });
    // Another organisation, same template: one counter.
    const globex = await c.echo('/orgs/globex/members');
    expect(globex.body.rateLimit).toMatchObject({ endpoint: 'GET|/orgs/:org/members', used: 2 });
    const refused = await c.get('/orgs/initech/members');
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ endpoint: 'GET|/orgs/:org/members' });
    // An org named like a literal segment of the route is still the parameter.
    const odd = await c.echo('/orgs/members/members/x');
    expect(odd.body.rateLimit).toMatchObject({ endpoint: 'GET|/orgs/:org/members/:member' });
  });

  it('uses req.route for route-level middleware (app.get(path, lr, handler)), in routers too', async () => {
    const lr = h.limitrate({ policies: { free: { rate: { maxPerMinute: 1 } } } });
    const app = h.app();
    app.get('/x/:id', lr, echo);
    app.get('/free', echo);
    const router = express.Router();
    router.get('/r/:id', lr, echo);
    app.use('/api', router);
    const c = await h.listen(app);
    const x = await c.echo('/x/1');
    expect(x.body.rateLimit).toMatchObject({ endpoint: 'GET|/x/:id', policy: 'defaults' });
    expect((await c.get('/x/2')).status).toBe(429);
    // Routes without the middleware are not limited.
    expect(await c.statuses('/free', 3)).toEqual([200, 200, 200]);
    const r = await c.echo('/api/r/9');
    expect(r.body.rateLimit).toMatchObject({ endpoint: 'GET|/api/r/:id' });
    expect((await c.get('/api/r/10')).status).toBe(429);
  });

  it('route-level use names the route that runs, even when an earlier route matched the same path and passed it on', async () => {
    const lr = h.limitrate({ policies: { free: { rate: { maxPerMinute: 100 } } } });
    const app = h.app();
    // An app-level limiter sees /users/me as the first route that matches it (and caches that)...
    const appLevel = h.limitrate({ headers: false, policies: { free: { rate: { maxPerMinute: 100 } } } });
    app.use((req, res, next) => appLevel(req, res, () => {
      res.setHeader('x-app-level', req.rateLimit?.endpoint ?? '');
      next();
    }));
    app.get('/users/:id', (req, _res, next) => next()); // declines every request
    app.get('/users/me', lr, echo);
    const c = await h.listen(app);
    for (let i = 0; i < 2; i++) {
      const r = await c.echo('/users/me');
      expect(r.headers.get('x-app-level')).toBe('GET|/users/:id');
      // ...the route-level one names the route it is attached to, every time.
      expect(r.body.rateLimit).toMatchObject({ endpoint: 'GET|/users/me', used: i + 1 });
    }
  });

  it('route-level use in a router mounted on a path with a parameter names the template, not the URL', async () => {
    const lr = h.limitrate({ policies: { free: { rate: { maxPerMinute: 1 } } } });
    const app = h.app();
    const posts = express.Router({ mergeParams: true });
    posts.get('/posts', lr, echo);
    app.use('/users/:uid', posts);
    const c = await h.listen(app);
    const r = await c.echo('/users/42/posts');
    expect(r.status).toBe(200);
    expect(r.body.rateLimit).toMatchObject({ endpoint: 'GET|/users/:uid/posts' });
    // Another user id, same route: the same defaults counter.
    const other = await c.get('/users/43/posts');
    expect(other.status).toBe(429);
    expect(other.body).toMatchObject({ endpoint: 'GET|/users/:uid/posts' });
  });

  it('templates identifier-like segments of unmatched paths (404s) to :id', async () => {
    const log = new EventLog();
    const lr = h.limitrate({ onEvent: log.onEvent, policies: { free: { rate: { maxPerMinute: 2 } } } });
    const app = h.app();
    app.use(lr);
    app.get('/known', echo);
    const c = await h.listen(app);
    const ids = ['42', '3f2504e0-4f89-11d3-9a0c-0305e82c3301', '01ARZ3NDEKTSV4RRFFQ69G5FAV', 'deadbeefdeadbeefcafe'];
    const first = await c.get(`/nothing/${ids[0]}/x`);
    expect(first.status).toBe(404);
    expect(first.headers.get('ratelimit-remaining')).toBe('1');
    expect((await c.get(`/nothing/${ids[1]}/x`)).status).toBe(404);
    const third = await c.get(`/nothing/${ids[2]}/x`);
    expect(third.status).toBe(429);
    expect(third.body).toMatchObject({ endpoint: 'GET|/nothing/:id/x' });
    expect((await c.get(`/nothing/${ids[3]}/x`)).status).toBe(429);
    // A word is not an identifier: its own counter.
    const word = await c.get('/nothing/about/x');
    expect(word.status).toBe(404);
    await lr.limiter.events.flush();
    expect(new Set(log.of('rate_exceeded').map((e) => e.endpoint))).toEqual(new Set(['GET|/nothing/:id/x']));
  });

  it('limits HEAD and OPTIONS requests, with headers and no body on HEAD', async () => {
    const lr = h.limitrate({ policies: { free: { endpoints: { '*|/h': { rate: { maxPerMinute: 3 } } } } } });
    const app = h.app();
    app.use(lr);
    app.get('/h', echo);
    const c = await h.listen(app);
    const head = await c.request('/h', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    expect(head.headers.get('ratelimit-remaining')).toBe('2');
    const options = await c.request('/h', { method: 'OPTIONS' });
    expect(options.status).toBe(200);
    expect(options.headers.get('ratelimit-remaining')).toBe('1');
    expect((await c.echo('/h')).status).toBe(200);
    const refusedHead = await c.request('/h', { method: 'HEAD' });
    expect(refusedHead.status).toBe(429);
    expect(refusedHead.text).toBe('');
    expect(refusedHead.headers.get('retry-after')).not.toBeNull();
    expect((await c.request('/h', { method: 'OPTIONS' })).status).toBe(429);
  });

  it('counts HEAD as GET (Express runs the GET handler for it), and OPTIONS under its own key', async () => {
    const log = new EventLog();
    const lr = h.limitrate({ onEvent: log.onEvent, policies: { free: { endpoints: { 'GET|/users/:id': { rate: { maxPerMinute: 2 } } } } } });
    const app = h.app();
    app.use(lr);
    app.get('/users/:id', echo);
    const c = await h.listen(app);
    expect((await c.request('/users/1', { method: 'HEAD' })).status).toBe(200);
    expect((await c.request('/users/1', { method: 'OPTIONS' })).status).toBe(200);
    expect((await c.echo('/users/2')).status).toBe(200);
    // The GET limit covers HEAD: the third GET-or-HEAD request is refused.
    expect((await c.request('/users/3', { method: 'HEAD' })).status).toBe(429);
    expect((await c.echo('/users/4')).status).toBe(429);
    await lr.limiter.events.flush();
    expect(log.of('allowed').map((e) => e.endpoint)).toEqual(['GET|/users/:id', 'OPTIONS|/users/:id', 'GET|/users/:id']);
    expect(log.of('rate_exceeded').map((e) => e.endpoint)).toEqual(['GET|/users/:id', 'GET|/users/:id']);
  });

  it('keeps HEAD apart once a policy names HEAD', async () => {
    const lr = h.limitrate({ policies: { free: { endpoints: { 'GET|/users/:id': { rate: { maxPerMinute: 1 } }, 'HEAD|/users/:id': { rate: { maxPerMinute: 3 } } } } } });
    const app = h.app();
    app.use(lr);
    app.get('/users/:id', echo);
    const c = await h.listen(app);
    expect((await c.echo('/users/1')).status).toBe(200);
    expect((await c.echo('/users/1')).status).toBe(429);
    for (let i = 0; i < 3; i++) expect((await c.request('/users/1', { method: 'HEAD' })).status).toBe(200);
    expect((await c.request('/users/1', { method: 'HEAD' })).status).toBe(429);
  });

  it('ignores query strings', async () => {
    const lr = h.limitrate({ policies: { free: { rate: { maxPerMinute: 2 } } } });
    const app = h.app();
    app.use(lr);
    app.get('/q', echo);
    const c = await h.listen(app);
    const a = await c.echo('/q?page=1');
    expect(a.body.rateLimit).toMatchObject({ endpoint: 'GET|/q', used: 1 });
    const b = await c.echo('/q?page=2&sort=desc');
    expect(b.body.rateLimit).toMatchObject({ endpoint: 'GET|/q', used: 2 });
    const refused = await c.get('/q?page=3');
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ endpoint: 'GET|/q' });
    // Unmatched paths too.
    const nf = await c.get('/none?x=1');
    expect(nf.status).toBe(404);
    expect((await c.get('/none?x=2')).headers.get('ratelimit-remaining')).toBe('0');
  });

  it('normalises case and trailing slashes the way Express routes them', async () => {
    const lr = h.limitrate({ policies: { free: { endpoints: { 'GET|/users/:id': { rate: { maxPerMinute: 3 } } } } } });
    const app = h.app();
    app.use(lr);
    app.get('/users/:id', echo);
    const c = await h.listen(app);
    expect((await c.echo('/Users/1')).body.rateLimit).toMatchObject({ policy: 'GET|/users/:id', used: 1 });
    expect((await c.echo('/users/2/')).body.rateLimit).toMatchObject({ policy: 'GET|/users/:id', used: 2 });
    expect((await c.echo('/USERS/3')).body.rateLimit).toMatchObject({ policy: 'GET|/users/:id', used: 3 });
    expect((await c.get('/users/4')).status).toBe(429);
  });

  it('sees routes added after the first request', async () => {
    const lr = h.limitrate({ policies: { free: { rate: { maxPerMinute: 10 } } } });
    const app = h.app();
    app.use(lr);
    app.get('/a/:id', echo);
    const c = await h.listen(app);
    expect((await c.get('/b/word')).status).toBe(404);
    app.get('/b/:name', echo);
    const later = await c.echo('/b/word');
    expect(later.status).toBe(200);
    expect(later.body.rateLimit).toMatchObject({ endpoint: 'GET|/b/:name' });
  });

  it('falls back to the templated path for a route whose path is a regular expression', async () => {
    const lr = h.limitrate({ policies: { free: { rate: { maxPerMinute: 10 } } } });
    const app = h.app();
    app.use(lr);
    app.get(/^\/re\/(\d+)$/, echo);
    const c = await h.listen(app);
    const r = await c.echo('/re/123');
    expect(r.status).toBe(200);
    expect(r.body.rateLimit).toMatchObject({ endpoint: 'GET|/re/:id' });
  });

  it('names the endpoint of a method-specific route (POST vs GET on one path)', async () => {
    const lr = h.limitrate({ policies: { free: { endpoints: { 'POST|/things/:id': { rate: { maxPerMinute: 1 } } }, defaults: { rate: { maxPerMinute: 100 } } } } });
    const app = h.app();
    app.use(lr);
    app.get('/things/:id', echo);
    app.post('/things/:thingId', echo);
    const c = await h.listen(app);
    expect((await c.echo('/things/1')).body.rateLimit).toMatchObject({ endpoint: 'GET|/things/:id', policy: 'defaults' });
    const post = await c.request<EchoBody>('/things/1', { method: 'POST' });
    // Endpoint keys are canonical: paths (parameter names included) are lower-cased.
    expect(post.body.rateLimit).toMatchObject({ endpoint: 'POST|/things/:thingid', policy: 'POST|/things/:id' });
    expect((await c.request('/things/2', { method: 'POST' })).status).toBe(429);
  });

  it('names requests by their full template when the limiter is mounted in a router or on a path', async () => {
    const inRouter = h.limitrate({ policies: { free: { rate: { maxPerMinute: 1 } } } });
    const onPath = h.limitrate({ policies: { free: { rate: { maxPerMinute: 1 } } } });
    const app = h.app();
    const api = express.Router();
    api.use(inRouter);
    api.get('/things/:thing', echo);
    app.use('/api', api);
    app.use('/v2', onPath);
    const v2 = express.Router();
    v2.get('/things/:thing', echo);
    app.use('/v2', v2);
    const c = await h.listen(app);
    expect((await c.echo('/api/things/abc')).body.rateLimit).toMatchObject({ endpoint: 'GET|/api/things/:thing' });
    expect((await c.get('/api/things/def')).status).toBe(429);
    expect((await c.echo('/v2/things/abc')).body.rateLimit).toMatchObject({ endpoint: 'GET|/v2/things/:thing' });
    expect((await c.get('/v2/things/def')).status).toBe(429);
  });

  it('keys wildcard and optional-parameter routes in the syntax of each major', async () => {
    const lr = h.limitrate({ policies: { free: { endpoints: { 'GET|/files/*': { rate: { maxPerMinute: 2 } } }, defaults: { rate: { maxPerMinute: 100 } } } } });
    const app = h.app();
    app.use(lr);
    if (h.major === 4) {
      app.get('/files/*', echo);
      app.get('/opt/:b?', echo);
    } else {
      app.get('/files/*splat', echo);
      app.get('/opt{/:b}', echo);
    }
    const c = await h.listen(app);
    const f = await c.echo('/files/a/b.txt');
    expect(f.body.rateLimit).toMatchObject({ endpoint: h.major === 4 ? 'GET|/files/*' : 'GET|/files/*splat', policy: 'GET|/files/*' });
    expect((await c.get('/files/c.txt')).status).toBe(200);
    expect((await c.get('/files/d/e/f')).status).toBe(429);
    const o = await c.echo('/opt/x');
    expect(o.body.rateLimit).toMatchObject({ endpoint: h.major === 4 ? 'GET|/opt/:b' : 'GET|/opt{/:b}' });
    const bare = await c.echo('/opt');
    expect(bare.body.rateLimit).toMatchObject({ endpoint: h.major === 4 ? 'GET|/opt/:b' : 'GET|/opt{/:b}' });
  });

  it('counts a status-like route declared after app.use(limiter) under the defaults like any other', async () => {
    const lr = h.limitrate({ policies: { free: { rate: { maxPerMinute: 1 } } } });
    const app = h.app();
    app.use(lr);
    app.get('/api/quota', echo);
    const c = await h.listen(app);
    expect(await c.statuses('/api/quota', 2)).toEqual([200, 429]);
  });
});
