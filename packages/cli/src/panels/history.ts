// The HISTORY panel: requests and blocks per minute (now, hour) or per hour (day) as sparklines.
import { REPORT_RANGES } from '@limitrate/core';
import { formatClock, formatCount } from '../format.js';
import { sparkline } from '../sparkline.js';
import type { ReportView } from '../view.js';
import { seg, type Line, type Panel, type Tone } from './model.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `HH:MM` of a bucket's start (its seconds are always zero), local time. */
const hm = (ms: number) => formatClock(ms).slice(0, 5);

/** `Nov 27 14:00`: an hour's start, local time, with its day (the day view spans two). */
const dayHm = (ms: number) => {
  const d = new Date(ms);
  return `${MONTHS[d.getMonth()]} ${d.getDate()} ${hm(ms)}`;
};

/**
 * The HISTORY panel of a view.
 *
 * @example
 * ```ts
 * historyPanel(view, 78).note; // 'per minute, last hour'
 * ```
 */
export function historyPanel(view: ReportView, width: number): Panel {
  const { report } = view;
  const per = report.range.resolution === 'hour' ? 'hour' : 'minute';
  const unit = per === 'hour' ? '/h' : '/min';
  const note = `per ${per}, ${REPORT_RANGES[report.range.name].label}`;
  const series = report.series;
  if (series.length === 0 || report.totals.requests === 0) {
    return { id: 'history', title: 'HISTORY', note, lines: [[seg('no checks recorded yet in this range', { tone: 'muted' })]] };
  }
  const labelWidth = 10;
  const row = (name: string, values: number[], tone: Tone): Line => {
    const peak = Math.max(0, ...values);
    const tail = `  peak ${formatCount(peak)}${unit}`;
    const room = Math.max(1, width - labelWidth - tail.length);
    return [seg(name.padEnd(labelWidth), { tone: 'muted' }), seg(sparkline(values, room), { tone }), seg(tail, { tone: 'muted' })];
  };
  const first = series[0]!;
  const last = series[series.length - 1]!;
  return {
    id: 'history',
    title: 'HISTORY',
    note,
    lines: [
      row('requests', series.map((p) => p.requests), 'good'),
      row('blocked', series.map((p) => p.blocked), 'bad'),
      [seg(' '.repeat(labelWidth)), seg(per === 'hour' ? `${dayHm(first.start)} → ${dayHm(last.start)}` : `${hm(first.start)} → ${hm(last.start)}`, { tone: 'muted' })],
    ],
  };
}
