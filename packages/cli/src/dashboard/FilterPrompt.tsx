// The `f` filter prompt: what is typed so far, a cursor, and the error of the last Enter.
import { Box, Text } from 'ink';
import { toneColor } from './theme.js';

/** Props of FilterPrompt. */
export interface FilterPromptProps {
  text: string;
  error: string | undefined;
  color: boolean;
}

/**
 * The filter prompt line (and its error or hint line).
 *
 * @example
 * ```tsx
 * <FilterPrompt text="plan:fr" error={undefined} color />
 * ```
 */
export function FilterPrompt({ text, error, color }: FilterPromptProps) {
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-start">
        <Text bold color={toneColor('accent', color)}>
          {' filter> '}
        </Text>
        {text}
        <Text inverse> </Text>
      </Text>
      {error === undefined ? (
        <Text color={toneColor('muted', color)} wrap="truncate-end">
          {'   user:<text> plan:<text> endpoint:<text> or text · Enter applies · empty clears · Esc cancels'}
        </Text>
      ) : (
        <Text color={toneColor('bad', color)} wrap="wrap">
          {`   ${error}`}
        </Text>
      )}
    </Box>
  );
}
