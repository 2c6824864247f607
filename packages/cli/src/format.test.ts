// Unit tests of the number, money, latency, span and clock formats.
import { describe, expect, it } from 'vitest';
import { formatClock, formatCount, formatMs, formatPercent, formatSpan, formatStamp, formatUsd } from './format.js';

describe('format', () => {
  it('counts with thousands separators', () => {
    expect(formatCount(15234)).toBe('15,234');
    expect(formatCount(0)).toBe('0');
    expect(formatCount(1_000_000)).toBe('1,000,000');
  });

  it('percentages: two decimals under 1%, one above, <0.01% for tiny shares', () => {
    expect(formatPercent(0)).toBe('0%');
    expect(formatPercent(0.0343)).toBe('3.4%');
    expect(formatPercent(0.0001)).toBe('0.01%');
    expect(formatPercent(0.00001)).toBe('<0.01%');
    expect(formatPercent(0.005)).toBe('0.5%');
    expect(formatPercent(1)).toBe('100%');
    expect(formatPercent(0.125)).toBe('12.5%');
  });

  it('dollars: cents, four decimals under a cent, separators', () => {
    expect(formatUsd(0.45)).toBe('$0.45');
    expect(formatUsd(0)).toBe('$0.00');
    expect(formatUsd(0.00125)).toBe('$0.0013');
    expect(formatUsd(1234.5)).toBe('$1,234.50');
    expect(formatUsd(-2)).toBe('-$2.00');
  });

  it('latencies', () => {
    expect(formatMs(null)).toBe('—');
    expect(formatMs(0.02)).toBe('0.02ms');
    expect(formatMs(0.05)).toBe('0.05ms');
    expect(formatMs(2.5)).toBe('2.5ms');
    expect(formatMs(42.4)).toBe('42ms');
    expect(formatMs(1500)).toBe('1.5s');
  });

  it('spans keep the two largest units and drop a trailing zero', () => {
    expect(formatSpan(190_800)).toBe('2d 5h');
    expect(formatSpan(86_400)).toBe('1d');
    expect(formatSpan(86_430)).toBe('1d');
    expect(formatSpan(3_661)).toBe('1h 1m');
    expect(formatSpan(42)).toBe('42s');
    expect(formatSpan(0)).toBe('0s');
    expect(formatSpan(-5)).toBe('0s');
  });

  it('clock times and file stamps in local time', () => {
    const d = new Date(2025, 0, 2, 4, 3, 5);
    expect(formatClock(d.getTime())).toBe('04:03:05');
    expect(formatStamp(d)).toBe('20250102-040305');
  });
});
