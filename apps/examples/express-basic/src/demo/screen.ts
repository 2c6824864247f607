// What the demo prints: a full-screen frame redrawn in place on a terminal (plain ANSI), one
// line per interval when stdout is not a terminal, and the summary at the end.
import type { Policies, RateRule } from '@limitrate/core';
import type { RequestRecord } from '../app.js';
import { formatEvent } from '../log.js';
import { blockRate, type Counts, type DemoStats } from './stats.js';
import type { Client } from './traffic.js';

export interface ScreenContext {
  url: string;
  stats: DemoStats;
  clients: readonly Client[];
  policies: Policies<never>;
  /** Stop after this many seconds (shown in the header). */
  duration: number | undefined;
}

type Paint = (s: string) => string;
interface Palette {
  bold: Paint;
  dim: Paint;
  red: Paint;
  green: Paint;
  yellow: Paint;
  cyan: Paint;
}

const sgr = (on: string, off: string): Paint => (s) => `\x1b[${on}m${s}\x1b[${off}m`;
const same: Paint = (s) => s;
export const palette = (color: boolean): Palette =>
  color
    ? { bold: sgr('1', '22'), dim: sgr('2', '22'), red: sgr('31', '39'), green: sgr('32', '39'), yellow: sgr('33', '39'), cyan: sgr('36', '39') }
    : { bold: same, dim: same, red: same, green: same, yellow: same, cyan: same };

// ANSI control sequences for the live frame.
export const ANSI = {
  hideCursor: '\x1b[?25l',
  showCursor: '\x1b[?25h',
  home: '\x1b[H',
  clearLine: '\x1b[K',
  clearBelow: '\x1b[J',
  clearScreen: '\x1b[2J\x1b[H',
};

const ESCAPE = /\x1b\[[0-9;?]*[A-Za-z]/g;
const ESCAPE_AT = /^\x1b\[[0-9;?]*[A-Za-z]/;

/** The line cut to `width` visible characters (escape sequences kept, not counted). */
export function fit(line: string, width: number): string {
  if (line.replace(ESCAPE, '').length <= width) return line;
  let out = '';
  let visible = 0;
  for (let i = 0; i < line.length && visible < width; ) {
    const m = line[i] === '\x1b' ? ESCAPE_AT.exec(line.slice(i)) : null;
    if (m !== null) {
      out += m[0];
      i += m[0].length;
    } else {
      out += line[i];
      visible++;
      i++;
    }
  }
  return `${out}\x1b[0m`;
}

const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const pct = (n: number): string => `${n.toFixed(1)}%`;
const time = (ms: number): string => new Date(ms).toISOString().slice(11, 23);
const where = (endpoint: string): string => endpoint.replace('|', ' ');

// --- the policies, in one line per plan --------------------------------------------------

function describeRule(rule: RateRule | undefined): string {
  if (rule === undefined) return 'no limit';
  const parts: string[] = [];
  if (rule.maxPerSecond !== undefined) parts.push(`${rule.maxPerSecond}/s`);
  if (rule.maxPerMinute !== undefined) parts.push(`${rule.maxPerMinute}/min`);
  if (rule.maxPerHour !== undefined) parts.push(`${rule.maxPerHour}/h`);
  if (rule.maxPerDay !== undefined) parts.push(`${rule.maxPerDay}/day`);
  return parts.join(', ') || 'no limit';
}

function describeAction(rule: RateRule | undefined): string {
  const action = rule?.actionOnExceed ?? 'block';
  return action === 'slowdown' ? `slowdown ${rule?.slowdownMs ?? 500}ms` : action;
}

/** ` free       block          POST /api/chat 10/min · others 5/s, 60/min` */
export function policyLines(policies: Policies<never>, p: Palette): string[] {
  return Object.entries(policies).map(([name, plan]) => {
    const endpoints = Object.entries(plan.endpoints ?? {}).map(([key, policy]) => `${where(key)} ${describeRule(policy?.rate)}`);
    const defaults = plan.defaults?.rate ?? plan.rate;
    const action = describeAction(defaults ?? Object.values(plan.endpoints ?? {})[0]?.rate);
    return ` ${p.bold(name.padEnd(11))}${action.padEnd(15)}${[...endpoints, `others ${describeRule(defaults)}`].join(' · ')}`;
  });
}

// --- tables ---------------------------------------------------------------------------------

const COLUMNS = ['REQUESTS', 'ALLOWED', 'SLOWED', 'LOGGED', 'BLOCKED', 'BLOCK%'] as const;
const WIDTHS = [9, 8, 7, 7, 8, 8];

function cells(c: Counts, p: Palette): string {
  const values = [int(c.requests), int(c.allowed), int(c.slowed), int(c.logged), int(c.blocked), pct(blockRate(c))];
  const paints: Paint[] = [same, c.allowed > 0 ? p.green : p.dim, c.slowed > 0 ? p.yellow : p.dim, c.logged > 0 ? p.cyan : p.dim, c.blocked > 0 ? p.red : p.dim, c.blocked > 0 ? p.red : p.dim];
  return values.map((v, i) => paints[i]!(v.padStart(WIDTHS[i]!))).join('');
}

const header = (first: string, width: number, p: Palette, extra = ''): string => p.bold(`${first.padEnd(width)}${COLUMNS.map((c, i) => c.padStart(WIDTHS[i]!)).join('')}${extra}`);

/** Per plan (with its total) and per endpoint; `rate` adds a REQ/S column. */
export function planTable(stats: DemoStats, p: Palette, rate?: (key: string, c: Counts) => number): string[] {
  const perSecond = (key: string, c: Counts): string => (rate === undefined ? '' : int(rate(key, c)).padStart(7));
  const lines = [header('PLAN / ENDPOINT', 24, p, rate === undefined ? '' : '  REQ/S')];
  for (const plan of stats.byPlan.keys()) {
    const sum = stats.plan(plan);
    lines.push(`${p.bold(plan.padEnd(24))}${cells(sum, p)}${perSecond(plan, sum)}`);
    for (const [endpoint, c] of stats.byPlan.get(plan)!) lines.push(`${`  ${where(endpoint)}`.padEnd(24)}${cells(c, p)}${perSecond(`${plan} ${endpoint}`, c)}`);
  }
  lines.push(`${p.bold('total'.padEnd(24))}${cells(stats.total, p)}${perSecond('total', stats.total)}`);
  return lines;
}

/** One line per simulated user: what the limiter did to it, and its habit. */
export function clientTable(stats: DemoStats, clients: readonly Client[], p: Palette): string[] {
  const lines = [header('CLIENT', 20, p, '  HABIT')];
  for (const c of clients) {
    const counts = stats.byUser.get(c.user) ?? { requests: 0, allowed: 0, slowed: 0, logged: 0, blocked: 0 };
    lines.push(`${c.user.padEnd(9)}${p.dim(c.plan.padEnd(11))}${cells(counts, p)}  ${p.dim(c.habit)}`);
  }
  return lines;
}

function blockLine(r: RequestRecord & { times: number }, p: Palette): string {
  const rule = r.rule === undefined ? '' : ` ${r.rule}`;
  const times = r.times > 1 ? ` x${int(r.times)}` : '';
  return `  ${p.dim(time(r.at))} ${`${r.plan}/${r.user}`.padEnd(14)} ${where(r.endpoint).padEnd(19)} ${p.red(`${r.reason ?? 'blocked'}${rule}`)}${times}  ${p.dim(r.message ?? '')}`;
}

/** The latest blocks, one line per user, endpoint and limit (`x12`: blocked 12 times in a row). */
export function lastBlocks(stats: DemoStats, p: Palette): string[] {
  const lines = [p.bold('LAST BLOCKS (429), newest first')];
  if (stats.lastBlocks.length === 0) lines.push(p.dim('  none yet'));
  for (const r of [...stats.lastBlocks].reverse()) lines.push(blockLine(r, p));
  return lines;
}

export function eventLines(stats: DemoStats, p: Palette): string[] {
  const counts = [...stats.events.entries()].sort((a, b) => b[1] - a[1]).map(([type, n]) => `${type} ${int(n)}`);
  const lines = [`${p.bold('EVENTS')}  ${counts.join(' · ') || 'none yet'}`, p.bold('LATEST EXCEEDED EVENT PER ACTION (onEvent)')];
  const paints = { block: p.red, slowdown: p.yellow, 'allow-and-log': p.cyan } as const;
  for (const action of ['block', 'slowdown', 'allow-and-log'] as const) {
    const e = stats.latest[action];
    lines.push(`  ${paints[action](action.padEnd(14))}${int(stats.exceeded[action]).padStart(7)}  ${e === undefined ? p.dim('none yet') : p.dim(formatEvent(e))}`);
  }
  return lines;
}

// --- the three outputs -----------------------------------------------------------------------

/** The live frame (a terminal): header, policies, tables, recent blocks and events. */
export function frame(ctx: ScreenContext, p: Palette, rate: (key: string, c: Counts) => number): string[] {
  const s = ctx.stats;
  const clock = ctx.duration === undefined ? `${s.elapsed().toFixed(0)} s` : `${s.elapsed().toFixed(0)} / ${ctx.duration} s`;
  return [
    `${p.bold('LimitRate live demo')} ${p.dim('·')} express-basic at ${ctx.url} ${p.dim('·')} memory store ${p.dim('·')} ${clock}`,
    ...policyLines(ctx.policies, p),
    '',
    ...planTable(s, p, rate),
    '',
    ...clientTable(s, ctx.clients, p),
    '',
    ...lastBlocks(s, p),
    '',
    ...eventLines(s, p),
    '',
    `${p.dim('Press')} ${p.bold('Ctrl-C')} ${p.dim('to stop.')}`,
  ];
}

/** One line (stdout is not a terminal): each plan's numbers so far. */
export function plainLine(stats: DemoStats): string {
  const plans = [...stats.byPlan.keys()].map((plan) => {
    const c = stats.plan(plan);
    return `${plan}: ${c.requests} requests, ${c.allowed} allowed, ${c.slowed} slowed, ${c.logged} logged, ${c.blocked} blocked (${pct(blockRate(c))})`;
  });
  return `[${stats.elapsed().toFixed(1).padStart(5)}s] ${plans.join(' | ')}`;
}

/** The summary printed when the demo stops. */
export function summary(ctx: ScreenContext, p: Palette, why: string): string[] {
  const s = ctx.stats;
  const seconds = s.elapsed();
  const seen = (n: number): string => (n > 0 ? 'yes' : 'no');
  return [
    '',
    `${p.bold('LimitRate demo summary')}: ${int(s.total.requests)} requests in ${seconds.toFixed(1)} s (${int(s.total.requests / Math.max(seconds, 0.001))}/s), stopped by ${why}`,
    ...policyLines(ctx.policies, p),
    '',
    ...planTable(s, p),
    '',
    ...clientTable(s, ctx.clients, p),
    '',
    ...lastBlocks(s, p),
    '',
    ...eventLines(s, p),
    '',
    `actions seen: block ${seen(s.total.blocked)}, slowdown ${seen(s.total.slowed)}, allow-and-log ${seen(s.total.logged)}`,
  ];
}
