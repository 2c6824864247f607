// Unit tests of terminal text: control characters neutralised, widths, truncation, padding.
import { describe, expect, it } from 'vitest';
import { cleanText, displayWidth, pad, truncate } from './text.js';

describe('text', () => {
  it('shows control characters instead of sending them to the terminal', () => {
    expect(cleanText('alice\u001b[2J')).toBe('alice\\x1b[2J');
    expect(cleanText('a\nb\tc')).toBe('a\\x0ab\\x09c');
    expect(cleanText('x\u2028y')).toBe('x\\u2028y');
    expect(cleanText('plain ● text 日本')).toBe('plain ● text 日本');
  });

  it('measures wide characters as two columns', () => {
    expect(displayWidth('abc')).toBe(3);
    expect(displayWidth('日本')).toBe(4);
  });

  it('truncates with an ellipsis within the width, never splitting a wide character', () => {
    expect(truncate('POST|/api/chat/completions', 12)).toBe('POST|/api/c…');
    expect(truncate('short', 10)).toBe('short');
    expect(truncate('日本語テキスト', 6)).toBe('日本…');
    expect(displayWidth(truncate('日本語テキスト', 6))).toBeLessThanOrEqual(6);
    expect(truncate('abc', 0)).toBe('');
  });

  it('pads to an exact width, left or right', () => {
    expect(pad('42', 5, 'right')).toBe('   42');
    expect(pad('ab', 4)).toBe('ab  ');
    expect(pad('abcdef', 4)).toBe('abc…');
  });
});
