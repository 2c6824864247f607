// Sliding log (exact): keeps the time and size of every admitted call in the last
// `windowMs` and admits a call only if the units inside any window of that length stay
// within the limit. State: [t0, c0, t1, c1, ...], ascending; at most `limit` entries.
import { needed, wholeRemaining, wholeUsed, type AlgorithmResult, type Scratch, type WindowParams } from './types.js';

/** State: flat pairs `[time0, units0, time1, units1, ...]`, oldest first. */
export type SlidingLogState = readonly number[];

/** Index (into the flat array) of the first entry still inside the window at `now`. */
function firstLive(log: readonly number[], now: number, w: number): number {
  let i = 0;
  while (i < log.length && log[i]! + w <= now) i += 2;
  return i;
}

function sumFrom(log: readonly number[], i: number): number {
  let s = 0;
  for (let j = i + 1; j < log.length; j += 2) s += log[j]!;
  return s;
}

/**
 * Decide `cost` units against `log` at `now` without changing it: writes `out.allowed`,
 * `out.retryAfterMs` and `out.used` (units in the window before this call).
 */
export function slidingLogDecide(log: readonly number[] | undefined, now: number, p: WindowParams, cost: number, out: Scratch): void {
  const w = p.windowMs;
  const entries = log ?? [];
  const first = firstLive(entries, now, w);
  const used = sumFrom(entries, first);
  out.used = used;
  if (cost < 0) {
    out.allowed = true;
    out.retryAfterMs = 0;
    return;
  }
  const need = needed(cost);
  out.allowed = used + need <= p.limit;
  if (out.allowed) {
    out.retryAfterMs = 0;
  } else if (need > p.limit) {
    out.retryAfterMs = -1;
  } else {
    // Wait for the oldest entries to leave the window until the call fits.
    let left = used;
    let i = first;
    while (i < entries.length && left + need > p.limit) {
      left -= entries[i + 1]!;
      i += 2;
    }
    out.retryAfterMs = Math.max(1, Math.ceil(entries[i - 2]! + w - now));
  }
}

/**
 * Apply `cost` units at `now` to `log` in place (drops expired entries and appends, or
 * refunds units charged at `at`), keeping at most `limit` entries. A zero cost changes
 * nothing. Returns the same array.
 */
export function slidingLogCommit(log: number[], now: number, p: WindowParams, cost: number, at: number): number[] {
  const w = p.windowMs;
  if (cost > 0) {
    // Entries leave only when a new one arrives (at or after every entry), so a clock that
    // steps back later cannot bring back a window that was emptied too early.
    const first = firstLive(log, now, w);
    if (first > 0) log.splice(0, first);
    const n = log.length;
    const lastTime = n > 0 ? log[n - 2]! : -Infinity;
    const t = now > lastTime ? now : lastTime;
    if (n > 0 && (lastTime === t || n / 2 >= p.limit)) {
      // Same instant, or the log is full (only forced charges get here): fold into the
      // newest entry, moving it to now, which can only make the window stricter.
      log[n - 2] = t;
      log[n - 1] = log[n - 1]! + cost;
    } else {
      log.push(t, cost);
    }
  } else if (cost < 0) {
    // A refund takes back units of the entry charged at `at`, if it is still in the window.
    for (let i = log.length - 2; i >= 0 && log[i]! >= at; i -= 2) {
      if (log[i] !== at || at + w <= now) continue;
      const left = log[i + 1]! + cost;
      if (left > 0) log[i + 1] = left;
      else log.splice(i, 2);
      break;
    }
  }
  return log;
}

/** Describe `log` at `now`: writes `out.used`, `out.resetMs`, `out.expiresAt`. */
export function slidingLogInspect(log: readonly number[] | undefined, now: number, p: WindowParams, out: Scratch): void {
  const entries = log ?? [];
  const first = firstLive(entries, now, p.windowMs);
  out.used = sumFrom(entries, first);
  const n = entries.length;
  const newest = n > first ? entries[n - 2]! : undefined;
  out.resetMs = newest === undefined ? 0 : newest + p.windowMs - now;
  out.expiresAt = newest === undefined ? now : newest + p.windowMs;
}

/**
 * Pure sliding-log step: exact, never admits more than `limit` units in any window of
 * `windowMs`.
 *
 * @example
 * ```ts
 * const r = slidingLog(undefined, 0, { limit: 10, windowMs: 60_000 });
 * r.state; // [0, 1]
 * ```
 */
export function slidingLog(
  state: SlidingLogState | undefined,
  now: number,
  params: WindowParams,
  cost = 1,
  at = now,
): AlgorithmResult<SlidingLogState> {
  const out: Scratch = { next: new Float64Array(0), allowed: false, retryAfterMs: 0, used: 0, usedNext: 0, limit: params.limit, resetMs: 0, expiresAt: 0 };
  slidingLogDecide(state, now, params, cost, out);
  const allowed = out.allowed;
  const retryAfterMs = out.retryAfterMs;
  const next = allowed ? slidingLogCommit(state ? state.slice() : [], now, params, cost, at) : state;
  slidingLogInspect(next, now, params, out);
  const remaining = wholeRemaining(params.limit, out.used);
  return { state: next, allowed, remaining, used: wholeUsed(params.limit, out.used, remaining), limit: params.limit, resetMs: out.resetMs, retryAfterMs };
}
