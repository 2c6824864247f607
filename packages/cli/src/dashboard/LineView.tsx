// One line of styled segments as ink text, cut at the terminal's edge rather than wrapped.
import { Text } from 'ink';
import type { Line } from '../panels/model.js';
import { toneColor } from './theme.js';

/** Props of LineView. */
export interface LineViewProps {
  line: Line;
  color: boolean;
  /** Spaces before the line. */
  indent?: number;
}

/**
 * A line of the panel model.
 *
 * @example
 * ```tsx
 * <LineView line={[seg('● Online', { tone: 'good' })]} color />
 * ```
 */
export function LineView({ line, color, indent = 0 }: LineViewProps) {
  return (
    <Text wrap="truncate-end">
      {indent > 0 ? ' '.repeat(indent) : ''}
      {line.map((s, i) => (
        <Text key={i} color={toneColor(s.tone, color)} bold={s.bold === true} inverse={s.inverse === true}>
          {s.text}
        </Text>
      ))}
    </Text>
  );
}
