// Counting the commands clients send, from INFO commandstats (for tests on a private server).
import type { Redis } from 'ioredis';

/** What the script itself calls (INFO counts those too): left out of the counts. */
const INSIDE_SCRIPT = new Set(['get', 'set', 'pexpireat', 'time', 'info']);

/** Commands sent by clients so far (calls + rejected), by name. */
export async function clientCommands(admin: Redis): Promise<Record<string, number>> {
  const info = await admin.info('commandstats');
  const counts: Record<string, number> = {};
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+).*?rejected_calls=(\d+)/gm)) {
    if (!INSIDE_SCRIPT.has(m[1]!)) counts[m[1]!] = Number(m[2]) + Number(m[3]);
  }
  return counts;
}

/** What changed between two counts. */
export function delta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const d: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) if (v !== (before[k] ?? 0)) d[k] = v - (before[k] ?? 0);
  return d;
}
