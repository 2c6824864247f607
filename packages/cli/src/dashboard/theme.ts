// Tones to ink colours; none at all with --no-color / NO_COLOR.
import type { Tone } from '../panels/model.js';

const COLORS: Record<Tone, string> = { good: 'green', bad: 'red', warn: 'yellow', muted: 'gray', accent: 'cyan' };

/**
 * The ink colour of a tone, or undefined when colour is off or there is no tone.
 *
 * @example
 * ```ts
 * <Text color={toneColor('bad', color)}>blocked</Text>
 * ```
 */
export function toneColor(tone: Tone | undefined, color: boolean): string | undefined {
  return color && tone !== undefined ? COLORS[tone] : undefined;
}
