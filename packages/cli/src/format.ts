// Numbers, money, percentages, latencies, durations and clock times as the panels show them.

const COUNT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/**
 * A count with thousands separators.
 *
 * @example
 * ```ts
 * formatCount(15234); // '15,234'
 * ```
 */
export function formatCount(n: number): string {
  return COUNT.format(n);
}

/** `x.toFixed(d)` without trailing zeros (`3.40` → `3.4`, `2.00` → `2`). */
function fixed(x: number, digits: number): string {
  const s = x.toFixed(digits);
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/**
 * A fraction (0..1) as a percentage: two decimals under 1 %, one above, `<0.01%` for a
 * tiny non-zero share.
 *
 * @example
 * ```ts
 * formatPercent(0.0343); // '3.4%'
 * formatPercent(0.0001); // '0.01%'
 * ```
 */
export function formatPercent(fraction: number): string {
  const pct = fraction * 100;
  if (pct === 0) return '0%';
  if (pct < 0.005) return '<0.01%';
  return `${fixed(pct, pct < 1 ? 2 : 1)}%`;
}

/**
 * Dollars: cents, or four decimals for amounts under a cent.
 *
 * @example
 * ```ts
 * formatUsd(0.45);    // '$0.45'
 * formatUsd(0.00125); // '$0.0013'
 * formatUsd(1234.5);  // '$1,234.50'
 * ```
 */
export function formatUsd(dollars: number): string {
  const abs = Math.abs(dollars);
  const digits = abs > 0 && abs < 0.01 ? 4 : 2;
  const s = new Intl.NumberFormat('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(abs);
  return `${dollars < 0 ? '-' : ''}$${s}`;
}

/**
 * A latency in milliseconds (`—` when nothing was measured).
 *
 * @example
 * ```ts
 * formatMs(0.02); // '0.02ms'
 * formatMs(42.4); // '42ms'
 * formatMs(1500); // '1.5s'
 * ```
 */
export function formatMs(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '—';
  if (ms >= 1000) return `${fixed(ms / 1000, 1)}s`;
  if (ms >= 10) return `${Math.round(ms)}ms`;
  if (ms >= 1) return `${fixed(ms, 1)}ms`;
  return `${fixed(ms, 2)}ms`;
}

/**
 * A span of seconds with its two largest units.
 *
 * @example
 * ```ts
 * formatSpan(190_800); // '2d 5h'
 * formatSpan(42);      // '42s'
 * ```
 */
export function formatSpan(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const units: Array<[string, number]> = [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ];
  const parts: string[] = [];
  let rest = s;
  for (const [name, size] of units) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0 || (parts.length > 0 && parts.length < 2)) parts.push(`${n}${name}`);
    if (parts.length === 2) break;
  }
  // Drop a trailing zero unit: '2d 0h' reads better as '2d'.
  if (parts.length === 2 && parts[1]!.startsWith('0')) parts.pop();
  return parts.length === 0 ? '0s' : parts.join(' ');
}

const two = (n: number) => String(n).padStart(2, '0');

/**
 * A clock time `HH:MM:SS` in the local time zone.
 *
 * @example
 * ```ts
 * formatClock(new Date(2025, 0, 2, 14, 23, 45).getTime()); // '14:23:45'
 * ```
 */
export function formatClock(ms: number): string {
  const d = new Date(ms);
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/**
 * A local date and time for file names: `YYYYMMDD-HHMMSS`.
 *
 * @example
 * ```ts
 * formatStamp(new Date(2025, 0, 2, 14, 23, 45)); // '20250102-142345'
 * ```
 */
export function formatStamp(date: Date): string {
  return `${date.getFullYear()}${two(date.getMonth() + 1)}${two(date.getDate())}-${two(date.getHours())}${two(date.getMinutes())}${two(date.getSeconds())}`;
}
