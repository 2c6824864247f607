// Every panel of a view in display order: SYSTEM STATUS, ALERTS (when firing), TOP
// ENDPOINTS, TOP USERS, RECENT BLOCKS, HISTORY.
import type { AlertStatus } from '../alerts.js';
import type { ReportView } from '../view.js';
import { alertsPanel } from './alerts.js';
import { blocksPanel } from './blocks.js';
import { historyPanel } from './history.js';
import type { Panel } from './model.js';
import { systemPanel } from './system.js';
import { endpointsPanel, usersPanel } from './tables.js';

/** How to build the panels. */
export interface PanelOptions {
  /** Columns for a panel's lines (the terminal's width less the indent). */
  width: number;
  /** Rows per table at most (default all the report has). */
  maxRows?: number;
  /** Alert rules evaluated on this report. */
  alerts?: readonly AlertStatus[];
  /** When each firing alert started (ms), by rule id. */
  alertSince?: ReadonlyMap<string, number>;
}

/**
 * The panels of a view.
 *
 * @example
 * ```ts
 * const panels = buildPanels(viewOf(report, NO_FILTER), { width: 78 });
 * ```
 */
export function buildPanels(view: ReportView, options: PanelOptions): Panel[] {
  const { width, maxRows = Infinity, alerts = [], alertSince } = options;
  const panels: Panel[] = [systemPanel(view, width)];
  const alerting = alertsPanel(alerts, alertSince);
  if (alerting !== undefined) panels.push(alerting);
  panels.push(endpointsPanel(view, width, maxRows), usersPanel(view, width, maxRows), blocksPanel(view, width, maxRows), historyPanel(view, width));
  return panels;
}
