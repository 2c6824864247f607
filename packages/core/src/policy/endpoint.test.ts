// Endpoint keys: parsing, canonical request endpoints, matching and precedence.
import { describe, expect, it } from 'vitest';
import { canonicalEndpoint, comparePatterns, matchesEndpoint, normalizePath, parseEndpointPattern, type EndpointPattern } from './endpoint.js';
import { PolicyEngine } from './engine.js';

const pat = (key: string): EndpointPattern => {
  const p = parseEndpointPattern(key);
  if (typeof p === 'string') throw new Error(p);
  return p;
};
const ep = (key: string) => canonicalEndpoint(key, undefined);

describe('normalizePath', () => {
  it.each([
    ['/api/chat', '/api/chat'],
    ['/api/chat/', '/api/chat'],
    ['/API//Chat', '/api/chat'],
    ['api/chat', '/api/chat'],
    ['/api/chat?x=1#frag', '/api/chat'],
    ['/%61pi/%7Euser', '/api/~user'],
    ['/files/a%2Fb', '/files/a%2fb'],
    ['/', '/'],
  ])('%s -> %s', (raw, expected) => {
    expect(normalizePath(raw)).toBe(expected);
  });
});

describe('canonicalEndpoint', () => {
  it('splits METHOD|path and upper-cases the method', () => {
    expect(canonicalEndpoint('post|/api/chat/', undefined)).toMatchObject({ key: 'POST|/api/chat', method: 'POST', path: '/api/chat', segments: ['api', 'chat'] });
  });
  it('takes the method separately when the endpoint is a bare path', () => {
    expect(canonicalEndpoint('/users/42', 'get').key).toBe('GET|/users/42');
  });
  it('uses * for an unknown method and *|* for no endpoint', () => {
    expect(canonicalEndpoint('/x', undefined).key).toBe('*|/x');
    expect(canonicalEndpoint(undefined, undefined).key).toBe('*|*');
  });
});

describe('parseEndpointPattern', () => {
  it('parses literals, params and wildcards', () => {
    expect(pat('GET|/users/:id')).toMatchObject({ key: 'GET|/users/:id', literal: false, kinds: [0, 1] });
    expect(pat('*|/api/*')).toMatchObject({ method: '*', kinds: [0, 2] });
    expect(pat('*|*')).toMatchObject({ key: '*|*', anyPath: true });
    expect(pat('*|/*')).toMatchObject({ key: '*|/*', anyPath: false });
    expect(pat('GET|/files/*/meta')).toMatchObject({ kinds: [0, 1, 0] });
    expect(pat('post|/API/Chat/')).toMatchObject({ key: 'POST|/api/chat', literal: true });
  });
  it.each(['/api/chat', 'FETCH|/x', 'GET|api', 'GET|/a*b', 'GET|/users/:', 'GET|/x?y=1'])('rejects %s with a reason', (key) => {
    expect(typeof parseEndpointPattern(key)).toBe('string');
  });
});

describe('matchesEndpoint', () => {
  it.each([
    ['GET|/users/:id', 'GET|/users/42', true],
    ['GET|/users/:id', 'GET|/users/42/posts', false],
    ['GET|/users/:id', 'POST|/users/42', false],
    ['*|/users/:id', 'DELETE|/users/42', true],
    ['*|/api/*', 'GET|/api/x', true],
    ['*|/api/*', 'GET|/api/x/y/z', true],
    ['*|/api/*', 'GET|/api', false],
    ['GET|/files/*/meta', 'GET|/files/a/meta', true],
    ['GET|/files/*/meta', 'GET|/files/a/b/meta', false],
    ['GET|/users/:id', 'GET|/users/:id', true],
    ['GET|/Users/ME', 'GET|/users/me', true],
    ['*|*', 'GET|/anything', true],
    ['*|*', 'GET|/', true],
    ['GET|*', 'POST|/', false],
    ['*|/*', 'GET|/', false],
  ])('%s vs %s -> %s', (p, e, expected) => {
    expect(matchesEndpoint(pat(p), ep(e))).toBe(expected);
  });
  it('never matches a request without an endpoint', () => {
    expect(matchesEndpoint(pat('*|*'), canonicalEndpoint(undefined, undefined))).toBe(false);
  });
});

describe('precedence', () => {
  it('orders most specific first', () => {
    const keys = ['*|/api/*', 'GET|/api/*', 'GET|/api/users/:id', '*|/api/users/:id', 'GET|/api/:section/:id', 'GET|/api/users/*'];
    const sorted = keys.map(pat).sort(comparePatterns).map((p) => p.source);
    expect(sorted).toEqual(['GET|/api/users/:id', '*|/api/users/:id', 'GET|/api/users/*', 'GET|/api/:section/:id', 'GET|/api/*', '*|/api/*']);
  });

  const engine = new PolicyEngine({
    free: {
      endpoints: {
        '*|/api/*': { rate: { maxPerMinute: 1 } },
        'GET|/api/*': { rate: { maxPerMinute: 2 } },
        'GET|/api/users/:id': { rate: { maxPerMinute: 3 } },
        'GET|/api/users/me': { rate: { maxPerMinute: 4 } },
        '*|/api/users/me': { rate: { maxPerMinute: 5 } },
        'GET|/health': {},
      },
      defaults: { rate: { maxPerMinute: 60 } },
    },
    bare: { endpoints: { 'POST|/only': { rate: { maxPerSecond: 1 } } } },
  });
  const resolve = (plan: string, key: string) => engine.resolve(plan, ep(key));

  it.each([
    ['GET|/api/users/me', 'GET|/api/users/me'],
    ['POST|/api/users/me', '*|/api/users/me'],
    ['GET|/api/users/42', 'GET|/api/users/:id'],
    ['GET|/api/orders/1', 'GET|/api/*'],
    ['POST|/api/orders/1', '*|/api/*'],
    ['GET|/health', 'GET|/health'],
    ['GET|/other', 'defaults'],
  ])('%s resolves to %s', (request, policy) => {
    expect(resolve('free', request).policyKey).toBe(policy);
  });

  it('counts a template or wildcard once for all its paths, and defaults per endpoint', () => {
    expect(resolve('free', 'GET|/api/users/1').scope).toBe('GET|/api/users/:id');
    expect(resolve('free', 'GET|/api/users/2').scope).toBe('GET|/api/users/:id');
    expect(resolve('free', 'GET|/a').scope).toBe('GET|/a');
    expect(resolve('free', 'GET|/b').scope).toBe('GET|/b');
  });

  it('an empty endpoint policy exempts the endpoint from the defaults', () => {
    const r = resolve('free', 'GET|/health');
    expect(r.policy?.templates).toEqual([]);
  });

  it('no match and no defaults means no limits', () => {
    const r = resolve('bare', 'GET|/elsewhere');
    expect(r.policyKey).toBe('');
    expect(r.policy).toBeUndefined();
  });

  it('uses the same resolution object for repeated lookups (cache)', () => {
    expect(resolve('free', 'GET|/api/users/7')).toBe(resolve('free', 'get|/api/users/7/'));
  });
});
