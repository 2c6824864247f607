// The panels as data (lines of styled segments), shared by the ink dashboard and the plain
// text of `inspect`, so both show the same thing and the layout is tested without a terminal.
import { cleanText, displayWidth, truncate } from '../text.js';

/** What a segment means; each renderer picks the colour (none with --no-color). */
export type Tone = 'good' | 'bad' | 'warn' | 'muted' | 'accent';

/** A run of text in one style. */
export interface Segment {
  readonly text: string;
  readonly tone?: Tone;
  readonly bold?: boolean;
  readonly inverse?: boolean;
}

/** One line of a panel. */
export type Line = readonly Segment[];

/** A titled block of lines: SYSTEM STATUS, TOP ENDPOINTS... */
export interface Panel {
  /** Stable id: `system`, `alerts`, `endpoints`, `users`, `blocks`, `history`. */
  readonly id: string;
  readonly title: string;
  /** Shown after the title, muted (`per minute, last hour`). */
  readonly note?: string;
  /** The title's tone (the alerts panel is `bad` and inverse). */
  readonly tone?: Tone;
  readonly inverse?: boolean;
  readonly lines: readonly Line[];
}

/**
 * A segment; control characters in the text are neutralised (names come from users).
 *
 * @example
 * ```ts
 * seg('● Online', { tone: 'good' });
 * ```
 */
export function seg(text: string, style: Omit<Segment, 'text'> = {}): Segment {
  return { text: cleanText(text), ...style };
}

/**
 * The plain text of a line.
 *
 * @example
 * ```ts
 * lineText([seg('a'), seg('b')]); // 'ab'
 * ```
 */
export function lineText(line: Line): string {
  return line.map((s) => s.text).join('');
}

/**
 * A line cut to `width` columns (the last segment that fits is truncated with `…`).
 *
 * @example
 * ```ts
 * fitLine([seg('source: http://127.0.0.1:3000/limitrate')], 20);
 * ```
 */
export function fitLine(line: Line, width: number): Line {
  const out: Segment[] = [];
  let used = 0;
  for (const s of line) {
    const w = displayWidth(s.text);
    if (used + w <= width) {
      out.push(s);
      used += w;
      continue;
    }
    const room = width - used;
    if (room > 0) out.push({ ...s, text: truncate(s.text, room) });
    break;
  }
  return out;
}

/**
 * Items (each a short line such as `Store: memory`) packed into as few lines of `width`
 * columns as they fit in, `gap` spaces apart; an item wider than a line is truncated.
 *
 * @example
 * ```ts
 * packItems([[seg('Store: memory')], [seg('Instances: 1')]], 80); // one line
 * ```
 */
export function packItems(items: readonly Line[], width: number, gap = 3): Line[] {
  const lines: Segment[][] = [];
  let current: Segment[] = [];
  let used = 0;
  for (const item of items) {
    const w = displayWidth(lineText(item));
    if (current.length > 0 && used + gap + w > width) {
      lines.push(current);
      current = [];
      used = 0;
    }
    if (current.length > 0) {
      current.push({ text: ' '.repeat(gap) });
      used += gap;
    }
    const fitted = fitLine(item, width - used);
    current.push(...fitted);
    used += displayWidth(lineText(fitted));
  }
  if (current.length > 0) lines.push(current);
  return lines;
}

/**
 * The tone of a block rate: red from 10 %, yellow from 2 %, green at zero.
 *
 * @example
 * ```ts
 * blockRateTone(0.034); // 'warn'
 * ```
 */
export function blockRateTone(rate: number): Tone | undefined {
  if (rate >= 0.1) return 'bad';
  if (rate >= 0.02) return 'warn';
  if (rate === 0) return 'good';
  return undefined;
}
