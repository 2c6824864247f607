// How many table rows fit the terminal's height: the most (up to --top) for which the whole
// screen is no taller than the terminal, so ink can redraw in place without scrolling.
import type { Line, Panel } from '../panels/model.js';

/**
 * Lines a screen of panels takes: each panel's title and lines.
 *
 * @example
 * ```ts
 * panelHeight(buildPanels(view, { width: 78 }));
 * ```
 */
export function panelHeight(panels: readonly Panel[]): number {
  return panels.reduce((sum, p) => sum + 1 + p.lines.length, 0);
}

/**
 * The largest row count from `top` down to 1 whose screen (`build(rows)` plus `reserved`
 * lines) fits in `rows` terminal lines; `top` when the height is unknown.
 *
 * @example
 * ```ts
 * const maxRows = fitRows(24, 10, 4, (n) => ({ header, panels: buildPanels(view, { width, maxRows: n }) }));
 * ```
 */
export function fitRows(rows: number | undefined, top: number, reserved: number, build: (maxRows: number) => { header: readonly Line[]; panels: readonly Panel[] }): number {
  if (rows === undefined) return top;
  for (let n = top; n > 1; n--) {
    const screen = build(n);
    if (screen.header.length + panelHeight(screen.panels) + reserved <= rows) return n;
  }
  return 1;
}
