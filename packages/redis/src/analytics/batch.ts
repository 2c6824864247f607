// Turning core's AnalyticsBatch into the write script's KEYS and ARGV.
import { addCounts, type AnalyticsBatch, type InstanceInfo, type OutcomeCounts, type UserCounts } from '@limitrate/core';
import { encodeBlock, encodeInstance, isZero, isZeroStore, packCounts, packStore, pairField, storedId, userField } from './codec.js';
import type { AnalyticsKeys } from './keys.js';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
/** Retention used when a batch carries none that makes sense (core's default). */
const DEFAULT_RETENTION_MS = 48 * HOUR_MS;
/** Upper bounds for what a batch asks for (core's own maxima). */
const MAX_TOP_USERS = 10_000;
const MAX_RECENT_BLOCKS = 10_000;

/** How the sink stores a batch, besides what the batch says. */
export interface WritePlan {
  /** How long minute buckets live (capped by the batch's retention). */
  minuteRetentionMs: number;
  /** How long an instance counts as live after its last write (at least three of its flush intervals); 0 when it leaves. */
  instanceTimeoutMs: number;
}

/** The script's call for one batch. */
export interface WriteCall {
  keys: string[];
  args: string[];
}

function whole(value: number, fallback: number, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return fallback;
  return Math.min(max, Math.max(min, Math.floor(value)));
}

/** The field an instance is stored under: its (shortened) id as JSON, injective whatever it holds. */
export function instanceField(id: string): string {
  return JSON.stringify(storedId(id));
}

/**
 * The write script's KEYS and ARGV for a batch: each non-empty minute delta goes to its
 * minute bucket and to the hour bucket holding it.
 */
export function encodeWrite(keys: AnalyticsKeys, batch: AnalyticsBatch, plan: WritePlan): WriteCall {
  const retention = whole(batch.retentionMs, DEFAULT_RETENTION_MS, MINUTE_MS, Number.MAX_SAFE_INTEGER);
  const minuteTtl = Math.min(retention, plan.minuteRetentionMs);
  const top = whole(batch.topUsers, 100, 1, MAX_TOP_USERS);
  const keep = whole(batch.recentBlocks, 100, 1, MAX_RECENT_BLOCKS);
  const instance: InstanceInfo = batch.instance;
  const blocks = batch.blocks.slice(-keep).map((b) => encodeBlock(b, instance.id));
  const sequence = typeof batch.sequence === 'number' && Number.isSafeInteger(batch.sequence) && batch.sequence > 0 ? batch.sequence : 0;
  // Live for a few of the instance's flush intervals (at least instanceTimeoutMs).
  const flushMs = typeof batch.flushIntervalMs === 'number' && Number.isFinite(batch.flushIntervalMs) ? batch.flushIntervalMs : 0;
  const timeout = plan.instanceTimeoutMs <= 0 ? 0 : Math.max(plan.instanceTimeoutMs, 3 * flushMs);
  const args: string[] = [String(top), String(retention), String(minuteTtl), String(keep), instanceField(instance.id), encodeInstance(instance), String(Math.floor(timeout)), String(blocks.length), String(sequence), ...blocks];
  const callKeys: string[] = [keys.blocks, keys.instances, keys.live, keys.applied];
  for (const bucket of batch.minutes) {
    const pairs = bucket.pairs.filter((p) => !isZero(p));
    const { users, otherUsers } = trimUsers(bucket.users.filter((u) => !isZero(u)), bucket.otherUsers, top);
    const other = isZero(otherUsers) ? '' : packCounts(otherUsers);
    const store = isZeroStore(bucket.store) ? '' : packStore(bucket.store);
    if (pairs.length === 0 && users.length === 0 && other === '' && store === '') continue;
    const minute = Math.floor(bucket.start / MINUTE_MS) * MINUTE_MS;
    const hour = Math.floor(bucket.start / HOUR_MS) * HOUR_MS;
    callKeys.push(keys.minute(minute), keys.minuteUsers(minute), keys.hour(hour), keys.hourUsers(hour));
    args.push(String(minute), String(hour), other, store, String(pairs.length), String(users.length));
    for (const p of pairs) args.push(pairField(p.plan, p.endpoint), packCounts(p));
    for (const u of users) args.push(userField(u.user, u.plan, u.endpoint), packCounts(u));
  }
  return { keys: callKeys, args };
}

/**
 * A delta's users trimmed to the busiest `top` (core's buckets already are), the rest added
 * to otherUsers, as the script folds a bucket: the stored hash then never grows past about
 * three times `top` (Redis keeps a hash's table at its largest size until the key expires).
 */
function trimUsers(users: UserCounts[], otherUsers: OutcomeCounts, top: number): { users: UserCounts[]; otherUsers: OutcomeCounts } {
  if (users.length <= top) return { users, otherUsers };
  const sorted = users.slice().sort((a, b) => b.requests - a.requests || b.blocked - a.blocked);
  const other = { ...otherUsers };
  for (const u of sorted.slice(top)) addCounts(other, u);
  return { users: sorted.slice(0, top), otherUsers: other };
}
