// Test helper: parses Prometheus text exposition into samples, and finds promtool.
import { spawnSync } from 'node:child_process';
import process from 'node:process';

export interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a text exposition (comments skipped), label values unescaped. */
export function parseExposition(text: string): ParsedSample[] {
  const out: ParsedSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (m === null) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    const body = m[3] ?? '';
    const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
    let l: RegExpExecArray | null;
    while ((l = re.exec(body)) !== null) labels[l[1]!] = l[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    out.push({ name: m[1]!, labels, value: m[4] === '+Inf' ? Infinity : Number(m[4]) });
  }
  return out;
}

/** The value of the one sample matching a name and labels (undefined when none). */
export function valueOf(samples: readonly ParsedSample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length > 1) throw new Error(`${found.length} samples match ${name} ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

/**
 * promtool (from Debian's prometheus package). The test command provides it
 * (scripts/tools.sh) and names it in LIMITRATE_PROMTOOL; then it must work. Without that
 * variable (vitest run by hand), promtool on the PATH is used if there is one.
 */
function findPromtool(): string | undefined {
  const named = process.env.LIMITRATE_PROMTOOL;
  if (named !== undefined && named !== '') {
    if (spawnSync(named, ['--version']).status !== 0) throw new Error(`LIMITRATE_PROMTOOL=${named} does not run`);
    return named;
  }
  return spawnSync('promtool', ['--version']).status === 0 ? 'promtool' : undefined;
}
export const PROMTOOL = findPromtool();
