// A panel: its title (with its note) and its lines, indented under it.
import { Box, Text } from 'ink';
import type { Panel } from '../panels/model.js';
import { LineView } from './LineView.js';
import { toneColor } from './theme.js';

/** Props of PanelView. */
export interface PanelViewProps {
  panel: Panel;
  color: boolean;
}

/**
 * A panel of the model.
 *
 * @example
 * ```tsx
 * <PanelView panel={systemPanel(view, 78)} color />
 * ```
 */
export function PanelView({ panel, color }: PanelViewProps) {
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        <Text bold color={toneColor(panel.tone ?? 'accent', color)} inverse={panel.inverse === true}>
          {` ${panel.title} `}
        </Text>
        {panel.note === undefined ? '' : <Text color={toneColor('muted', color)}>{` ${panel.note}`}</Text>}
      </Text>
      {panel.lines.map((line, i) => (
        <LineView key={i} line={line} color={color} indent={2} />
      ))}
    </Box>
  );
}
