// Command-line arguments to options: flags, their values and the rules between them. Every
// mistake is a usage error (ERR_LIMITRATE_CLI_USAGE, exit code 2) that names the flag.
import { parseAlert, type AlertRule } from './alerts.js';
import { usageError } from './errors.js';
import { parseFilterTerms, type ViewFilter } from './filter.js';
import { parseInterval } from './interval.js';
import type { ReportRange } from './report-types.js';

/** The commands. */
export type Command = 'dashboard' | 'inspect';

/** Everything a command needs, defaults applied. */
export interface CliOptions {
  command: Command;
  /** The inspector's URL (exactly one of `url` and `redis` is set). */
  url: string | undefined;
  /** The Redis URL. */
  redis: string | undefined;
  /** Redis key prefix of the analytics. */
  prefix: string | undefined;
  /** The inspector's token (`--token`, else `LIMITRATE_TOKEN`). */
  token: string | undefined;
  range: ReportRange;
  filter: ViewFilter;
  top: number;
  blocks: number;
  alerts: AlertRule[];
  /** Request timeout, ms. */
  timeoutMs: number;
  /** Dashboard refresh, ms. */
  intervalMs: number;
  webhook: string | undefined;
  exportDir: string;
  /** false with --no-color or NO_COLOR; true with --color; undefined: decide from the terminal. */
  color: boolean | undefined;
  json: boolean;
}

/** What the arguments ask for. */
export type ParsedArgs = { kind: 'help' } | { kind: 'version' } | { kind: 'run'; options: CliOptions };

type Flag = { takes: 'value' | 'list' | 'none'; only?: Command; name: string };

const FLAGS: Record<string, Flag> = {
  '--url': { takes: 'value', name: '--url' },
  '--token': { takes: 'value', name: '--token' },
  '--redis': { takes: 'value', name: '--redis' },
  '--prefix': { takes: 'value', name: '--prefix' },
  '--range': { takes: 'value', name: '--range' },
  '--filter': { takes: 'list', name: '--filter' },
  '--top': { takes: 'value', name: '--top' },
  '--blocks': { takes: 'value', name: '--blocks' },
  '--alert': { takes: 'list', name: '--alert' },
  '--timeout': { takes: 'value', name: '--timeout' },
  '--interval': { takes: 'value', only: 'dashboard', name: '--interval' },
  '--webhook': { takes: 'value', only: 'dashboard', name: '--webhook' },
  '--export-dir': { takes: 'value', only: 'dashboard', name: '--export-dir' },
  '--json': { takes: 'none', only: 'inspect', name: '--json' },
  '--no-color': { takes: 'none', name: '--no-color' },
  '--color': { takes: 'none', name: '--color' },
  '--help': { takes: 'none', name: '--help' },
  '-h': { takes: 'none', name: '--help' },
  '--version': { takes: 'none', name: '--version' },
};

const COMMANDS: readonly Command[] = ['dashboard', 'inspect'];

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const next = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = row[j]!;
      row[j] = next;
    }
  }
  return row[b.length]!;
}

function suggest(word: string, candidates: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = 3;
  for (const c of candidates) {
    const d = distance(word, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best === undefined ? '' : ` (did you mean ${best}?)`;
}

function wholeNumber(flag: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) < min || Number(text) > max) {
    throw usageError(`${flag} must be a whole number from ${min} to ${max}, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

function httpUrl(flag: string, text: string): string {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw usageError(`${flag} ${JSON.stringify(text)} is not a URL: write it in full, e.g. http://127.0.0.1:3000/limitrate`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw usageError(`${flag} must be an http:// or https:// URL, got ${JSON.stringify(u.protocol)}`);
  return text;
}

/**
 * Parses the arguments after `limitrate` (`process.argv.slice(2)`). `env` supplies
 * `LIMITRATE_TOKEN` and `NO_COLOR`. Throws a usage error (`ERR_LIMITRATE_CLI_USAGE`).
 *
 * @example
 * ```ts
 * const parsed = parseArgs(['inspect', '--url', 'http://127.0.0.1:3000/limitrate', '--json'], process.env);
 * if (parsed.kind === 'run') console.log(parsed.options.range); // 'now'
 * ```
 */
export function parseArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): ParsedArgs {
  const values = new Map<string, string>();
  const lists = new Map<string, string[]>();
  const switches = new Set<string>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq === -1 ? arg : arg.slice(0, eq);
    const flag = FLAGS[name];
    if (flag === undefined) throw usageError(`unknown option ${name}${suggest(name, Object.keys(FLAGS))}`);
    if (flag.takes === 'none') {
      if (eq !== -1) throw usageError(`${flag.name} takes no value`);
      switches.add(flag.name);
      continue;
    }
    let value: string | undefined;
    if (eq !== -1) value = arg.slice(eq + 1);
    else {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) throw usageError(`${flag.name} needs a value`);
      value = next;
      i++;
    }
    if (flag.takes === 'list') {
      const list = lists.get(flag.name) ?? [];
      list.push(value);
      lists.set(flag.name, list);
    } else {
      if (values.has(flag.name) && values.get(flag.name) !== value) throw usageError(`${flag.name} given twice`);
      values.set(flag.name, value);
    }
  }

  if (switches.has('--help')) return { kind: 'help' };
  if (switches.has('--version')) return { kind: 'version' };
  const [word, ...extra] = positionals;
  if (word === 'help') return { kind: 'help' };
  if (word === undefined) throw usageError('no command given: use limitrate dashboard or limitrate inspect');
  if (!(COMMANDS as readonly string[]).includes(word)) throw usageError(`unknown command ${JSON.stringify(word)}${suggest(word, COMMANDS)}: use dashboard or inspect`);
  const command = word as Command;
  if (extra.length > 0) throw usageError(`unexpected argument ${JSON.stringify(extra[0])}${extra[0]?.includes(':') ? ' (a filter is given with --filter)' : ''}`);

  for (const name of [...values.keys(), ...lists.keys(), ...switches]) {
    const only = FLAGS[name]?.only;
    if (only !== undefined && only !== command) throw usageError(`${name} is an option of limitrate ${only}, not ${command}`);
  }

  const url = values.get('--url');
  const redis = values.get('--redis');
  if (url === undefined && redis === undefined) throw usageError('no source: give --url <inspector URL> (with --token) or --redis <redis URL>');
  if (url !== undefined && redis !== undefined) throw usageError('give one source: --url or --redis, not both');
  if (url !== undefined) httpUrl('--url', url);
  if (values.has('--prefix') && redis === undefined) throw usageError('--prefix applies to --redis only');
  if (values.has('--token') && url === undefined) throw usageError('--token applies to --url only (put a Redis password in the URL: redis://:password@host:6379)');
  if (values.get('--token') === '') throw usageError('--token is empty');

  const rangeText = values.get('--range') ?? 'now';
  if (rangeText !== 'now' && rangeText !== 'hour' && rangeText !== 'day') throw usageError(`--range must be now, hour or day, got ${JSON.stringify(rangeText)}`);

  const webhook = values.get('--webhook');
  if (webhook !== undefined) httpUrl('--webhook', webhook);

  const alerts: AlertRule[] = [];
  for (const text of lists.get('--alert') ?? []) {
    const rule = parseAlert(text);
    if (!alerts.some((a) => a.id === rule.id)) alerts.push(rule);
  }

  if (switches.has('--no-color') && switches.has('--color')) throw usageError('--color and --no-color contradict each other');
  const envNoColor = env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '';
  const color = switches.has('--no-color') ? false : switches.has('--color') ? true : envNoColor ? false : undefined;

  const exportDir = values.get('--export-dir');
  if (exportDir === '') throw usageError('--export-dir is empty');

  return {
    kind: 'run',
    options: {
      command,
      url,
      redis,
      prefix: values.get('--prefix'),
      token: url === undefined ? undefined : values.get('--token') ?? (env['LIMITRATE_TOKEN'] || undefined),
      range: rangeText,
      filter: parseFilterTerms((lists.get('--filter') ?? []).flatMap((f) => f.split(/\s+/))),
      top: values.has('--top') ? wholeNumber('--top', values.get('--top')!, 1, 1000) : 10,
      blocks: values.has('--blocks') ? wholeNumber('--blocks', values.get('--blocks')!, 0, 1000) : 20,
      alerts,
      timeoutMs: values.has('--timeout') ? parseInterval(values.get('--timeout')!, '--timeout') : 5000,
      intervalMs: values.has('--interval') ? parseInterval(values.get('--interval')!, '--interval') : 5000,
      webhook,
      exportDir: exportDir ?? '.',
      color,
      json: switches.has('--json'),
    },
  };
}
