// Whether to colour the output: the flags and NO_COLOR decide, else whether it is a terminal.

/**
 * Colour on or off: `flag` (false for --no-color or NO_COLOR, true for --color) wins; else
 * on for a terminal that is not `TERM=dumb`.
 *
 * @example
 * ```ts
 * colorEnabled(undefined, process.stdout, process.env); // true in a terminal
 * ```
 */
export function colorEnabled(flag: boolean | undefined, stream: { isTTY?: boolean }, env: Readonly<Record<string, string | undefined>>): boolean {
  if (flag !== undefined) return flag;
  return stream.isTTY === true && env['TERM'] !== 'dumb';
}
