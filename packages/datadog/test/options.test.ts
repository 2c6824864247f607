// Option validation: coded ConfigErrors with the path of the bad field and a hint; defaults.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@limitrate/core';
import { datadogMetrics } from '../src/index.js';
import { resolveOptions } from '../src/options.js';

function issue(options: unknown) {
  try {
    resolveOptions(options as never);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    const err = e as ConfigError;
    expect(err.issues[0]!.hint).not.toBe('');
    return { code: err.code, path: err.path, message: err.message };
  }
  throw new Error('expected a ConfigError');
}

describe('options', () => {
  it('defaults to DogStatsD on localhost:8125 with the limitrate. prefix', () => {
    const o = resolveOptions({});
    expect(o).toMatchObject({ mode: 'dogstatsd', port: 8125, prefix: 'limitrate.', flushIntervalMs: 10_000, timingsPerSecond: 100, tagUsers: false, maxUsers: 100 });
    expect(['localhost', process.env.DD_AGENT_HOST]).toContain(o.host);
    expect(datadogMetrics().timingsPerSecond).toBe(100);
    expect(datadogMetrics({ timingsPerSecond: 4 })).toMatchObject({ name: 'datadog', mode: 'dogstatsd', prefix: 'limitrate.', timingsPerSecond: 4, counts: true });
    expect(datadogMetrics({ timingsPerSecond: Infinity }).timingsPerSecond).toBe(Infinity);
    expect(datadogMetrics({ timingsPerSecond: 0.5 }).timingsPerSecond).toBe(0.5);
  });

  it('switches to agentless with apiKey, on https://api.<site>', () => {
    expect(resolveOptions({ apiKey: 'k' })).toMatchObject({ mode: 'agentless', apiUrl: 'https://api.datadoghq.com' });
    expect(resolveOptions({ apiKey: 'k', site: 'datadoghq.eu' }).apiUrl).toBe('https://api.datadoghq.eu');
    expect(resolveOptions({ apiKey: 'k', apiUrl: 'http://127.0.0.1:9/' }).apiUrl).toBe('http://127.0.0.1:9');
  });

  it('rejects bad values with the path and ERR_LIMITRATE_INVALID_CONFIG', () => {
    const cases: [unknown, string][] = [
      [{ port: 0 }, 'datadogMetrics.port'],
      [{ port: 70000 }, 'datadogMetrics.port'],
      [{ port: '8125' }, 'datadogMetrics.port'],
      [{ host: '' }, 'datadogMetrics.host'],
      [{ apiKey: '' }, 'datadogMetrics.apiKey'],
      [{ apiKey: 'k', host: 'localhost' }, 'datadogMetrics.host'],
      [{ site: 'datadoghq.eu' }, 'datadogMetrics.site'],
      [{ apiKey: 'k', site: 'not a site' }, 'datadogMetrics.site'],
      [{ apiKey: 'k', apiUrl: 'ftp://x' }, 'datadogMetrics.apiUrl'],
      [{ prefix: '1bad' }, 'datadogMetrics.prefix'],
      [{ prefix: 'a|b' }, 'datadogMetrics.prefix'],
      [{ globalTags: 'env:prod' }, 'datadogMetrics.globalTags'],
      [{ globalTags: [1] }, 'datadogMetrics.globalTags'],
      [{ flushIntervalMs: -1 }, 'datadogMetrics.flushIntervalMs'],
      [{ flushIntervalMs: 10 }, 'datadogMetrics.flushIntervalMs'],
      [{ timingsPerSecond: 0 }, 'datadogMetrics.timingsPerSecond'],
      [{ timingsPerSecond: -1 }, 'datadogMetrics.timingsPerSecond'],
      [{ timingsPerSecond: Number.NaN }, 'datadogMetrics.timingsPerSecond'],
      [{ timingsPerSecond: -Infinity }, 'datadogMetrics.timingsPerSecond'],
      [{ timingsPerSecond: '100' }, 'datadogMetrics.timingsPerSecond'],
      [{ tagUsers: 'yes' }, 'datadogMetrics.tagUsers'],
      [{ maxUsers: 0 }, 'datadogMetrics.maxUsers'],
      [{ maxSeries: -5 }, 'datadogMetrics.maxSeries'],
      [{ onError: 'log' }, 'datadogMetrics.onError'],
    ];
    for (const [options, path] of cases) expect(issue(options), JSON.stringify(options)).toMatchObject({ code: 'ERR_LIMITRATE_INVALID_CONFIG', path });
  });

  it('rejects unknown options with ERR_LIMITRATE_UNKNOWN_OPTION, and a non-object', () => {
    expect(issue({ hostname: 'x' })).toMatchObject({ code: 'ERR_LIMITRATE_UNKNOWN_OPTION', path: 'datadogMetrics.hostname' });
    // timeEvery is gone: timingsPerSecond replaces it
    expect(issue({ timeEvery: 16 })).toMatchObject({ code: 'ERR_LIMITRATE_UNKNOWN_OPTION', path: 'datadogMetrics.timeEvery' });
    expect(issue(null)).toMatchObject({ code: 'ERR_LIMITRATE_INVALID_CONFIG', path: 'datadogMetrics' });
    expect(() => datadogMetrics({ port: -1 })).toThrow(/datadogMetrics\.port/);
  });

  it('lists every problem, not only the first', () => {
    let error: unknown;
    try {
      resolveOptions({ port: 0, prefix: '!', timingsPerSecond: 0 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((i) => i.path)).toEqual(['datadogMetrics.port', 'datadogMetrics.prefix', 'datadogMetrics.timingsPerSecond']);
  });
});
