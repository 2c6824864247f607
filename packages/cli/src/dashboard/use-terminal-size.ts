// The terminal's columns and rows, updated when it is resized.
import { useStdout } from 'ink';
import { useEffect, useState } from 'react';

/** A terminal's size; `rows` is undefined when unknown (not a TTY, tests). */
export interface TerminalSize {
  columns: number;
  rows: number | undefined;
}

/**
 * The size of ink's stdout, re-read on `resize` (80 columns when unknown).
 *
 * @example
 * ```tsx
 * const { columns } = useTerminalSize();
 * ```
 */
export function useTerminalSize(): TerminalSize {
  const { stdout } = useStdout();
  const read = (): TerminalSize => ({ columns: stdout.columns || 80, rows: stdout.rows || undefined });
  const [size, setSize] = useState(read);
  useEffect(() => {
    const onResize = () => setSize(read());
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  return size;
}
