// The SYSTEM STATUS panel: store health, totals, uptime and the plans in one glance.
import { formatCount, formatMs, formatPercent, formatSpan, formatUsd } from '../format.js';
import type { StoreHealth } from '../report-types.js';
import type { ReportView } from '../view.js';
import { blockRateTone, packItems, seg, type Line, type Panel, type Tone } from './model.js';

const STATUS: Record<StoreHealth['status'], { mark: string; label: string; tone: Tone }> = {
  online: { mark: '●', label: 'Online', tone: 'good' },
  degraded: { mark: '●', label: 'Degraded', tone: 'warn' },
  offline: { mark: '●', label: 'Offline', tone: 'bad' },
  unknown: { mark: '○', label: 'Unknown', tone: 'muted' },
};

const label = (text: string) => seg(`${text}: `, { tone: 'muted' });

/**
 * The SYSTEM STATUS panel of a view.
 *
 * @example
 * ```ts
 * systemPanel(viewOf(report, NO_FILTER), 78).lines;
 * ```
 */
export function systemPanel(view: ReportView, width: number): Panel {
  const { report } = view;
  const { store, totals } = report;
  const status = STATUS[store.status];
  const latencyName = store.latencyKind === 'store' ? 'Store latency' : 'Check latency';
  const health: Line[] = [
    [label('Store'), seg(store.name || '—')],
    [label('Status'), seg(`${status.mark} ${status.label}`, { tone: status.tone })],
    [label(latencyName), seg(`${formatMs(store.latencyAvgMs)} avg`)],
    [label('P99'), seg(formatMs(store.latencyP99Ms))],
    [label('Instances'), seg(formatCount(report.source.instances.length))],
  ];
  const counts: Line[] = [
    [label('Total requests'), seg(formatCount(totals.requests))],
    [label('Rate limited'), seg(`${formatCount(totals.blocked)} (${formatPercent(totals.blockRate)})`, toneOf(totals.blocked > 0 ? blockRateTone(totals.blockRate) : 'good'))],
  ];
  if (totals.slowed > 0) counts.push([label('Slowed'), seg(formatCount(totals.slowed), { tone: 'warn' })]);
  if (totals.logged > 0) counts.push([label('Logged'), seg(formatCount(totals.logged), { tone: 'warn' })]);
  if (totals.degraded > 0) counts.push([label('Degraded'), seg(formatCount(totals.degraded), { tone: 'warn' })]);
  counts.push([label('Errors'), seg(`${formatCount(store.errors)} (${formatPercent(store.errorRate)})`, toneOf(store.errors === 0 ? 'good' : store.errorRate >= 0.05 ? 'bad' : 'warn'))]);
  if (totals.cost > 0) counts.push([label('Cost'), seg(formatUsd(totals.cost))]);
  if (totals.tokens > 0) counts.push([label('Tokens'), seg(formatCount(totals.tokens))]);
  counts.push([label('Uptime'), seg(formatSpan(store.uptimeSeconds))]);
  const lines = [...packItems(health, width), ...packItems(counts, width)];
  if (view.plans.length > 0) {
    const plans: Line[] = [[seg('Plans:', { tone: 'muted' })]];
    for (const p of view.plans) {
      plans.push([seg(p.plan, { bold: true }), seg(` ${formatCount(p.requests)} req, `), seg(`${formatPercent(p.blockRate)} blocked`, toneOf(blockRateTone(p.blockRate)))]);
    }
    lines.push(...packItems(plans, width, 2));
  }
  return { id: 'system', title: 'SYSTEM STATUS', lines };
}

function toneOf(tone: Tone | undefined): { tone?: Tone } {
  return tone === undefined ? {} : { tone };
}
