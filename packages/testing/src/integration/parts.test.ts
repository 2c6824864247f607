// The parts of createIntegrationTest that need no framework: adapter options and callback
// views, routes, bodies and results, and where packages are loaded from.
import { describe, expect, it } from 'vitest';
import { callerDirectory, loadFrom, searchBases } from './load.js';
import { encodeResult, flatHeaders, parseBody, pathOf, queryOf, viewOf } from './node.js';
import { adapterOptionsOf, responseView } from './options.js';
import { compileRoutes, echo, echoRateLimit, matchPath } from './routes.js';
import type { IntegrationRequest, IntegrationTestOptions } from './types.js';

const view = (raw: unknown): IntegrationRequest => ({ method: 'GET', path: '/', url: '/', headers: { 'x-plan': 'pro' }, query: {}, body: { cost: 2 }, ip: '127.0.0.1', raw });

describe('adapter options', () => {
  it('leave out the helper’s own keys, give callbacks the view, and merge adapterOptions last', async () => {
    const raw = { framework: 'request' };
    const options: IntegrationTestOptions = {
      framework: 'express',
      store: 'memory',
      root: '/x',
      routes: {},
      adapterOptions: { hook: 'preHandler', headers: 'draft' },
      headers: 'v3',
      identifyUser: (req) => `user:${String(req.raw === raw)}`,
      identifyPlan: (req) => req.headers['x-plan'] ?? 'free',
      skip: (req) => req.ip === '127.0.0.1',
      priority: (req) => (req.path === '/' ? 1 : 5),
      getUserOverride: (userId, req) => (userId === 'u' && req.method === 'GET' ? { maxPerMinute: 5 } : null),
      extractTokenUsage: (res, req) => Number(res.headers['x-tokens'] ?? 0) + res.status + Number(req.body !== undefined),
      policies: { pro: { cost: { estimateCost: (req) => (req.body as { cost: number }).cost, hourlyCap: 5 }, endpoints: { 'POST|/a': { cost: { estimateCost: () => 7, dailyCap: 9 } } } } },
    };
    const out = adapterOptionsOf(options, { type: 'memory', maxKeys: 5 }, view);
    expect(Object.keys(out).sort()).toEqual(['extractTokenUsage', 'getUserOverride', 'headers', 'hook', 'identifyPlan', 'identifyUser', 'policies', 'priority', 'skip', 'store'].sort());
    expect([out.headers, out.hook, out.store]).toEqual(['draft', 'preHandler', { type: 'memory', maxKeys: 5 }]);
    const call = (name: string, ...args: unknown[]) => (out[name] as (...a: unknown[]) => unknown)(...args);
    expect(call('identifyUser', raw)).toBe('user:true');
    expect(call('identifyPlan', raw)).toBe('pro');
    expect(call('skip', raw)).toBe(true);
    expect(call('priority', raw)).toBe(1);
    expect(call('getUserOverride', 'u', raw)).toEqual({ maxPerMinute: 5 });
    expect(call('extractTokenUsage', new Response('x', { status: 201, headers: { 'X-Tokens': '10' } }), raw)).toBe(212);
    expect(call('extractTokenUsage', { statusCode: 200, getHeaders: () => ({ 'x-tokens': 3 }) }, raw)).toBe(204);
    const policies = out.policies as { pro: { cost: { estimateCost: (r: unknown) => number; hourlyCap: number }; endpoints: Record<string, { cost: { estimateCost: (r: unknown) => number } }> } };
    expect([policies.pro.cost.estimateCost(raw), policies.pro.cost.hourlyCap, policies.pro.endpoints['POST|/a']!.cost.estimateCost(raw)]).toEqual([2, 5, 7]);
    expect(adapterOptionsOf({ framework: 'hono', policies: { free: {} }, priority: 3 } as IntegrationTestOptions, undefined, view)).toEqual({ policies: { free: {} }, priority: 3 });
  });

  it('read responses of every framework', () => {
    expect(responseView(new Response(null, { status: 204, headers: { A: '1' } }))).toMatchObject({ status: 204, headers: { a: '1' } });
    expect(responseView({ statusCode: 500, getHeaders: () => ({ 'Set-Cookie': ['a', 'b'] }) })).toMatchObject({ status: 500, headers: { 'set-cookie': 'a, b' } });
    expect(responseView(undefined)).toEqual({ status: 0, headers: {}, raw: undefined });
  });
});

describe('routes', () => {
  it("compile 'METHOD /path' keys", () => {
    const handler = () => ({});
    const { routes, issues } = compileRoutes({ 'get /a': handler, '  POST   /b/:id ': handler, 'OPTIONS /': handler });
    expect(issues).toEqual([]);
    expect(routes.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /a', 'POST /b/:id', 'OPTIONS /']);
    expect(compileRoutes(undefined)).toEqual({ routes: [], issues: [] });
    expect(compileRoutes({ 'GET a': handler }).issues[0]).toMatchObject({ path: 'routes["GET a"]', code: 'ERR_LIMITRATE_INVALID_CONFIG' });
  });

  it('match paths against templates', () => {
    expect(matchPath('/users/:id', '/users/a%20b')).toEqual({ id: 'a b' });
    expect(matchPath('/users/:id/posts/:post', '/users/1/posts/2')).toEqual({ id: '1', post: '2' });
    expect(matchPath('/users/:id', '/users/%E0')).toEqual({ id: '%E0' });
    expect(matchPath('/users/:id', '/users')).toBeUndefined();
    expect(matchPath('/users/me', '/users/you')).toBeUndefined();
    expect(matchPath('/', '/')).toEqual({});
  });

  it('echo the request and the decision as JSON carries it', () => {
    const resetTime = new Date(Date.UTC(2026, 0, 1));
    const info = { limit: Infinity, used: 0, current: 0, remaining: Infinity, reset: 0, resetTime: undefined, policy: '', rule: undefined, user: 'u', plan: 'free', endpoint: 'GET|/', result: undefined };
    expect(echoRateLimit(info)).toEqual({ limit: null, used: 0, remaining: null, reset: 0, resetTime: null, policy: '', rule: null, user: 'u', plan: 'free', endpoint: 'GET|/' });
    expect(echoRateLimit({ ...info, limit: 5, remaining: 4, resetTime, rule: 'rate:1m' })).toMatchObject({ limit: 5, remaining: 4, resetTime: '2026-01-01T00:00:00.000Z', rule: 'rate:1m' });
    expect(echoRateLimit(undefined)).toBeNull();
    const req = { ...view(undefined), params: {}, rateLimit: undefined };
    expect(echo(req)).toEqual({ status: 200, body: { ok: true, method: 'GET', path: '/', query: {}, headers: { 'x-plan': 'pro' }, body: { cost: 2 }, rateLimit: null } });
  });
});

describe('bodies, requests and results', () => {
  it('parse bodies by content type', () => {
    const bytes = (s: string) => Buffer.from(s);
    expect(parseBody(bytes('{"a":1}'), 'application/json; charset=utf-8')).toEqual({ a: 1 });
    expect(parseBody(bytes('{bad'), 'application/json')).toBe('{bad');
    expect(parseBody(bytes('a=1'), 'application/x-www-form-urlencoded')).toBe('a=1');
    expect(parseBody(bytes(''), 'application/json')).toBeUndefined();
    expect(parseBody(bytes('x'), undefined)).toBe('x');
  });

  it('read URLs and headers', () => {
    expect(queryOf('/a?x=1&y=2&x=3&z')).toEqual({ x: ['1', '3'], y: '2', z: '' });
    expect(queryOf('/a')).toEqual({});
    expect([pathOf('/a/b?c'), pathOf('?x')]).toEqual(['/a/b', '/']);
    expect(flatHeaders({ A: '1', b: ['2', '3'], c: undefined, d: 4 })).toEqual({ a: '1', b: '2, 3', d: '4' });
    expect(viewOf(undefined, 'raw', new WeakMap())).toMatchObject({ method: '', path: '/', raw: 'raw' });
  });

  it('encode results: text, bytes, JSON, nothing; a content type given wins', () => {
    expect(encodeResult({ body: 'hi' })).toEqual({ status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, payload: 'hi' });
    expect(encodeResult({ status: 201, body: { a: 1 }, headers: { 'Content-Type': 'application/vnd+json', 'X-A': 'b' } })).toEqual({ status: 201, headers: { 'content-type': 'application/vnd+json', 'x-a': 'b' }, payload: '{"a":1}' });
    expect(encodeResult({ body: new Uint8Array([1]) }).headers['content-type']).toBe('application/octet-stream');
    expect(encodeResult({ body: null }).payload).toBe('null');
    expect(encodeResult({ status: 204 })).toEqual({ status: 204, headers: {}, payload: undefined });
    expect(encodeResult(undefined)).toEqual({ status: 200, headers: {}, payload: undefined });
  });
});

describe('loading', () => {
  it('finds the calling file in V8 stacks (paths and file URLs), past this package’s own frames', () => {
    const stack = ['Error', '    at createIntegrationTest (/repo/node_modules/@limitrate/testing/dist/index.js:10:5)', '    at /repo/node_modules/@limitrate/testing/dist/index.js:20:1', '    at file:///repo/app/test/chat.test.ts:4:14', '    at Runner.run (/repo/node_modules/vitest/dist/x.js:1:1)'].join('\n');
    expect(callerDirectory(stack)).toBe('/repo/app/test');
    expect(callerDirectory('Error\n    at f (/a/b.js:1:1)\n    at /repo/node_modules/@vitest/runner/dist/index.js:1:1')).toBeUndefined();
    expect(callerDirectory(undefined)).toBeUndefined();
  });

  it('searches the given root, then the caller, then the working directory', () => {
    expect(searchBases('/r', '/c')).toEqual(['/r', '/c', process.cwd()]);
    expect(searchBases(undefined, process.cwd())).toEqual([process.cwd()]);
  });

  it('loads a package from the first directory that has it, and reports none', () => {
    expect(loadFrom('@limitrate/core', ['/nowhere', process.cwd()])?.exports.RateLimiter).toBeTypeOf('function');
    expect(loadFrom('@limitrate/not-a-package', [process.cwd()])).toBeUndefined();
  });
});
