// What the analytics scripts store, as text: counters packed as comma-separated integers
// (dollars as micro-dollars, latency sums as microseconds), identifiers as JSON arrays
// (injective whatever the id holds), and the way back to core's buckets.
import { createHash } from 'node:crypto';
import type { AnalyticsBucket, BlockRecord, InstanceInfo, OutcomeCounts, PairCounts, StoreCounts, UserCounts } from '@limitrate/core';

/** Dollars are stored as whole micro-dollars, so that sums never drift. */
export const MICROS_PER_DOLLAR = 1_000_000;
/** Latency sums are stored as whole microseconds. */
const MICROS_PER_MS = 1000;

/**
 * Longest identifier (user, plan, endpoint) stored as is, in UTF-16 code units. A longer one
 * is stored as its first {@link ID_KEEP} code units, `…#` and 16 hex digits of a SHA-1 of
 * the whole id: still distinct from every other id, and the storage stays bounded.
 */
export const MAX_ID_LENGTH = 1024;
const ID_KEEP = 1000;

/** An identifier as stored: itself, or shortened when longer than {@link MAX_ID_LENGTH}. */
export function storedId(id: string): string {
  if (id.length <= MAX_ID_LENGTH) return id;
  // JSON escapes lone surrogates, so that two different ids never hash the same bytes.
  const digest = createHash('sha1').update(JSON.stringify(id)).digest('hex').slice(0, 16);
  return `${id.slice(0, ID_KEEP)}…#${digest}`;
}

/** A whole, finite integer (0 for anything else). */
function int(n: number): number {
  return Number.isFinite(n) ? Math.round(n) : 0;
}

/** `requests,allowed,slowed,blocked,logged,degraded,costMicros,tokens`. */
export function packCounts(c: OutcomeCounts): string {
  return [c.requests, c.allowed, c.slowed, c.blocked, c.logged, c.degraded, c.cost * MICROS_PER_DOLLAR, c.tokens].map(int).join(',');
}

/** True when every counter is zero (nothing to write). */
export function isZero(c: OutcomeCounts): boolean {
  return int(c.requests) === 0 && int(c.allowed) === 0 && int(c.slowed) === 0 && int(c.blocked) === 0 && int(c.logged) === 0 && int(c.degraded) === 0 && int(c.cost * MICROS_PER_DOLLAR) === 0 && int(c.tokens) === 0;
}

function numbers(packed: string | undefined): number[] {
  if (packed === undefined || packed === '') return [];
  return packed.split(',').map((s) => {
    const n = Number(s);
    return Number.isFinite(n) ? n : 0;
  });
}

/** The way back from {@link packCounts}. */
export function unpackCounts(packed: string | undefined): OutcomeCounts {
  const n = numbers(packed);
  const at = (i: number) => n[i] ?? 0;
  return { requests: at(0), allowed: at(1), slowed: at(2), blocked: at(3), logged: at(4), degraded: at(5), cost: at(6) / MICROS_PER_DOLLAR, tokens: at(7) };
}

/** `operations,errors,latencySumMicros,latency[0],latency[1],...`. */
export function packStore(s: StoreCounts): string {
  return [s.operations, s.errors, s.latencySumMs * MICROS_PER_MS, ...s.latency].map(int).join(',');
}

/** True when nothing was measured. */
export function isZeroStore(s: StoreCounts): boolean {
  return int(s.operations) === 0 && int(s.errors) === 0 && s.latency.every((n) => int(n) === 0);
}

/** The way back from {@link packStore}, with `buckets` histogram counts (LATENCY_BOUNDS_MS.length + 1). */
export function unpackStore(packed: string | undefined, buckets: number): StoreCounts {
  const n = numbers(packed);
  const latency = new Array<number>(buckets).fill(0);
  for (let i = 0; i < buckets; i++) latency[i] = n[3 + i] ?? 0;
  return { operations: n[0] ?? 0, errors: n[1] ?? 0, latencySumMs: (n[2] ?? 0) / MICROS_PER_MS, latency };
}

/** The hash field of a plan and endpoint: `["plan","endpoint"]` (starts with `[`, unlike the fixed fields). */
export function pairField(plan: string, endpoint: string): string {
  return JSON.stringify([storedId(plan), storedId(endpoint)]);
}

/** The hash field of a user on a plan and endpoint: `["user","plan","endpoint"]`. */
export function userField(user: string, plan: string, endpoint: string): string {
  return JSON.stringify([storedId(user), storedId(plan), storedId(endpoint)]);
}

/** The strings of a field written by {@link pairField} or {@link userField}; undefined if it is not one. */
export function parseField(field: string, size: 2 | 3): string[] | undefined {
  if (!field.startsWith('[')) return undefined;
  try {
    const value: unknown = JSON.parse(field);
    if (!Array.isArray(value) || value.length !== size || !value.every((v) => typeof v === 'string')) return undefined;
    return value as string[];
  } catch {
    return undefined;
  }
}

/** The fixed fields of a bucket hash. */
export const OTHER_FIELD = 'o';
export const STORE_FIELD = 's';

/**
 * A bucket from its two hashes' HGETALL replies (flat field, value lists); undefined when
 * both are empty (the bucket does not exist).
 */
export function bucketFromHashes(start: number, resolution: 'minute' | 'hour', main: readonly string[], users: readonly string[], latencyBuckets: number): AnalyticsBucket | undefined {
  if (main.length === 0 && users.length === 0) return undefined;
  const pairs: PairCounts[] = [];
  let otherUsers = unpackCounts(undefined);
  let store = unpackStore(undefined, latencyBuckets);
  for (let i = 0; i + 1 < main.length; i += 2) {
    const field = main[i]!;
    const value = main[i + 1]!;
    if (field === OTHER_FIELD) otherUsers = unpackCounts(value);
    else if (field === STORE_FIELD) store = unpackStore(value, latencyBuckets);
    else {
      const id = parseField(field, 2);
      if (id !== undefined) pairs.push({ plan: id[0]!, endpoint: id[1]!, ...unpackCounts(value) });
    }
  }
  const list: UserCounts[] = [];
  for (let i = 0; i + 1 < users.length; i += 2) {
    const id = parseField(users[i]!, 3);
    if (id !== undefined) list.push({ user: id[0]!, plan: id[1]!, endpoint: id[2]!, ...unpackCounts(users[i + 1]) });
  }
  return { start, resolution, pairs, users: list, otherUsers, store };
}

/** A block as stored: its identifiers shortened like every other, the instance named. */
export function encodeBlock(block: BlockRecord, instance: string): string {
  return JSON.stringify({
    ...block,
    user: storedId(block.user),
    plan: storedId(block.plan),
    endpoint: storedId(block.endpoint),
    message: block.message.length > MAX_ID_LENGTH ? `${block.message.slice(0, ID_KEEP)}…` : block.message,
    instance: storedId(block.instance ?? instance),
  });
}

/** A stored block; undefined when it is not one (never written by this package). */
export function decodeBlock(text: string): BlockRecord | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return undefined;
    const b = value as Partial<BlockRecord>;
    if (typeof b.at !== 'number' || typeof b.user !== 'string' || typeof b.plan !== 'string' || typeof b.endpoint !== 'string') return undefined;
    return value as BlockRecord;
  } catch {
    return undefined;
  }
}

/** An instance as stored in its hash field's value: its JSON (lastSeen is written by the script, from the server's clock). */
export function encodeInstance(instance: InstanceInfo): string {
  const { lastSeen: _lastSeen, ...rest } = instance;
  return JSON.stringify({ ...rest, id: storedId(rest.id) });
}

/** An instance from its stored value, `<lastSeen> <JSON>`; undefined when malformed. */
export function decodeInstance(text: string): InstanceInfo | undefined {
  const space = text.indexOf(' ');
  if (space < 0) return undefined;
  const lastSeen = Number(text.slice(0, space));
  try {
    const value: unknown = JSON.parse(text.slice(space + 1));
    if (typeof value !== 'object' || value === null) return undefined;
    const i = value as Partial<InstanceInfo>;
    if (typeof i.id !== 'string' || typeof i.startedAt !== 'number' || typeof i.store !== 'string' || !Number.isFinite(lastSeen)) return undefined;
    return { ...(value as InstanceInfo), lastSeen };
  } catch {
    return undefined;
  }
}
