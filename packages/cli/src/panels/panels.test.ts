// Unit tests of the panel model: content, empty and filtered states, hostile names, and
// every line fitting the width (80 and 120 columns).
import { describe, expect, it } from 'vitest';
import { block, makeReport, NOW, sampleReport, TRAFFIC } from '../../test/fixtures.js';
import { evaluateAlerts, parseAlert } from '../alerts.js';
import { NO_FILTER, parseFilterLine } from '../filter.js';
import { renderText } from '../text-report.js';
import { displayWidth } from '../text.js';
import { viewOf } from '../view.js';
import { retryIn } from './blocks.js';
import { buildPanels } from './build.js';
import { NO_CHECKS } from './empty.js';
import { headerLines } from './header.js';
import { lineText, packItems, seg, type Panel } from './model.js';
import { layoutTable } from './table.js';

const text = (panel: Panel | undefined) => (panel?.lines ?? []).map(lineText).join('\n');
const byId = (panels: Panel[], id: string) => panels.find((p) => p.id === id);

describe('panels', () => {
  it('SYSTEM STATUS shows store health, totals, uptime and plans', () => {
    const panels = buildPanels(viewOf(sampleReport(), NO_FILTER), { width: 118 });
    const system = text(byId(panels, 'system'));
    expect(system).toContain('Store: memory');
    expect(system).toContain('Status: ● Online');
    expect(system).toContain('Check latency: 0.03ms avg');
    expect(system).toContain('P99: 0.05ms');
    expect(system).toContain('Instances: 1');
    expect(system).toContain('Total requests: 345');
    expect(system).toContain('Rate limited: 10 (2.9%)');
    expect(system).toContain('Slowed: 5');
    expect(system).toContain('Errors: 0 (0%)');
    expect(system).toContain('Cost: $0.45');
    expect(system).toContain('Uptime: 2d 5h');
    expect(system).toMatch(/Plans:\s+pro 200 req, 0% blocked\s+free 145 req, 6\.9% blocked/);
  });

  it('the tables list endpoints, users and recent blocks, busiest and newest first', () => {
    const panels = buildPanels(viewOf(sampleReport(), NO_FILTER), { width: 118 });
    const endpoints = text(byId(panels, 'endpoints')).split('\n');
    expect(endpoints[0]).toMatch(/^Endpoint\s+Requests\s+Allowed\s+Slowed\s+Blocked\s+Block%$/);
    expect(endpoints[1]).toMatch(/^POST\|\/api\/chat\s+300\s+290\s+0\s+10\s+3\.3%$/);
    expect(endpoints[2]).toMatch(/^GET\|\/api\/items\s+45\s+40\s+5\s+0\s+0%$/);
    const users = text(byId(panels, 'users')).split('\n');
    expect(users[0]).toMatch(/^User\s+Plan\s+Requests\s+Blocked\s+Block%\s+Cost$/);
    expect(users.slice(1, 4).map((l) => l.split(/\s+/)[0])).toEqual(['carol', 'alice', 'bob']);
    expect(byId(panels, 'users')?.note).toBe('cost $0.45 in total');
    const blocks = text(byId(panels, 'blocks')).split('\n');
    expect(blocks[0]).toMatch(/^Time\s+User\s+Endpoint\s+Plan\s+Reason\s+Retry in$/);
    expect(blocks[1]).toMatch(/^14:23:42\s+alice\s+POST\|\/api\/chat\s+free\s+Rate limit exceeded \(10\/10 used\)\s+39s$/);
    expect(blocks[2]).toMatch(/Cost cap reached \(\$1\.00\/\$1\.00\)\s+—$/);
  });

  it('retry time counts down from the block to the report', () => {
    expect(retryIn(block({ at: NOW - 10_000, retryAfterSeconds: 42 }), NOW)).toBe('32s');
    expect(retryIn(block({ at: NOW - 60_000, retryAfterSeconds: 42 }), NOW)).toBe('now');
    expect(retryIn(block({ retryAfterSeconds: 3700, at: NOW }), NOW)).toBe('1h 1m');
    expect(retryIn(block({ retryAfterSeconds: null }), NOW)).toBe('—');
  });

  it('an empty report says so in every table, not an error', () => {
    const panels = buildPanels(viewOf(makeReport(), NO_FILTER), { width: 78 });
    for (const id of ['endpoints', 'users', 'blocks', 'history']) expect(text(byId(panels, id))).toBe(NO_CHECKS);
    expect(text(byId(panels, 'system'))).toContain('Status: ○ Unknown');
    expect(text(byId(panels, 'system'))).toContain('Total requests: 0');
  });

  it('a report with checks but no blocks says no request was blocked', () => {
    const panels = buildPanels(viewOf(makeReport({ traffic: [{ user: 'u', plan: 'p', endpoint: 'GET|/', allowed: 3 }] }), NO_FILTER), { width: 78 });
    expect(text(byId(panels, 'blocks'))).toBe('no request was blocked recently');
  });

  it('bare text narrows the tables, and says when nothing matches', () => {
    const panels = buildPanels(viewOf(sampleReport(), parseFilterLine('items')), { width: 118 });
    expect(text(byId(panels, 'endpoints'))).toContain('GET|/api/items');
    expect(text(byId(panels, 'endpoints'))).not.toContain('POST|/api/chat');
    expect(text(byId(panels, 'blocks'))).toBe('no rows match items');
    expect(text(byId(panels, 'users'))).toBe('no rows match items');
  });

  it('caps the rows and says how many more there are', () => {
    const traffic = Array.from({ length: 12 }, (_, i) => ({ user: `u${i}`, plan: 'free', endpoint: `GET|/e${i}`, allowed: 100 - i }));
    const view = viewOf(makeReport({ traffic, query: { top: 12 } }), NO_FILTER);
    const endpoints = text(byId(buildPanels(view, { width: 78, maxRows: 3 }), 'endpoints')).split('\n');
    expect(endpoints).toHaveLength(5);
    expect(endpoints[4]).toBe('… 9 more (export with e to see every row)');
    // One row left out would take the line its "more" line takes: it is shown instead.
    const users = text(byId(buildPanels(view, { width: 78, maxRows: 11 }), 'users')).split('\n');
    expect(users).toHaveLength(13);
    expect(users.at(-1)).toMatch(/^u11\s/);
  });

  it('neutralises control characters in names', () => {
    const evil = 'mallory\u001b[2J\u001b]0;pwned\u0007';
    const report = makeReport({ traffic: [{ user: evil, plan: 'free\n', endpoint: 'GET|/x\r', allowed: 1, blocked: 1 }], blocks: [{ user: evil }] });
    const panels = buildPanels(viewOf(report, NO_FILTER), { width: 200 });
    const all = panels.flatMap((p) => p.lines.flatMap((l) => l.map((s) => s.text))).join('');
    expect(all).not.toMatch(/[\u0000-\u001f\u007f]/);
    expect(all).toContain('mallory\\x1b[2J');
  });

  it('shows firing alerts in a highlighted panel, and none when nothing fires', () => {
    const report = sampleReport();
    const firing = buildPanels(viewOf(report, NO_FILTER), { width: 78, alerts: evaluateAlerts([parseAlert('blockRate>2%'), parseAlert('errors>0')], report), alertSince: new Map([['blockRate>2%', NOW]]) });
    const alerts = byId(firing, 'alerts');
    expect(alerts).toMatchObject({ title: 'ALERTS (1 firing)', tone: 'bad', inverse: true });
    expect(text(alerts)).toBe('▲ blockRate 2.9% > 2%  [blockRate>2%] since 14:23:45');
    expect(firing.map((p) => p.id)).toEqual(['system', 'alerts', 'endpoints', 'users', 'blocks', 'history']);
    const calm = buildPanels(viewOf(report, NO_FILTER), { width: 78, alerts: evaluateAlerts([parseAlert('blockRate>50%')], report) });
    expect(byId(calm, 'alerts')).toBeUndefined();
  });

  it('HISTORY draws requests and blocks per minute or per hour', () => {
    const hour = buildPanels(viewOf(sampleReport({ range: 'hour' }), NO_FILTER), { width: 78 });
    const history = byId(hour, 'history')!;
    expect(history.note).toBe('per minute, last hour');
    const [requests, blocked, axis] = history.lines.map(lineText);
    expect(requests).toMatch(/^requests\s+[▁-█]+ {2}peak 200\/min$/);
    expect(blocked).toMatch(/^blocked\s+[▁-█]+ {2}peak 10\/min$/);
    expect(axis).toMatch(/13:24 → 14:23$/);
    const day = buildPanels(viewOf(sampleReport({ range: 'day' }), NO_FILTER), { width: 78 });
    expect(byId(day, 'history')?.note).toBe('per hour, last 24 hours');
    expect(lineText(byId(day, 'history')!.lines[0]!)).toMatch(/peak 345\/h$/); // dave, at 13:53, is in the hour before
    // 24 hours span two days: the axis names them.
    expect(lineText(byId(day, 'history')!.lines[2]!)).toMatch(/ {10}Jan 1 15:00 → Jan 2 14:00$/);
  });

  for (const width of [78, 118]) {
    it(`fits every line in ${width} columns`, () => {
      const long = 'x'.repeat(150);
      const traffic = [...TRAFFIC, { user: `user-${long}`, plan: `plan-${long}`, endpoint: `GET|/${long}`, allowed: 5, blocked: 5 }];
      const report = makeReport({ traffic, blocks: [{ user: long, endpoint: long, message: long }], latencies: [1] });
      const panels = buildPanels(viewOf(report, NO_FILTER), { width, alerts: evaluateAlerts([parseAlert('blocked>1')], report) });
      const header = headerLines({ title: 'LimitRate Live Dashboard', source: `http://127.0.0.1:3000/${long}`, range: 'now', filter: parseFilterLine('plan:free chat'), updatedAt: NOW, stale: true, width });
      for (const line of [...header, ...panels.flatMap((p) => p.lines)]) expect(displayWidth(lineText(line))).toBeLessThanOrEqual(width);
      expect(text(byId(panels, 'endpoints'))).toContain('…');
    });
  }
});

describe('layout helpers', () => {
  it('packs items into lines of the width', () => {
    const items = ['Store: memory', 'Status: ● Online', 'Latency: 0.02ms', 'Instances: 1'].map((t) => [seg(t)]);
    expect(packItems(items, 200).map(lineText)).toEqual(['Store: memory   Status: ● Online   Latency: 0.02ms   Instances: 1']);
    expect(packItems(items, 35).map(lineText)).toEqual(['Store: memory   Status: ● Online', 'Latency: 0.02ms   Instances: 1']);
  });

  it('drops optional columns when shrinking names is not enough', () => {
    const columns = [
      { header: 'Name', flex: true, min: 6, cell: (r: { n: string }) => r.n },
      { header: 'Alpha', cell: () => '1' },
      { header: 'Optional', drop: 1, cell: () => '2' },
    ];
    const wide = layoutTable(columns, [{ n: 'a-long-name' }], 80).map(lineText);
    expect(wide[0]).toBe('Name         Alpha  Optional');
    const narrow = layoutTable(columns, [{ n: 'a-long-name' }], 16).map(lineText);
    expect(narrow).toEqual(['Name       Alpha', 'a-long-n…  1    ']);
  });

  it('renders text with ANSI styles only when colour is on', () => {
    const panels = buildPanels(viewOf(sampleReport(), NO_FILTER), { width: 98 });
    const plain = renderText([[seg('title')]], panels, { color: false });
    expect(plain).not.toMatch(/\u001b/);
    expect(plain).toContain(' SYSTEM STATUS\n  Store: memory');
    const colored = renderText([[seg('title')]], panels, { color: true });
    expect(colored).toContain('\u001b[32m● Online\u001b[0m');
  });
});
