// Key escaping: injective, free of separators, glob and hash-tag characters, whatever the
// input length or script, and its one-entry memo never answers for another string.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeKeyPart, scopeKeyPart } from './keys.js';

const FORBIDDEN = /[:{}*?[\]\\|\s\u0000-\u001f\u007f]/;

describe('escapeKeyPart', () => {
  it.each([
    ['user-1', 'user-1'],
    ['a:b', 'a%3Ab'],
    ['{tag}', '%7Btag%7D'],
    ['50%', '50%25'],
    ['a b\tc', 'a%20b%09c'],
    ['ключ', 'ключ'],
    ['x\u2028y', 'x%u2028y'],
    ['', ''],
    ['a-much-longer-identifier-with:colon', 'a-much-longer-identifier-with%3Acolon'],
  ])('%j -> %j', (input, output) => {
    expect(escapeKeyPart(input)).toBe(output);
  });

  it('never outputs a separator, glob or hash-tag character, and never maps two strings to one', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }), (a, b) => {
        const ea = escapeKeyPart(a);
        const eb = escapeKeyPart(b);
        expect(FORBIDDEN.test(ea)).toBe(false);
        expect(ea === eb).toBe(a === b);
      }),
      { numRuns: 2000 },
    );
  });

  it('answers each string for itself when calls alternate (the memo holds one entry)', () => {
    for (let i = 0; i < 50; i++) {
      expect(escapeKeyPart('a:1')).toBe('a%3A1');
      expect(escapeKeyPart('plain')).toBe('plain');
      expect(escapeKeyPart('a:1')).toBe('a%3A1');
    }
  });

  it('keeps the | of a scope and escapes the rest', () => {
    expect(scopeKeyPart('GET|/a:b|c')).toBe('GET|/a%3Ab%7Cc');
  });
});
