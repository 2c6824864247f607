// Sparklines for the history panel: a series of counts as block characters, fitted to a width.

const BARS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'] as const;

/**
 * The values squeezed to at most `width` points (each point the largest of the values it
 * covers, so that a spike never disappears).
 *
 * @example
 * ```ts
 * resample([1, 5, 2, 2], 2); // [5, 2]
 * ```
 */
export function resample(values: readonly number[], width: number): number[] {
  if (width <= 0) return [];
  if (values.length <= width) return [...values];
  const out: number[] = [];
  for (let i = 0; i < width; i++) {
    const from = Math.floor((i * values.length) / width);
    const to = Math.max(from + 1, Math.floor(((i + 1) * values.length) / width));
    let max = 0;
    for (let j = from; j < to; j++) max = Math.max(max, values[j] ?? 0);
    out.push(max);
  }
  return out;
}

/**
 * A sparkline: `▁` for zero, `█` for the largest value (or `max` when given), at most
 * `width` characters.
 *
 * @example
 * ```ts
 * sparkline([0, 1, 2, 4], 10); // '▁▃▅█'
 * ```
 */
export function sparkline(values: readonly number[], width: number, max?: number): string {
  const points = resample(values, width);
  const top = max ?? Math.max(0, ...points);
  return points
    .map((v) => {
      if (top <= 0 || v <= 0) return BARS[0];
      const i = Math.min(BARS.length - 1, Math.max(1, Math.ceil((v / top) * (BARS.length - 1))));
      return BARS[i];
    })
    .join('');
}
