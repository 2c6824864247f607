// Traffic patterns (steady, burst, ramp, custom) and the deterministic schedule each one
// stands for: which requests happen at which millisecond after the pattern starts.
import { RequestError } from '@limitrate/core';
import { parseDuration, type Duration } from './duration.js';
import type { RequestOpts } from './requests.js';

/**
 * What every pattern's requests look like; `users` spreads them over several users in turn.
 *
 * @example
 * ```ts
 * const requests: TrafficRequests = { users: ['a', 'b', 'c'], plan: 'free', endpoint: 'POST|/api/chat', tokens: 200 };
 * ```
 */
export interface TrafficRequests<TReq = unknown> extends RequestOpts<TReq> {
  /** Users taking turns (request 1 from the first, request 2 from the second...); overrides `user`. */
  users?: readonly string[];
}

/**
 * `rate` requests a second, evenly spaced, for `duration`.
 *
 * @example
 * ```ts
 * const steady: SteadyTraffic = { type: 'steady', rate: 5, duration: '1 minute', user: 'u1' }; // 300 requests
 * ```
 */
export interface SteadyTraffic<TReq = unknown> extends TrafficRequests<TReq> {
  type: 'steady';
  /** Requests per second (fractions allowed: 0.5 is one every 2 s). */
  rate: number;
  duration: Duration;
}

/**
 * `count` requests at once, `repeat` times (default 1), `every` apart; the pattern ends at
 * the last burst.
 *
 * @example
 * ```ts
 * const bursts: BurstTraffic = { type: 'burst', count: 20, repeat: 3, every: '1 minute' };
 * ```
 */
export interface BurstTraffic<TReq = unknown> extends TrafficRequests<TReq> {
  type: 'burst';
  count: number;
  repeat?: number;
  /** Time between bursts (needed when repeat > 1). */
  every?: Duration;
}

/**
 * A rate going linearly from `from` to `to` requests a second over `duration`.
 *
 * @example
 * ```ts
 * const ramp: RampTraffic = { type: 'ramp', from: 1, to: 20, duration: '30 seconds' }; // 315 requests
 * ```
 */
export interface RampTraffic<TReq = unknown> extends TrafficRequests<TReq> {
  type: 'ramp';
  from: number;
  to: number;
  duration: Duration;
}

/**
 * `count` requests (default 1) at `at` after the pattern starts; each entry may name its
 * own user, plan, endpoint, cost and tokens.
 *
 * @example
 * ```ts
 * const entry: ScheduledRequests = { at: '30 seconds', count: 5, user: 'u2', endpoint: 'POST|/api/chat' };
 * ```
 */
export interface ScheduledRequests<TReq = unknown> extends RequestOpts<TReq> {
  at: Duration;
  count?: number;
}

/**
 * Requests at chosen times; the pattern ends at the latest `at`.
 *
 * @example
 * ```ts
 * const custom: CustomTraffic = { type: 'custom', user: 'u1', schedule: [{ at: 0, count: 10 }, { at: '1m', count: 10 }] };
 * ```
 */
export interface CustomTraffic<TReq = unknown> extends TrafficRequests<TReq> {
  type: 'custom';
  schedule: ReadonlyArray<ScheduledRequests<TReq>>;
}

/**
 * A traffic pattern for `simulateTraffic`.
 *
 * @example
 * ```ts
 * const pattern: TrafficPattern = { type: 'steady', rate: 2, duration: '10s', endpoint: 'GET|/api/items' };
 * ```
 */
export type TrafficPattern<TReq = unknown> = SteadyTraffic<TReq> | BurstTraffic<TReq> | RampTraffic<TReq> | CustomTraffic<TReq>;

/** Requests at one millisecond of a schedule. */
export interface ScheduleStep<TReq> {
  /** Milliseconds after the pattern starts. */
  at: number;
  count: number;
  /** The entry's own request fields (custom schedules). */
  opts: RequestOpts<TReq> | undefined;
}

/** The steps of a pattern in time order, and how long it lasts. */
export interface Schedule<TReq> {
  steps: Array<ScheduleStep<TReq>>;
  spanMs: number;
}

/**
 * Most requests one simulation may make (a pattern above it is refused before it starts).
 *
 * @example
 * ```ts
 * const rate = Math.floor(MAX_SIMULATED_REQUESTS / 3600); // the fastest steady rate for an hour
 * ```
 */
export const MAX_SIMULATED_REQUESTS = 1_000_000;

function bad(path: string, message: string, hint: string): RequestError {
  return new RequestError(`simulateTraffic(): ${path} ${message}`, hint);
}

function rate(path: string, value: unknown, zeroOk: boolean): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!zeroOk && value === 0)) {
    throw bad(path, `must be a number of requests per second ${zeroOk ? '>= 0' : '> 0'}, got ${String(value)}`, 'For example 10 (ten a second) or 0.5 (one every 2 seconds)');
  }
  return value;
}

function count(path: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw bad(path, `must be a whole number >= ${min}, got ${String(value)}`, 'Count requests (or bursts) in whole numbers');
  return value;
}

function guard(total: number): void {
  if (total > MAX_SIMULATED_REQUESTS) throw bad('the pattern', `makes ${Math.round(total)} requests, more than ${MAX_SIMULATED_REQUESTS}`, 'Lower the rate or the duration: a few hundred requests show a limit at work');
}

/**
 * Requests of a rate going linearly from `from` to `to` (a second) over `spanMs`: request k
 * happens when the expected number of requests so far reaches k.
 */
function linear<TReq>(from: number, to: number, spanMs: number): Schedule<TReq> {
  const b = from / 1000;
  const a = (to - from) / 1000 / (2 * spanMs);
  const total = ((from + to) / 2) * (spanMs / 1000);
  guard(total);
  // Request k is due when k requests are expected so far: k < total, rounding noise aside.
  const n = Math.ceil(total - 1e-9);
  const steps: Array<ScheduleStep<TReq>> = [];
  for (let k = 0; k < n; k++) {
    // Solves a t² + b t = k, in the form that stays exact when a is 0.
    const t = k === 0 ? 0 : (2 * k) / (b + Math.sqrt(b * b + 4 * a * k));
    if (!(t < spanMs)) break;
    const at = Math.floor(t + 1e-6);
    if (at >= spanMs) break;
    const last = steps[steps.length - 1];
    if (last !== undefined && last.at === at) last.count++;
    else steps.push({ at, count: 1, opts: undefined });
  }
  return { steps, spanMs };
}

/** The schedule a pattern stands for. Throws a RequestError naming a bad field. */
export function scheduleOf<TReq>(pattern: TrafficPattern<TReq>): Schedule<TReq> {
  if (pattern === null || typeof pattern !== 'object') throw bad('the pattern', `must be an object, got ${String(pattern)}`, "For example { type: 'steady', rate: 10, duration: '1 minute' }");
  switch (pattern.type) {
    case 'steady': {
      const r = rate('rate', pattern.rate, false);
      return linear(r, r, parseDuration(pattern.duration, 'simulateTraffic(): duration'));
    }
    case 'ramp': {
      const from = rate('from', pattern.from, true);
      const to = rate('to', pattern.to, true);
      return linear(from, to, parseDuration(pattern.duration, 'simulateTraffic(): duration'));
    }
    case 'burst': {
      const n = count('count', pattern.count, 0);
      const repeat = count('repeat', pattern.repeat ?? 1, 1);
      if (repeat > 1 && pattern.every === undefined) throw bad('every', 'is needed when repeat > 1', "Say how far apart the bursts are, e.g. every: '1 minute'");
      const every = pattern.every === undefined ? 0 : parseDuration(pattern.every, 'simulateTraffic(): every');
      guard(n * repeat);
      const steps = Array.from({ length: repeat }, (_, i) => ({ at: Math.floor(i * every), count: n, opts: undefined }));
      return { steps, spanMs: Math.floor((repeat - 1) * every) };
    }
    case 'custom': {
      if (!Array.isArray(pattern.schedule)) throw bad('schedule', `must be an array of { at, count }, got ${String(pattern.schedule)}`, "For example schedule: [{ at: 0, count: 5 }, { at: '30s', count: 5 }]");
      const steps = pattern.schedule.map((entry: ScheduledRequests<TReq>, i) => {
        if (entry === null || typeof entry !== 'object') throw bad(`schedule[${i}]`, `must be an object, got ${String(entry)}`, 'For example { at: 0, count: 5 }');
        const { at, count: n, ...opts } = entry;
        return { at: Math.floor(parseDuration(at, `simulateTraffic(): schedule[${i}].at`)), count: count(`schedule[${i}].count`, n ?? 1, 0), opts };
      });
      guard(steps.reduce((sum, s) => sum + s.count, 0));
      // A stable sort: entries at the same time keep their order.
      steps.sort((x, y) => x.at - y.at);
      return { steps, spanMs: steps.reduce((max, s) => Math.max(max, s.at), 0) };
    }
    default: {
      const type = (pattern as { type?: unknown }).type;
      throw bad('type', `must be 'steady', 'burst', 'ramp' or 'custom', got ${typeof type === 'string' ? JSON.stringify(type) : String(type)}`, "For example { type: 'burst', count: 20 }");
    }
  }
}
