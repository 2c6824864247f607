// Terminal text: neutralise control characters in names that come from users, measure
// display width (wide and combined characters), truncate and pad to a width.
import stringWidth from 'string-width';

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/**
 * A name from the data made safe to print: control characters (escape sequences, newlines,
 * tabs) are shown as `\xNN` / `\uNNNN` instead of reaching the terminal.
 *
 * @example
 * ```ts
 * cleanText('alice\u001b[2J'); // 'alice\\x1b[2J'
 * ```
 */
export function cleanText(text: string): string {
  return text.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/**
 * Columns a string takes in a terminal (East Asian wide characters count 2, combining marks 0).
 *
 * @example
 * ```ts
 * displayWidth('日本'); // 4
 * ```
 */
export function displayWidth(text: string): number {
  return stringWidth(text);
}

const segmenter = new Intl.Segmenter();

/**
 * The text cut to at most `width` columns, ending in `…` when it was cut.
 *
 * @example
 * ```ts
 * truncate('POST|/api/chat/completions', 12); // 'POST|/api/c…'
 * ```
 */
export function truncate(text: string, width: number): string {
  if (width <= 0) return '';
  if (displayWidth(text) <= width) return text;
  let out = '';
  let used = 0;
  for (const { segment } of segmenter.segment(text)) {
    const w = displayWidth(segment);
    if (used + w > width - 1) break;
    out += segment;
    used += w;
  }
  return `${out}…`;
}

/**
 * The text truncated to `width` columns and padded with spaces to exactly `width`.
 *
 * @example
 * ```ts
 * pad('42', 5, 'right'); // '   42'
 * ```
 */
export function pad(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  const cut = truncate(text, width);
  const fill = ' '.repeat(Math.max(0, width - displayWidth(cut)));
  return align === 'right' ? fill + cut : cut + fill;
}
