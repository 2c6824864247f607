// Endpoint keys: route templates rebuilt from the params Next.js passes (dynamic segments,
// catch-alls, several params), templates named in `routes` (Next.js or colon syntax, the most
// specific wins), the path itself for static routes, `:id` guessing without a context, HEAD
// counted as GET, queries ignored; over real HTTP and with NextRequest.
import { describe, expect, it } from 'vitest';
import { rateLimitInfo } from '../src/index.js';
import { toColonTemplate } from '../src/routes.js';
import { templateFromParams, templatesFromParams } from '../src/params.js';
import { ctx, nextRequest, read, useHarness } from './helpers.js';

/** A handler answering with the endpoint key the limiter used. */
const endpoint = async (request: Parameters<typeof rateLimitInfo>[0]): Promise<Response> => Response.json({ endpoint: rateLimitInfo(request)?.endpoint });

describe('endpoint keys', () => {
  const h = useHarness();

  it('keys a dynamic route by its template over HTTP: /api/users/1 and /api/users/2 share GET|/api/users/:id', async () => {
    const GET = h.withRateLimit({ identifyUser: () => 'u', policies: { free: { endpoints: { 'GET|/api/users/:id': { rate: { maxPerMinute: 2 } } } } } })(endpoint);
    const c = await h.serveApp([{ method: 'GET', path: '/api/users/[id]', handler: GET }]);
    const a = await c.get('/api/users/1');
    const b = await c.get('/api/users/2');
    const third = await c.get('/api/users/3');
    expect(a.body).toEqual({ endpoint: 'GET|/api/users/:id' });
    expect([a.status, b.status, third.status]).toEqual([200, 200, 429]);
    expect(third.body).toMatchObject({ endpoint: 'GET|/api/users/:id' });
  });

  it('rebuilds catch-all, optional catch-all and multi-param templates from params', async () => {
    const GET = h.withRateLimit({ identifyUser: () => 'u', policies: { free: { rate: { maxPerMinute: 100 } } } })(endpoint);
    const c = await h.serveApp([
      { method: 'GET', path: '/api/orgs/[org]/repos/[repo]', handler: GET },
      { method: 'GET', path: '/docs/[...slug]', handler: GET },
      { method: 'GET', path: '/shop/[[...path]]', handler: GET },
    ]);
    expect((await c.get('/api/orgs/acme/repos/site')).body.endpoint).toBe('GET|/api/orgs/:org/repos/:repo');
    // Values equal to the literal segment fit three ways: the template seen before wins.
    expect((await c.get('/api/orgs/repos/repos/repos')).body.endpoint).toBe('GET|/api/orgs/:org/repos/:repo');
    expect((await c.get('/docs/a/b/c')).body.endpoint).toBe('GET|/docs/*');
    expect((await c.get('/docs/a')).body.endpoint).toBe('GET|/docs/*');
    expect((await c.get('/shop/x/y')).body.endpoint).toBe('GET|/shop/*');
    expect((await c.get('/api/orgs/%E2%9C%93/repos/a%20b')).body.endpoint).toBe('GET|/api/orgs/:org/repos/:repo');
  });

  it('settles an ambiguous request by a template an unambiguous one produced; before any, the leftmost placement', async () => {
    const GET = h.withRateLimit({ policies: { free: { rate: { maxPerMinute: 100 } } } })(endpoint);
    const key = async (path: string, params: Record<string, string>) => (await read(await GET(nextRequest(path), ctx(params)))).body.endpoint;
    expect(await key('/api/users/users', { id: 'users' })).toBe('GET|/api/:id/users');
    expect(await key('/api/users/7', { id: '7' })).toBe('GET|/api/users/:id');
    expect(await key('/api/users/users', { id: 'users' })).toBe('GET|/api/users/:id');
    expect(await key('/api/users/api', { id: 'api' })).toBe('GET|/api/users/:id');
  });

  it('keys a static route (params undefined) by its path exactly, never guessing :id', async () => {
    const GET = h.withRateLimit({ policies: { free: { rate: { maxPerMinute: 100 } } } })(endpoint);
    const c = await h.serveApp([{ method: 'GET', path: '/api/v2/2024', handler: GET }]);
    expect((await c.get('/api/v2/2024')).body.endpoint).toBe('GET|/api/v2/2024');
  });

  it('guesses identifier-like segments as :id when called without a context', async () => {
    const GET = h.withRateLimit({ policies: { free: { rate: { maxPerMinute: 100 } } } })(endpoint);
    const r = await read(await GET(nextRequest('/api/users/42/posts/3f2504e0-4f89-11d3-9a0c-0305e82c3301')));
    expect(r.body.endpoint).toBe('GET|/api/users/:id/posts/:id');
  });

  it('uses the templates in routes first: Next.js and colon syntax, the most specific winning', async () => {
    const GET = h.withRateLimit({
      routes: ['/api/users/[id]', '/api/users/me', '/files/:path*', '/(marketing)/blog/[slug]'],
      policies: { free: { rate: { maxPerMinute: 100 } } },
    })(endpoint);
    const key = async (path: string) => (await read(await GET(nextRequest(path)))).body.endpoint;
    expect(await key('/api/users/alice')).toBe('GET|/api/users/:id');
    expect(await key('/api/users/me')).toBe('GET|/api/users/me');
    expect(await key('/files')).toBe('GET|/files/*');
    expect(await key('/files/a/b.txt')).toBe('GET|/files/*');
    expect(await key('/blog/hello')).toBe('GET|/blog/:slug');
    expect(await key('/other/42')).toBe('GET|/other/:id');
  });

  it('matches policies written for the template, wildcards included', async () => {
    const GET = h.withRateLimit({
      identifyUser: () => 'u',
      policies: { free: { endpoints: { 'GET|/docs/*': { rate: { maxPerMinute: 1 } } }, defaults: { rate: { maxPerMinute: 100 } } } },
    })(endpoint);
    expect((await GET(nextRequest('/docs/a/b'), ctx({ slug: ['a', 'b'] }))).status).toBe(200);
    expect((await GET(nextRequest('/docs/c'), ctx({ slug: ['c'] }))).status).toBe(429);
    expect((await GET(nextRequest('/elsewhere'), ctx())).status).toBe(200);
  });

  it('counts HEAD as GET, sends headers without a body, and ignores query strings', async () => {
    const GET = h.withRateLimit({ identifyUser: () => 'u', policies: { free: { rate: { maxPerMinute: 3 } } } })(endpoint);
    const c = await h.serveApp([{ method: 'GET', path: '/x', handler: GET }]);
    const head = await c.request('/x?a=1', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    expect(head.headers.get('ratelimit-remaining')).toBe('2');
    expect((await c.get('/x?b=2')).headers.get('ratelimit-remaining')).toBe('1');
    expect((await c.get('/x?c=%ZZ')).headers.get('ratelimit-remaining')).toBe('0');
    expect((await c.get('/x')).status).toBe(429);
  });

  it('turns Next.js route syntax into colon templates', () => {
    expect(toColonTemplate('/api/users/[id]')).toEqual({ template: '/api/users/:id', optionalRest: false });
    expect(toColonTemplate('/docs/[...slug]')).toEqual({ template: '/docs/*', optionalRest: false });
    expect(toColonTemplate('/shop/[[...slug]]')).toEqual({ template: '/shop/*', optionalRest: true });
    expect(toColonTemplate('/(group)/@modal/a/:p+')).toEqual({ template: '/a/*', optionalRest: false });
    expect(templateFromParams('/a/x/x', { p: 'x', q: 'x' })).toBe('/a/:p/:q');
    expect(templatesFromParams('/api/orgs/repos/repos/repos', { org: 'repos', repo: 'repos' })).toEqual(['/api/orgs/:org/:repo/repos', '/api/orgs/:org/repos/:repo', '/api/orgs/repos/:org/:repo']);
    expect(templatesFromParams('/d/a/b/a/b', { s: ['a', 'b'] })).toEqual(['/d/*/a/b', '/d/a/b/*']);
    expect(templateFromParams('/a/b', { p: 'nowhere' })).toBeUndefined();
    expect(templateFromParams('/shop', { path: undefined })).toBe('/shop');
  });
});
