// Unit tests of filter parsing, description and text matching.
import { describe, expect, it } from 'vitest';
import { describeFilter, isEmptyFilter, matchesText, NO_FILTER, parseFilterLine, parseFilterTerms } from './filter.js';

describe('filters', () => {
  it('splits source fields from bare text', () => {
    expect(parseFilterTerms(['plan:free', 'user:alice', 'endpoint:/api/chat', 'Chat'])).toEqual({
      query: { plan: 'free', user: 'alice', endpoint: '/api/chat' },
      text: ['chat'],
    });
    expect(parseFilterLine('  plan:pro   search ')).toEqual({ query: { plan: 'pro' }, text: ['search'] });
  });

  it('keeps the rest of a value after the first colon, and any: for text with a colon', () => {
    expect(parseFilterTerms(['user:org:42'])).toEqual({ query: { user: 'org:42' }, text: [] });
    expect(parseFilterTerms(['any:org:42'])).toEqual({ query: {}, text: ['org:42'] });
    expect(parseFilterTerms(['USER:Alice'])).toEqual({ query: { user: 'Alice' }, text: [] });
  });

  it('rejects unknown fields, empty values, a field given twice, and over-long values', () => {
    expect(() => parseFilterTerms(['usr:alice'])).toThrow(/unknown field "usr".*user:<text>/);
    expect(() => parseFilterTerms(['plan:'])).toThrow(/has no value/);
    expect(() => parseFilterTerms(['plan:free', 'plan:pro'])).toThrow(/given twice/);
    expect(() => parseFilterTerms([`user:${'x'.repeat(201)}`])).toThrow(expect.objectContaining({ code: 'ERR_LIMITRATE_CLI_USAGE' }));
    expect(parseFilterTerms(['plan:free', 'plan:free'])).toEqual({ query: { plan: 'free' }, text: [] });
  });

  it('an empty line clears the filter', () => {
    const f = parseFilterLine('   ');
    expect(isEmptyFilter(f)).toBe(true);
    expect(isEmptyFilter(NO_FILTER)).toBe(true);
    expect(isEmptyFilter(parseFilterLine('chat'))).toBe(false);
    expect(describeFilter(f)).toBe('');
  });

  it('describes a filter as it is typed', () => {
    expect(describeFilter(parseFilterLine('chat plan:free any:a:b user:x'))).toBe('user:x plan:free chat any:a:b');
  });

  it('matches bare text case-insensitively against any of the names, every word', () => {
    expect(matchesText(['chat'], ['POST|/api/Chat'])).toBe(true);
    expect(matchesText(['chat', 'free'], ['POST|/api/chat', 'free'])).toBe(true);
    expect(matchesText(['chat', 'pro'], ['POST|/api/chat', 'free'])).toBe(false);
    expect(matchesText([], ['anything'])).toBe(true);
  });
});
