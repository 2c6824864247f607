// The bottom of the screen: the keys, then one line each for the source's failure, a query
// being loaded, the last action (export, filter) and the last webhook outcome.
import { Box, Text } from 'ink';
import type { Tone } from '../panels/model.js';
import { toneColor } from './theme.js';

/** One status line. */
export interface StatusItem {
  text: string;
  tone?: Tone;
}

/** Props of StatusLines. */
export interface StatusLinesProps {
  keys: boolean;
  items: readonly StatusItem[];
  color: boolean;
}

/** The key help line. */
export const KEY_HELP = 'r refresh · q quit · e export CSV · f filter · h history (now/hour/day)';

/**
 * The key help and the status lines.
 *
 * @example
 * ```tsx
 * <StatusLines keys items={[{ text: 'exported 12 rows to ./x.csv', tone: 'good' }]} color />
 * ```
 */
export function StatusLines({ keys, items, color }: StatusLinesProps) {
  return (
    <Box flexDirection="column">
      <Text color={toneColor('muted', color)} wrap="truncate-end">
        {keys ? ` ${KEY_HELP}` : ' keys unavailable (stdin is not a terminal) · Ctrl-C quits'}
      </Text>
      {items.map((item, i) => (
        <Text key={i} color={toneColor(item.tone, color)} wrap="wrap">
          {` ${item.text}`}
        </Text>
      ))}
    </Box>
  );
}
