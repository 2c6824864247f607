// Unit tests of fitting the tables to the terminal's height.
import { describe, expect, it } from 'vitest';
import { seg, type Panel } from '../panels/model.js';
import { fitRows, panelHeight } from './fit.js';

const panel = (lines: number): Panel => ({ id: 'p', title: 'P', lines: Array.from({ length: lines }, () => [seg('x')]) });
/** Three tables of `n` rows (plus a header line each) and a fixed panel of 4 lines. */
const screen = (n: number) => ({ header: [[seg('h')]], panels: [panel(4), panel(n + 1), panel(n + 1), panel(n + 1)] });

describe('fitRows', () => {
  it('counts each panel as its title and lines', () => {
    expect(panelHeight(screen(2).panels)).toBe(5 + 3 * 4);
  });

  it('keeps every row when the height is unknown or large', () => {
    expect(fitRows(undefined, 10, 3, screen)).toBe(10);
    expect(fitRows(100, 10, 3, screen)).toBe(10);
  });

  it('takes the most rows that fit', () => {
    // 1 header + 5 + 3 * (n + 2) + 3 reserved <= 30  →  n <= 5
    expect(fitRows(30, 10, 3, screen)).toBe(5);
    expect(fitRows(29, 10, 3, screen)).toBe(4);
  });

  it('never goes below one row', () => {
    expect(fitRows(5, 10, 3, screen)).toBe(1);
  });
});
