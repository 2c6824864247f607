// Endpoint templates for paths without a route: which segments count as identifiers (templatePath, isIdSegment).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isIdSegment, templatePath } from './route.js';

describe('isIdSegment', () => {
  it.each([
    // numbers
    ['0', 'a zero'],
    ['42', 'a small number'],
    ['2024', 'a year-like number'],
    ['12345678901234567890123', 'a number longer than any integer type'],
    // UUIDs
    ['3f2504e0-4f89-11d3-9a0c-0305e82c3301', 'a v1 UUID'],
    ['550E8400-E29B-41D4-A716-446655440000', 'an upper-case v4 UUID'],
    ['00000000-0000-0000-0000-000000000000', 'the nil UUID'],
    // hex
    ['deadbeefcafebabe', '16 hex digits'],
    ['507f1f77bcf86cd799439011', 'a MongoDB ObjectId (24 hex)'],
    ['550e8400e29b41d4a716446655440000', 'a UUID without dashes'],
    ['DEADBEEFCAFEBABE', 'upper-case hex'],
    ['da39a3ee5e6b4b0d3255bfef95601890afd80709', 'a SHA-1'],
    // ULIDs
    ['01ARZ3NDEKTSV4RRFFQ69G5FAV', 'a ULID'],
    ['01arz3ndektsv4rrffq69g5fav', 'a lower-case ULID'],
    // mixed ids (20 or more characters with a digit)
    ['user_2NNEqL2nrIRdJ194ndJqAHwEfxC', 'a Clerk user id'],
    ['V1StGXR8_Z5jdHi6B-myT', 'a nanoid'],
    ['ch_3MmlLrLkdIwHu7ix0snN0B15', 'a Stripe charge id'],
    ['my-long-article-slug-2024', 'a slug with a number, 20+ characters'],
  ])('%s is an identifier (%s)', (segment) => {
    expect(isIdSegment(segment)).toBe(true);
  });

  it.each([
    ['settings', 'a word'],
    ['v1', 'an API version'],
    ['v2', 'an API version'],
    ['api', 'a word'],
    ['users', 'a word'],
    ['me', 'a word'],
    ['oauth2', 'a word with a digit'],
    ['deadbeef', 'short hex (8 digits) could be a word'],
    ['deadbeefcafebab', '15 hex digits'],
    ['export.csv', 'a file name'],
    [':id', 'a template parameter'],
    ['*', 'a wildcard'],
    ['', 'an empty segment'],
    ['how-to-rate-limit-an-api', 'a long slug without a digit'],
    ['internationalization', 'a 20-letter word without digits'],
    ['-1', 'a negative number'],
    ['1.5', 'a decimal'],
    ['deadbeef-cafe', 'a short hex pair'],
    ['01ARZ3NDEKTSV', 'half a ULID'],
    ['abc123', 'a short mixed word'],
    ['%E2%9C%93', 'a percent-encoded character'],
  ])('%j is not an identifier (%s)', (segment) => {
    expect(isIdSegment(segment)).toBe(false);
  });
});

describe('templatePath', () => {
  it.each([
    ['/users/42', '/users/:id'],
    ['/users/42/posts/7', '/users/:id/posts/:id'],
    ['/users/42/posts/3f2504e0-4f89-11d3-9a0c-0305e82c3301', '/users/:id/posts/:id'],
    ['/orders/01ARZ3NDEKTSV4RRFFQ69G5FAV/items', '/orders/:id/items'],
    ['/objects/507f1f77bcf86cd799439011', '/objects/:id'],
    ['/42', '/:id'],
    ['/users/42/', '/users/:id/'],
    ['/users/42?expand=true', '/users/:id'],
    ['/users/42#section', '/users/:id'],
    ['/search?q=42', '/search'],
    ['/users/me', '/users/me'],
    ['/api/v1/settings', '/api/v1/settings'],
    ['/v2/api/users', '/v2/api/users'],
    ['/', '/'],
    ['', ''],
    ['/?x=1', '/'],
    ['relative', 'relative'],
    ['relative?x=1', 'relative'],
    ['//users//42', '//users//:id'],
    ['/users/:id', '/users/:id'],
    ['/files/report-2024.pdf', '/files/report-2024.pdf'],
  ])('%j becomes %j', (path, template) => {
    expect(templatePath(path)).toBe(template);
  });

  it('gives /users/42 and /users/43 the same template, and /users/me its own', () => {
    expect(templatePath('/users/42')).toBe(templatePath('/users/43'));
    expect(templatePath('/users/me')).not.toBe(templatePath('/users/42'));
  });

  const word = fc.stringMatching(/^[a-z]{1,12}$/);
  const id = fc.oneof(fc.nat().map(String), fc.uuid(), fc.stringMatching(/^[0-9a-f]{16,32}$/));
  const segment = fc.oneof(word, id, fc.constantFrom('', ':id', 'v1', 'api'));

  it('is idempotent, keeps the segment count and replaces exactly the identifier segments', () => {
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 8 }), (segments) => {
        const path = `/${segments.join('/')}`;
        const t = templatePath(path);
        expect(templatePath(t)).toBe(t);
        const out = t.split('/');
        expect(out).toHaveLength(segments.length + 1);
        segments.forEach((s, i) => expect(out[i + 1]).toBe(s !== '' && isIdSegment(s) ? ':id' : s));
      }),
    );
  });

  it('ignores whatever follows ? or #', () => {
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 6 }), fc.constantFrom('?', '#'), fc.string(), (segments, mark, rest) => {
        const path = `/${segments.join('/')}`;
        expect(templatePath(`${path}${mark}${rest}`)).toBe(templatePath(path));
      }),
    );
  });
});
