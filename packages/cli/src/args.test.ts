// Unit tests of argument parsing: defaults, every flag, and the usage errors.
import { describe, expect, it } from 'vitest';
import { parseArgs, type CliOptions } from './args.js';

const URL = 'http://127.0.0.1:3000/limitrate';

function options(argv: string[], env: Record<string, string> = {}): CliOptions {
  const parsed = parseArgs(argv, env);
  if (parsed.kind !== 'run') throw new Error(`expected a run, got ${parsed.kind}`);
  return parsed.options;
}

function usageOf(argv: string[], env: Record<string, string> = {}): string {
  try {
    parseArgs(argv, env);
  } catch (error) {
    expect(error).toMatchObject({ code: 'ERR_LIMITRATE_CLI_USAGE', exitCode: 2 });
    return (error as Error).message;
  }
  throw new Error('expected a usage error');
}

describe('parseArgs', () => {
  it('applies the defaults', () => {
    expect(options(['inspect', '--url', URL])).toEqual({
      command: 'inspect',
      url: URL,
      redis: undefined,
      prefix: undefined,
      token: undefined,
      range: 'now',
      filter: { query: {}, text: [] },
      top: 10,
      blocks: 20,
      alerts: [],
      timeoutMs: 5000,
      intervalMs: 5000,
      webhook: undefined,
      exportDir: '.',
      color: undefined,
      json: false,
    });
  });

  it('reads every flag, in both --flag value and --flag=value forms', () => {
    const o = options([
      'dashboard',
      `--url=${URL}`,
      '--token',
      'secret',
      '--range',
      'hour',
      '--filter',
      'plan:free',
      '--filter=user:alice',
      '--filter',
      'chat',
      '--top',
      '5',
      '--blocks=0',
      '--interval',
      '2s',
      '--timeout',
      '500ms',
      '--alert',
      'blockRate>5%',
      '--alert=p99>50ms',
      '--alert',
      'blockRate > 5 %',
      '--webhook',
      'http://127.0.0.1:9999/hook',
      '--export-dir',
      '/tmp/x',
      '--no-color',
    ]);
    expect(o).toMatchObject({
      command: 'dashboard',
      token: 'secret',
      range: 'hour',
      filter: { query: { plan: 'free', user: 'alice' }, text: ['chat'] },
      top: 5,
      blocks: 0,
      intervalMs: 2000,
      timeoutMs: 500,
      webhook: 'http://127.0.0.1:9999/hook',
      exportDir: '/tmp/x',
      color: false,
    });
    expect(o.alerts.map((a) => a.id)).toEqual(['blockRate>5%', 'p99>50ms']);
  });

  it('reads a --filter of several words like the prompt does', () => {
    expect(options(['inspect', '--url', URL, '--filter', 'plan:free  chat']).filter).toEqual({ query: { plan: 'free' }, text: ['chat'] });
  });

  it('takes the token from LIMITRATE_TOKEN, the flag winning', () => {
    expect(options(['inspect', '--url', URL], { LIMITRATE_TOKEN: 'from-env' }).token).toBe('from-env');
    expect(options(['inspect', '--url', URL, '--token', 'flag'], { LIMITRATE_TOKEN: 'from-env' }).token).toBe('flag');
    expect(options(['inspect', '--redis', 'redis://127.0.0.1:6379'], { LIMITRATE_TOKEN: 'from-env' }).token).toBeUndefined();
  });

  it('turns colour off for NO_COLOR (when not empty) and --no-color; --color wins over NO_COLOR', () => {
    expect(options(['inspect', '--url', URL], { NO_COLOR: '1' }).color).toBe(false);
    expect(options(['inspect', '--url', URL], { NO_COLOR: '' }).color).toBeUndefined();
    expect(options(['inspect', '--url', URL, '--color'], { NO_COLOR: '1' }).color).toBe(true);
  });

  it('answers help and version', () => {
    expect(parseArgs(['--help'])).toEqual({ kind: 'help' });
    expect(parseArgs(['inspect', '-h'])).toEqual({ kind: 'help' });
    expect(parseArgs(['help'])).toEqual({ kind: 'help' });
    expect(parseArgs(['--version'])).toEqual({ kind: 'version' });
  });

  it('explains each mistake', () => {
    expect(usageOf([])).toMatch(/no command given/);
    expect(usageOf(['dashbord', '--url', URL])).toMatch(/unknown command "dashbord" \(did you mean dashboard\?\)/);
    expect(usageOf(['inspect', '--url', URL, '--tpo', '3'])).toMatch(/unknown option --tpo \(did you mean --top\?\)/);
    expect(usageOf(['inspect'])).toMatch(/no source: give --url/);
    expect(usageOf(['inspect', '--url', URL, '--redis', 'redis://x'])).toMatch(/not both/);
    expect(usageOf(['inspect', '--url'])).toMatch(/--url needs a value/);
    expect(usageOf(['inspect', '--url', '--json'])).toMatch(/--url needs a value/);
    expect(usageOf(['inspect', '--url', 'localhost:3000'])).toMatch(/must be an http:\/\/ or https:\/\/ URL/);
    expect(usageOf(['inspect', '--url', 'not a url'])).toMatch(/is not a URL/);
    expect(usageOf(['inspect', '--url', URL, '--range', 'week'])).toMatch(/--range must be now, hour or day, got "week"/);
    expect(usageOf(['inspect', '--url', URL, '--top', '0'])).toMatch(/--top must be a whole number from 1 to 1000/);
    expect(usageOf(['inspect', '--url', URL, '--top', '2.5'])).toMatch(/--top must be a whole number/);
    expect(usageOf(['inspect', '--url', URL, '--interval', '2s'])).toMatch(/--interval is an option of limitrate dashboard, not inspect/);
    expect(usageOf(['dashboard', '--url', URL, '--json'])).toMatch(/--json is an option of limitrate inspect/);
    expect(usageOf(['inspect', '--url', URL, '--prefix', 'p'])).toMatch(/--prefix applies to --redis only/);
    expect(usageOf(['inspect', '--redis', 'redis://x', '--token', 't'])).toMatch(/--token applies to --url only/);
    expect(usageOf(['inspect', '--url', URL, 'plan:free'])).toMatch(/unexpected argument "plan:free" \(a filter is given with --filter\)/);
    expect(usageOf(['inspect', '--url', URL, '--json=yes'])).toMatch(/--json takes no value/);
    expect(usageOf(['inspect', '--url', URL, '--alert', 'fast'])).toMatch(/--alert "fast" is not an alert/);
    expect(usageOf(['dashboard', '--url', URL, '--webhook', 'ftp://x'])).toMatch(/--webhook must be an http/);
    expect(usageOf(['inspect', '--url', URL, '--filter', 'usr:x'])).toMatch(/unknown field "usr"/);
    expect(usageOf(['inspect', '--url', URL, '--range', 'now', '--range', 'day'])).toMatch(/--range given twice/);
    expect(usageOf(['inspect', '--url', URL, '--color', '--no-color'])).toMatch(/contradict/);
  });
});
