// Unit tests of alert rules: parsing, evaluation on reports, edge-triggered transitions.
import { describe, expect, it } from 'vitest';
import { makeReport, TRAFFIC } from '../test/fixtures.js';
import { alertTransitions, describeAlert, evaluateAlerts, firingIds, formatAlertValue, metricValue, parseAlert } from './alerts.js';

describe('parseAlert', () => {
  it('reads every metric, operator and unit', () => {
    expect(parseAlert('blockRate>5%')).toEqual({ id: 'blockRate>5%', metric: 'blockRate', operator: '>', threshold: 5, unit: '%' });
    expect(parseAlert(' errorrate >= 0.5 ')).toMatchObject({ id: 'errorRate>=0.5%', threshold: 0.5 });
    expect(parseAlert('p99>50ms')).toMatchObject({ id: 'p99>50ms', metric: 'p99', threshold: 50 });
    expect(parseAlert('p99 > 0.07s')).toMatchObject({ threshold: 70, id: 'p99>70ms' });
    expect(parseAlert('latency<=10')).toMatchObject({ metric: 'latency', operator: '<=', threshold: 10, unit: 'ms' });
    expect(parseAlert('requests<100')).toMatchObject({ metric: 'requests', operator: '<', threshold: 100, unit: '' });
    expect(parseAlert('blocked>=1')).toMatchObject({ metric: 'blocked', operator: '>=' });
    expect(parseAlert('errors>0')).toMatchObject({ metric: 'errors', threshold: 0 });
  });

  it('explains what is wrong', () => {
    expect(() => parseAlert('blockRate')).toThrow(/is not an alert: write <metric><op><value>/);
    expect(() => parseAlert('speed>5')).toThrow(/unknown metric "speed"/);
    expect(() => parseAlert('blockRate>5ms')).toThrow(/is a percentage/);
    expect(() => parseAlert('p99>5%')).toThrow(/is in milliseconds/);
    expect(() => parseAlert('errors>5%')).toThrow(/is a count/);
    expect(() => parseAlert('errors=5')).toThrow(expect.objectContaining({ code: 'ERR_LIMITRATE_CLI_USAGE' }));
  });
});

describe('evaluateAlerts', () => {
  const report = makeReport({ traffic: TRAFFIC, latencies: [0.02, 0.04, 60], errors: 1 });

  it('reads each metric in its unit', () => {
    expect(metricValue(report, 'requests')).toBe(345); // dave's 31, 30 minutes ago, are outside `now`
    expect(metricValue(report, 'blocked')).toBe(10);
    expect(metricValue(report, 'blockRate')).toBeCloseTo((10 / 345) * 100, 6);
    expect(metricValue(report, 'errors')).toBe(1);
    expect(metricValue(report, 'errorRate')).toBeCloseTo(25, 6);
    expect(metricValue(report, 'p99')).toBe(75);
    expect(metricValue(report, 'latency')).toBeCloseTo((0.02 + 0.04 + 60) / 4, 6);
  });

  it('fires on the comparison; an unmeasured latency never fires', () => {
    const statuses = evaluateAlerts([parseAlert('blockRate>2%'), parseAlert('blockRate>5%'), parseAlert('requests<=345'), parseAlert('requests<345')], report);
    expect(statuses.map((s) => s.firing)).toEqual([true, false, true, false]);
    const quiet = makeReport({ traffic: TRAFFIC });
    expect(evaluateAlerts([parseAlert('p99<1000ms'), parseAlert('latency>=0')], quiet).map((s) => [s.value, s.firing])).toEqual([
      [null, false],
      [null, false],
    ]);
  });

  it('describes a status', () => {
    const [status] = evaluateAlerts([parseAlert('blockRate>2%')], report);
    expect(describeAlert(status!)).toBe('blockRate 2.9% > 2%');
    expect(formatAlertValue('ms', 75)).toBe('75ms');
    expect(formatAlertValue('', 12345)).toBe('12,345');
    expect(formatAlertValue('%', null)).toBe('—');
  });
});

describe('alertTransitions', () => {
  const rule = parseAlert('blocked>5');
  const at = (blocked: number) => evaluateAlerts([rule], makeReport({ traffic: [{ user: 'u', plan: 'p', endpoint: 'e', allowed: 1, blocked }] }));

  it('reports the edges only: firing once, resolved once', () => {
    let firing = new Set<string>();
    const seen: string[] = [];
    for (const blocked of [1, 6, 7, 9, 2, 3, 8]) {
      const statuses = at(blocked);
      seen.push(...alertTransitions(firing, statuses).map((t) => `${t.state}@${t.value}`));
      firing = firingIds(statuses);
    }
    expect(seen).toEqual(['firing@6', 'resolved@2', 'firing@8']);
  });
});
