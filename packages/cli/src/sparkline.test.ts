// Unit tests of sparklines: scaling, zeros, squeezing to a width without losing spikes.
import { describe, expect, it } from 'vitest';
import { resample, sparkline } from './sparkline.js';

describe('sparkline', () => {
  it('scales to the largest value, zero as the lowest bar', () => {
    expect(sparkline([0, 1, 2, 4], 10)).toBe('▁▃▅█');
    expect(sparkline([0, 0, 0], 10)).toBe('▁▁▁');
    expect(sparkline([], 10)).toBe('');
    expect(sparkline([1, 1], 10, 8)).toBe('▂▂');
  });

  it('squeezes to the width keeping each spike', () => {
    expect(resample([1, 5, 2, 2], 2)).toEqual([5, 2]);
    const values = Array.from({ length: 60 }, (_, i) => (i === 37 ? 100 : 1));
    const line = sparkline(values, 20);
    expect([...line]).toHaveLength(20);
    expect(line).toContain('█');
    expect(resample([1, 2, 3], 0)).toEqual([]);
  });
});
