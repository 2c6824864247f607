// simulateTraffic: plays traffic patterns against a test limiter, moving its clock as the
// requests happen, and reports what was allowed, blocked and slowed over time.
import { RequestError } from '@limitrate/core';
import { tally, toRequest, type RequestOpts } from './requests.js';
import { scheduleOf, type TrafficPattern } from './schedule.js';
import type { TestLimiter } from './test-limiter.js';

/**
 * Requests and their outcomes over one span of time.
 *
 * @example
 * ```ts
 * const second: TrafficCounts = { requests: 10, allowed: 8, blocked: 2, slowed: 0 };
 * ```
 */
export interface TrafficCounts {
  requests: number;
  allowed: number;
  blocked: number;
  slowed: number;
}

/**
 * What a simulation did. Times are milliseconds (or seconds) since the simulation started,
 * so a report is the same on every run.
 *
 * @example
 * ```ts
 * const report = await simulateTraffic(limiter, { type: 'steady', rate: 1, duration: '2 minutes' });
 * report.perSecond.map((s) => s.blocked); // a chart of refusals
 * ```
 */
export interface TrafficReport extends TrafficCounts {
  /** Requests let through by dryRun that a limit would have blocked or slowed. */
  dryRun: number;
  /** How far the clock moved. */
  durationMs: number;
  /** When the first request was blocked, or undefined. */
  firstBlockedAtMs: number | undefined;
  /** One entry per millisecond at which requests were made. */
  steps: Array<TrafficCounts & { atMs: number }>;
  /** One entry per second from the start (seconds without requests included), for charts. */
  perSecond: Array<TrafficCounts & { second: number }>;
}

const zero = (): TrafficCounts => ({ requests: 0, allowed: 0, blocked: 0, slowed: 0 });

/**
 * Plays one pattern, or several one after another, against a limiter: its clock (the
 * shared test clock unless it has its own) moves to each request's time, so windows pass
 * and buckets refill as they would. Deterministic: the same patterns give the same report.
 * Patterns: `steady` (rate a second for a duration), `burst` (count at once, optionally
 * repeated every so often), `ramp` (rate from → to over a duration) and `custom` (a list
 * of `{ at, count, user?, endpoint?, ... }`).
 *
 * @example
 * ```ts
 * const limiter = createTestLimiter({ policies: { free: { rate: { maxPerMinute: 60 } } } });
 * const report = await simulateTraffic(limiter, [
 *   { type: 'burst', count: 100, user: 'u1' },
 *   { type: 'steady', rate: 1, duration: '2 minutes', user: 'u1' },
 * ]);
 * report.blocked; // 100: 40 of the burst, and the 60 steady requests of its minute
 * ```
 */
export async function simulateTraffic<TReq>(limiter: TestLimiter<TReq>, pattern: TrafficPattern<TReq> | ReadonlyArray<TrafficPattern<TReq>>): Promise<TrafficReport> {
  const phases: ReadonlyArray<TrafficPattern<TReq>> = Array.isArray(pattern) ? pattern : [pattern as TrafficPattern<TReq>];
  // Every pattern is checked before any request is made.
  const schedules = phases.map((p) => scheduleOf(p));
  const clock = limiter.clock;
  const start = clock.now();
  const report: TrafficReport = { ...zero(), dryRun: 0, durationMs: 0, firstBlockedAtMs: undefined, steps: [], perSecond: [] };
  const moveTo = (time: number): void => {
    const now = clock.now();
    if (time > now) clock.advance(time - now);
    else if (time < now) throw new RequestError('simulateTraffic(): the clock was moved back during the simulation', 'Leave the clock alone until simulateTraffic() resolves');
  };
  let phaseStart = start;
  for (const [i, schedule] of schedules.entries()) {
    const phase = phases[i]!;
    const { users, ...base } = phase;
    let turn = 0;
    for (const step of schedule.steps) {
      moveTo(phaseStart + step.at);
      const atMs = clock.now() - start;
      const opts: RequestOpts<TReq> = step.opts === undefined ? base : { ...base, ...step.opts };
      const counts = { atMs, ...zero() };
      for (let k = 0; k < step.count; k++) {
        const user = step.opts?.user === undefined && users !== undefined && users.length > 0 ? users[turn++ % users.length] : opts.user;
        const r = await limiter.check(toRequest({ ...opts, user }));
        counts.requests++;
        tally(counts, r);
        if (r.dryRun) report.dryRun++;
        if (!r.allowed && report.firstBlockedAtMs === undefined) report.firstBlockedAtMs = atMs;
      }
      addStep(report, counts);
    }
    moveTo(phaseStart + schedule.spanMs);
    phaseStart = clock.now();
  }
  report.durationMs = clock.now() - start;
  const seconds = Math.max(Math.ceil(report.durationMs / 1000), report.steps.length === 0 ? 0 : Math.floor(report.steps[report.steps.length - 1]!.atMs / 1000) + 1);
  report.perSecond = Array.from({ length: seconds }, (_, second) => ({ second, ...zero() }));
  for (const s of report.steps) {
    const bucket = report.perSecond[Math.floor(s.atMs / 1000)]!;
    bucket.requests += s.requests;
    bucket.allowed += s.allowed;
    bucket.blocked += s.blocked;
    bucket.slowed += s.slowed;
  }
  return report;
}

/** Adds a step's counts to the totals, merging steps at the same millisecond (phases that meet). */
function addStep(report: TrafficReport, counts: TrafficCounts & { atMs: number }): void {
  report.requests += counts.requests;
  report.allowed += counts.allowed;
  report.blocked += counts.blocked;
  report.slowed += counts.slowed;
  const last = report.steps[report.steps.length - 1];
  if (last !== undefined && last.atMs === counts.atMs) {
    last.requests += counts.requests;
    last.allowed += counts.allowed;
    last.blocked += counts.blocked;
    last.slowed += counts.slowed;
  } else {
    report.steps.push(counts);
  }
}
