// The demo's numbers: what the limiter did to each request, by plan, endpoint and user,
// plus the events it emitted and the latest refusals.
import type { LimitRateEvent } from '@limitrate/core';
import type { RequestRecord } from '../app.js';

/** Requests by outcome. `allowed` means served within the limits. */
export interface Counts {
  requests: number;
  allowed: number;
  slowed: number;
  logged: number;
  blocked: number;
}

export const zero = (): Counts => ({ requests: 0, allowed: 0, slowed: 0, logged: 0, blocked: 0 });

export function add(into: Counts, from: Counts): Counts {
  into.requests += from.requests;
  into.allowed += from.allowed;
  into.slowed += from.slowed;
  into.logged += from.logged;
  into.blocked += from.blocked;
  return into;
}

/** Share of requests refused, in percent. */
export const blockRate = (c: Counts): number => (c.requests === 0 ? 0 : (c.blocked / c.requests) * 100);

/** The latest exceeded event for each action. */
export type LatestByAction = Partial<Record<'block' | 'slowdown' | 'allow-and-log', LimitRateEvent>>;

export class DemoStats {
  readonly startedAt = Date.now();
  /** plan -> endpoint -> counts */
  readonly byPlan = new Map<string, Map<string, Counts>>();
  readonly byUser = new Map<string, Counts>();
  readonly total = zero();
  readonly events = new Map<string, number>();
  readonly exceeded = { block: 0, slowdown: 0, 'allow-and-log': 0 };
  readonly latest: LatestByAction = {};
  /** The latest blocks, newest last: one entry per user, endpoint and limit, with how often it repeated. */
  readonly lastBlocks: Array<RequestRecord & { times: number }> = [];
  private frozen = false;

  constructor(
    readonly plans: readonly string[],
    readonly endpoints: readonly string[],
    private readonly keepBlocks = 5,
  ) {
    for (const plan of plans) this.byPlan.set(plan, new Map(endpoints.map((e) => [e, zero()])));
  }

  /** Stop counting (the demo is shutting down: what is still in flight is cut off). */
  freeze(): void {
    this.frozen = true;
  }

  request(r: RequestRecord): void {
    if (this.frozen || r.action === 'skip') return;
    let plan = this.byPlan.get(r.plan);
    if (plan === undefined) this.byPlan.set(r.plan, (plan = new Map()));
    let counts = plan.get(r.endpoint);
    if (counts === undefined) plan.set(r.endpoint, (counts = zero()));
    let user = this.byUser.get(r.user);
    if (user === undefined) this.byUser.set(r.user, (user = zero()));
    for (const c of [counts, user, this.total]) {
      c.requests++;
      if (r.action === 'allow') c.allowed++;
      else if (r.action === 'slowdown') c.slowed++;
      else if (r.action === 'allow-and-log') c.logged++;
      else c.blocked++;
    }
    if (r.action === 'block') {
      const same = this.lastBlocks.findIndex((b) => b.user === r.user && b.endpoint === r.endpoint && b.rule === r.rule);
      const times = same < 0 ? 1 : this.lastBlocks[same]!.times + 1;
      if (same >= 0) this.lastBlocks.splice(same, 1);
      this.lastBlocks.push({ ...r, times });
      if (this.lastBlocks.length > this.keepBlocks) this.lastBlocks.shift();
    }
  }

  event(e: LimitRateEvent): void {
    if (this.frozen) return;
    this.events.set(e.type, (this.events.get(e.type) ?? 0) + 1);
    if (e.type === 'rate_exceeded' || e.type === 'token_limit_exceeded' || e.type === 'cost_exceeded') {
      this.exceeded[e.action]++;
      this.latest[e.action] = e;
    }
  }

  /** A plan's counts over every endpoint. */
  plan(plan: string): Counts {
    const sum = zero();
    for (const c of this.byPlan.get(plan)?.values() ?? []) add(sum, c);
    return sum;
  }

  /** Seconds since the demo started. */
  elapsed(now = Date.now()): number {
    return (now - this.startedAt) / 1000;
  }
}
