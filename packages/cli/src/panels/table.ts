// Column layout for the panels' tables: widths from the content, flexible name columns
// shrunk (widest first) to fit the width, optional columns dropped when still too wide.
import { cleanText, displayWidth, pad } from '../text.js';
import { seg, type Line, type Tone } from './model.js';

/** A column of a table. */
export interface Column<Row> {
  readonly header: string;
  readonly align?: 'left' | 'right';
  /** May shrink (down to `min`) when the table is too wide: names, not numbers. */
  readonly flex?: boolean;
  /** Narrowest a flexible column gets (default the header's width, at most 8). */
  readonly min?: number;
  /** Dropped when the table is still too wide; higher numbers go first. */
  readonly drop?: number;
  cell(row: Row): string;
  tone?(row: Row): Tone | undefined;
}

const GAP = 2;

/** The widths of the kept columns, or undefined for a dropped one. */
function widthsFor<Row>(columns: readonly Column<Row>[], cells: readonly string[][], width: number): Array<number | undefined> {
  const natural = columns.map((c, i) => Math.max(displayWidth(c.header), ...cells.map((r) => displayWidth(r[i] ?? ''))));
  const kept = columns.map(() => true);
  const widths: Array<number | undefined> = [...natural];
  for (;;) {
    const total = () => widths.reduce<number>((sum, w, i) => sum + (kept[i] ? (w ?? 0) : 0), 0) + GAP * Math.max(0, kept.filter(Boolean).length - 1);
    // Shrink the widest flexible column, one column of text at a time.
    while (total() > width) {
      let widest = -1;
      for (let i = 0; i < columns.length; i++) {
        const c = columns[i]!;
        const w = widths[i] ?? 0;
        const min = c.min ?? Math.min(8, displayWidth(c.header));
        if (kept[i] && c.flex && w > min && (widest === -1 || w > (widths[widest] ?? 0))) widest = i;
      }
      if (widest === -1) break;
      widths[widest] = (widths[widest] ?? 0) - 1;
    }
    if (total() <= width) break;
    // Still too wide: drop the most droppable column and start again from natural widths.
    let drop = -1;
    for (let i = 0; i < columns.length; i++) {
      const d = columns[i]!.drop;
      if (kept[i] && d !== undefined && (drop === -1 || d > (columns[drop]!.drop ?? 0))) drop = i;
    }
    if (drop === -1) break;
    kept[drop] = false;
    for (let i = 0; i < columns.length; i++) widths[i] = natural[i];
  }
  return widths.map((w, i) => (kept[i] ? w : undefined));
}

/**
 * A table as lines: a bold header line, then one line per row, fitted to `width` columns.
 *
 * @example
 * ```ts
 * layoutTable([{ header: 'Plan', flex: true, cell: (r) => r.plan }], plans, 78);
 * ```
 */
export function layoutTable<Row>(columns: readonly Column<Row>[], rows: readonly Row[], width: number): Line[] {
  const cells = rows.map((r) => columns.map((c) => cleanText(c.cell(r))));
  const widths = widthsFor(columns, cells, width);
  const render = (texts: readonly string[], tones: ReadonlyArray<Tone | undefined>, bold: boolean): Line => {
    const line: Array<ReturnType<typeof seg>> = [];
    let first = true;
    columns.forEach((c, i) => {
      const w = widths[i];
      if (w === undefined) return;
      if (!first) line.push(seg(' '.repeat(GAP)));
      first = false;
      const tone = tones[i];
      line.push(seg(pad(texts[i] ?? '', w, c.align ?? 'left'), { ...(tone ? { tone } : {}), ...(bold ? { bold } : {}) }));
    });
    return line;
  };
  const out: Line[] = [render(columns.map((c) => c.header), [], true)];
  rows.forEach((row, r) => {
    out.push(render(cells[r] ?? [], columns.map((c) => c.tone?.(row)), false));
  });
  return out;
}
