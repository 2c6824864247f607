// Alert rules (`blockRate>5%`, `p99>50ms`, `errors>=1`): parsing, evaluation against a
// report, and the edge-triggered transitions (firing, resolved) the webhook is told about.
import { usageError } from './errors.js';
import { formatCount, formatMs } from './format.js';
import type { AnalyticsReport } from './report-types.js';

/** What an alert watches. Rates are percentages, latencies milliseconds, the rest counts. */
export type AlertMetric = 'blockRate' | 'errorRate' | 'errors' | 'p99' | 'latency' | 'requests' | 'blocked';
export type AlertOperator = '>' | '>=' | '<' | '<=';
/** The unit of an alert's threshold and value. */
export type AlertUnit = '%' | 'ms' | '';

/** A parsed `--alert`. */
export interface AlertRule {
  /** Canonical form, its identity: `blockRate>5%`, `p99>50ms`, `errors>=1`. */
  readonly id: string;
  readonly metric: AlertMetric;
  readonly operator: AlertOperator;
  /** In the metric's unit (5 for `5%`, 50 for `50ms`). */
  readonly threshold: number;
  readonly unit: AlertUnit;
}

/** A rule evaluated against one report. */
export interface AlertStatus {
  readonly rule: AlertRule;
  /** The metric's value in the rule's unit; null when the report has none (no latency measured yet). */
  readonly value: number | null;
  readonly firing: boolean;
}

/** A rule that started or stopped firing. */
export interface AlertTransition {
  readonly rule: AlertRule;
  readonly state: 'firing' | 'resolved';
  readonly value: number | null;
}

const METRICS: Record<string, { metric: AlertMetric; unit: AlertUnit }> = {
  blockrate: { metric: 'blockRate', unit: '%' },
  errorrate: { metric: 'errorRate', unit: '%' },
  errors: { metric: 'errors', unit: '' },
  p99: { metric: 'p99', unit: 'ms' },
  latency: { metric: 'latency', unit: 'ms' },
  requests: { metric: 'requests', unit: '' },
  blocked: { metric: 'blocked', unit: '' },
};

const RULE = /^\s*([A-Za-z0-9]+)\s*(>=|<=|>|<)\s*(\d+(?:\.\d+)?|\.\d+)\s*([A-Za-z%]*)\s*$/;
const HELP = "write <metric><op><value>, e.g. 'blockRate>5%', 'errorRate>=1%', 'errors>0', 'p99>50ms', 'latency>10ms', 'requests<100', 'blocked>50' (operators > >= < <=)";

/**
 * Parses an `--alert`. Throws a usage error (`ERR_LIMITRATE_CLI_USAGE`) that shows the
 * accepted forms.
 *
 * @example
 * ```ts
 * parseAlert('blockRate>5%'); // { id: 'blockRate>5%', metric: 'blockRate', operator: '>', threshold: 5, unit: '%' }
 * parseAlert('p99 > 0.05s');  // threshold 50, unit 'ms'
 * ```
 */
export function parseAlert(text: string): AlertRule {
  const m = RULE.exec(text);
  if (m === null) throw usageError(`--alert ${JSON.stringify(text)} is not an alert: ${HELP}`);
  const [, name = '', operator = '>', number = '0', suffix = ''] = m;
  const known = METRICS[name.toLowerCase()];
  if (known === undefined) {
    throw usageError(`--alert ${JSON.stringify(text)}: unknown metric ${JSON.stringify(name)} (metrics: ${Object.values(METRICS).map((x) => x.metric).join(', ')})`);
  }
  let threshold = Number(number);
  const unit = suffix.toLowerCase();
  switch (known.unit) {
    case '%':
      if (unit !== '' && unit !== '%') throw usageError(`--alert ${JSON.stringify(text)}: ${known.metric} is a percentage, write e.g. ${known.metric}${operator}5%`);
      break;
    case 'ms':
      if (unit === 's') threshold = Number((threshold * 1000).toFixed(6));
      else if (unit !== '' && unit !== 'ms') throw usageError(`--alert ${JSON.stringify(text)}: ${known.metric} is in milliseconds, write e.g. ${known.metric}${operator}50ms`);
      break;
    case '':
      if (unit !== '') throw usageError(`--alert ${JSON.stringify(text)}: ${known.metric} is a count, write e.g. ${known.metric}${operator}10`);
      break;
  }
  const op = operator as AlertOperator;
  return { id: `${known.metric}${op}${threshold}${known.unit}`, metric: known.metric, operator: op, threshold, unit: known.unit };
}

/**
 * A metric's value in a report, in the metric's unit (null when not measured).
 *
 * @example
 * ```ts
 * metricValue(report, 'blockRate'); // 3.4 (percent)
 * ```
 */
export function metricValue(report: AnalyticsReport, metric: AlertMetric): number | null {
  switch (metric) {
    case 'blockRate':
      return report.totals.blockRate * 100;
    case 'errorRate':
      return report.store.errorRate * 100;
    case 'errors':
      return report.store.errors;
    case 'p99':
      return report.store.latencyP99Ms;
    case 'latency':
      return report.store.latencyAvgMs;
    case 'requests':
      return report.totals.requests;
    case 'blocked':
      return report.totals.blocked;
  }
}

function compare(value: number, operator: AlertOperator, threshold: number): boolean {
  switch (operator) {
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
  }
}

/**
 * Evaluates every rule against a report. A rule whose metric was not measured does not fire.
 *
 * @example
 * ```ts
 * evaluateAlerts([parseAlert('blockRate>5%')], report)[0].firing;
 * ```
 */
export function evaluateAlerts(rules: readonly AlertRule[], report: AnalyticsReport): AlertStatus[] {
  return rules.map((rule) => {
    const value = metricValue(report, rule.metric);
    return { rule, value, firing: value !== null && Number.isFinite(value) && compare(value, rule.operator, rule.threshold) };
  });
}

/**
 * What changed since the last evaluation: rules that started firing and rules that stopped.
 * Only edges: a rule that keeps firing is not repeated.
 *
 * @example
 * ```ts
 * const changes = alertTransitions(firingBefore, evaluateAlerts(rules, report));
 * firingBefore = firingIds(statuses);
 * ```
 */
export function alertTransitions(previouslyFiring: ReadonlySet<string>, statuses: readonly AlertStatus[]): AlertTransition[] {
  const out: AlertTransition[] = [];
  for (const s of statuses) {
    const was = previouslyFiring.has(s.rule.id);
    if (s.firing && !was) out.push({ rule: s.rule, state: 'firing', value: s.value });
    if (!s.firing && was) out.push({ rule: s.rule, state: 'resolved', value: s.value });
  }
  return out;
}

/**
 * The ids of the rules firing.
 *
 * @example
 * ```ts
 * firingIds(evaluateAlerts(rules, report)); // Set { 'blockRate>5%' }
 * ```
 */
export function firingIds(statuses: readonly AlertStatus[]): Set<string> {
  return new Set(statuses.filter((s) => s.firing).map((s) => s.rule.id));
}

/**
 * A value in a rule's unit, for people.
 *
 * @example
 * ```ts
 * formatAlertValue('%', 6.25); // '6.25%'
 * ```
 */
export function formatAlertValue(unit: AlertUnit, value: number | null): string {
  if (value === null) return '—';
  switch (unit) {
    case '%':
      return `${Number(value.toFixed(2))}%`;
    case 'ms':
      return formatMs(value);
    case '':
      return formatCount(value);
  }
}

/**
 * One line describing a rule's state: `blockRate 6.25% > 5%`.
 *
 * @example
 * ```ts
 * describeAlert(evaluateAlerts([parseAlert('blockRate>5%')], report)[0]);
 * ```
 */
export function describeAlert(status: AlertStatus): string {
  const { rule } = status;
  return `${rule.metric} ${formatAlertValue(rule.unit, status.value)} ${rule.operator} ${formatAlertValue(rule.unit, rule.threshold)}`;
}
