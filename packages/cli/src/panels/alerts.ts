// The ALERTS panel: the rules firing, highlighted, with the time each started.
import { describeAlert, type AlertStatus } from '../alerts.js';
import { formatClock } from '../format.js';
import { seg, type Panel } from './model.js';

/**
 * The ALERTS panel, or undefined when no rule fires.
 *
 * @example
 * ```ts
 * alertsPanel(evaluateAlerts(rules, report), new Map([['blockRate>5%', Date.now()]]));
 * ```
 */
export function alertsPanel(statuses: readonly AlertStatus[], since: ReadonlyMap<string, number> = new Map()): Panel | undefined {
  const firing = statuses.filter((s) => s.firing);
  if (firing.length === 0) return undefined;
  return {
    id: 'alerts',
    title: `ALERTS (${firing.length} firing)`,
    tone: 'bad',
    inverse: true,
    lines: firing.map((s) => {
      const at = since.get(s.rule.id);
      return [seg(`▲ ${describeAlert(s)}`, { tone: 'bad', bold: true }), seg(`  [${s.rule.id}]${at === undefined ? '' : ` since ${formatClock(at)}`}`, { tone: 'muted' })];
    }),
  };
}
