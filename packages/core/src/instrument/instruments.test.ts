// metrics: and tracing: on the RateLimiter. One record per check with its outcome, sampled
// timings with their weight, store operations of remote stores, tracing scopes with the
// policy lookup phase and the store operation inside them, hooks that throw contained and
// reported, the same decisions as without instrumentation, validation, and detaching.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors/index.js';
import { HttpLimiter } from '../http/engine.js';
import { RateLimiter } from '../limiter.js';
import { AsyncStore } from '../__tests__/remote-store.js';
import type { LimitRateEvent } from '../events/types.js';
import { Instruments } from './instruments.js';
import type { CheckRecord, CheckScope, Instrumentation, InstrumentedLimiter, StoreOperationRecord } from './types.js';

const POLICIES = {
  free: {
    endpoints: {
      'GET|/slow': { rate: { maxPerMinute: 1, actionOnExceed: 'slowdown' as const, slowdownMs: 50 } },
      'GET|/log': { rate: { maxPerMinute: 1, actionOnExceed: 'allow-and-log' as const } },
    },
    defaults: { rate: { maxPerMinute: 2 } },
  },
};

function recorder(extra: Partial<Instrumentation> = {}) {
  const checks: CheckRecord[] = [];
  const ops: StoreOperationRecord[] = [];
  // The record is reused after the call: keep a copy.
  const i: Instrumentation = { name: 'rec', onCheck: (r) => checks.push({ ...r }), onStoreOperation: (r) => ops.push(r), ...extra };
  return { i, checks, ops };
}

/** Checks of user u under POLICIES: GET|/x allowed twice then blocked, /slow allowed then slowed, /log allowed then logged. */
async function eachOutcome(limiter: RateLimiter): Promise<void> {
  for (const endpoint of ['GET|/x', 'GET|/x', 'GET|/x', 'GET|/slow', 'GET|/slow', 'GET|/log', 'GET|/log']) await limiter.check({ userId: 'u', endpoint });
}

describe('metrics: onCheck', () => {
  it('gets one record per check, with the outcome: allowed, blocked, slowed, logged', async () => {
    const { i, checks } = recorder();
    const limiter = new RateLimiter({ policies: POLICIES, metrics: i });
    await eachOutcome(limiter);
    await limiter.checkCost({ userId: 'u', endpoint: 'GET|/x' });
    expect(checks.map((c) => [c.operation, c.outcome, c.result.endpoint])).toEqual([
      ['check', 'allowed', 'GET|/x'],
      ['check', 'allowed', 'GET|/x'],
      ['check', 'blocked', 'GET|/x'],
      ['check', 'allowed', 'GET|/slow'],
      ['check', 'slowed', 'GET|/slow'],
      ['check', 'allowed', 'GET|/log'],
      ['check', 'logged', 'GET|/log'],
      ['checkCost', 'allowed', 'GET|/x'],
    ]);
    // peek is not a check.
    await limiter.peek({ userId: 'u', endpoint: 'GET|/x' });
    expect(checks).toHaveLength(8);
    // dryRun: what would have been blocked is logged.
    const dry = recorder();
    const dl = new RateLimiter({ policies: POLICIES, dryRun: true, metrics: dry.i });
    for (let n = 0; n < 3; n++) await dl.check({ userId: 'u', endpoint: 'GET|/x' });
    expect(dry.checks.map((c) => c.outcome)).toEqual(['allowed', 'allowed', 'logged']);
  });

  it('times every check while checks are rarer than timingsPerSecond; Infinity times them all', async () => {
    const every = recorder({ timingsPerSecond: Infinity });
    const a = new RateLimiter({ policies: { free: { rate: { maxPerMinute: 100 } } }, metrics: every.i });
    for (let n = 0; n < 12; n++) a.checkNow({ userId: 'u' });
    expect(every.checks).toHaveLength(12);
    for (const c of every.checks) {
      expect(c.durationSeconds).toBeGreaterThanOrEqual(0);
      expect(c.timingWeight).toBe(1);
    }
    // 1,000 a second at most: checks 5 ms apart are each timed.
    const slow = recorder({ timingsPerSecond: 1000 });
    const b = new RateLimiter({ policies: { free: { rate: { maxPerMinute: 100 } } }, metrics: slow.i });
    for (let n = 0; n < 4; n++) {
      b.checkNow({ userId: 'u' });
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(slow.checks.map((c) => c.timingWeight)).toEqual([1, 1, 1, 1]);
  });

  it('samples fast checks: about timingsPerSecond timings a second, weights adding up to the checks', () => {
    const ins = new Instruments([{ name: 't', onTimedCheck: () => undefined, timingsPerSecond: 100 }], new RateLimiter({ policies: { free: { rate: { maxPerMinute: 1 } } } }).events, { now: () => 0 });
    // 100,000 checks a second for 2 s: one every 0.01 ms.
    let timings = 0;
    let weights = 0;
    let lastTimed = 0;
    for (let n = 1; n <= 200_000; n++) {
      if (!ins.due()) continue;
      timings++;
      weights += ins.weigh(n * 0.01);
      lastTimed = n;
    }
    // Each timing stands for the checks since the previous one: the weights count every check up to the last timing.
    expect(weights).toBe(lastTimed);
    expect(lastTimed).toBeGreaterThan(199_000);
    // About 100 a second (the interval ramps up from 1 by doubling: a few more at the start).
    expect(timings).toBeGreaterThanOrEqual(195);
    expect(timings).toBeLessThanOrEqual(230);
    // Traffic slows to one check every 50 ms: the next timing's interval drops to 1 at once.
    let t = 200_000 * 0.01;
    const after: number[] = [];
    for (let n = 0; n < 2_000 && after.length < 6; n++) {
      t += 50;
      if (ins.due()) after.push(ins.weigh(t));
    }
    expect(after.slice(-3)).toEqual([1, 1, 1]);
  });

  it('calls onTimedCheck for timed checks only, with their weight', () => {
    const timed: number[] = [];
    const limiter = new RateLimiter({ policies: { free: { rate: { maxPerMinute: 1_000_000 } } }, metrics: { name: 't', onTimedCheck: (r) => timed.push(r.timingWeight) } });
    for (let n = 0; n < 1000; n++) limiter.checkNow({ userId: 'u' });
    // 1,000 checks in well under the 10 ms a timing stands for at most 100 a second: a handful of timings, ramping 1, 2, 4, ...
    expect(timed.length).toBeGreaterThan(0);
    expect(timed.length).toBeLessThan(1000);
    expect(timed[0]).toBe(1);
    expect(timed.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1000);
  });

  it('keeps check counts per plan and endpoint for counts: true, read through checkCounts()', async () => {
    let target: InstrumentedLimiter | undefined;
    const limiter = new RateLimiter({
      policies: { ...POLICIES, pro: { rate: { maxPerMinute: 10, maxTokensPerMinute: 1000 }, cost: { hourlyCap: 5 } } },
      // Every check timed, so that `latest` is the last check (else the last timed one).
      metrics: { name: 'pull', counts: true, timingsPerSecond: Infinity, attach: (l) => void (target = l) },
    });
    await eachOutcome(limiter);
    await limiter.check({ userId: 'u', plan: 'pro', endpoint: 'POST|/chat', tokens: 12, cost: 0.1 });
    await limiter.check({ userId: 'u', plan: 'pro', endpoint: 'POST|/chat', tokens: 8, cost: 0.2 });
    await limiter.peek({ userId: 'u', endpoint: 'GET|/x' });
    const counts = target!.checkCounts!().map((c) => ({ plan: c.plan, endpoint: c.endpoint, allowed: c.allowed, blocked: c.blocked, slowed: c.slowed, logged: c.logged, cost: c.cost, tokens: c.tokens, latestUsed: c.latest?.limits.map((l) => l.used) }));
    expect(counts).toEqual([
      { plan: 'free', endpoint: 'GET|/x', allowed: 2, blocked: 1, slowed: 0, logged: 0, cost: 0, tokens: 0, latestUsed: [2] },
      { plan: 'free', endpoint: 'GET|/slow', allowed: 1, blocked: 0, slowed: 1, logged: 0, cost: 0, tokens: 0, latestUsed: [2] },
      { plan: 'free', endpoint: 'GET|/log', allowed: 1, blocked: 0, slowed: 0, logged: 1, cost: 0, tokens: 0, latestUsed: [2] },
      // Micro-dollars summed: 0.1 + 0.2 is exactly 0.3.
      { plan: 'pro', endpoint: 'POST|/chat', allowed: 2, blocked: 0, slowed: 0, logged: 0, cost: 0.3, tokens: 20, latestUsed: [2, 20, 0.3] },
    ]);
    // A store's answer that arrives later is counted too.
    const store = new AsyncStore();
    let remote: InstrumentedLimiter | undefined;
    const r = new RateLimiter({ policies: { free: { rate: { maxPerMinute: 1 } } }, store, metrics: { name: 'pull', counts: true, attach: (l) => void (remote = l) } });
    await r.check({ userId: 'u' });
    await r.check({ userId: 'u' });
    expect(remote!.checkCounts!().map((c) => [c.allowed, c.blocked])).toEqual([[1, 1]]);
    // Without counts: true, nothing is counted.
    let none: InstrumentedLimiter | undefined;
    new RateLimiter({ policies: POLICIES, metrics: { name: 'x', attach: (l) => void (none = l) } });
    expect(none!.checkCounts).toBeUndefined();
  });

  it('analytics alone keeps no check counts (nothing reads them); with counts: true both count every check', async () => {
    let alone: InstrumentedLimiter | undefined;
    const a = new RateLimiter({ policies: POLICIES, analytics: true, metrics: { name: 'x', attach: (l) => void (alone = l) } });
    await eachOutcome(a);
    expect(alone!.checkCounts).toBeUndefined();
    a.analytics!.drain();
    expect(a.analytics!.report().totals.requests).toBe(7);
    let both: InstrumentedLimiter | undefined;
    const b = new RateLimiter({ policies: POLICIES, analytics: true, metrics: { name: 'pull', counts: true, attach: (l) => void (both = l) } });
    await eachOutcome(b);
    b.analytics!.drain();
    const counted = both!.checkCounts!().reduce((n, c) => n + c.allowed + c.blocked + c.slowed + c.logged, 0);
    expect(counted).toBe(7);
    expect(b.analytics!.report().totals.requests).toBe(7);
    await Promise.all([a.close(), b.close()]);
  });

  it('counts every path a check can take: checkCost, unknown plans, store failures, overrides, traced checks', async () => {
    const read = (metrics: Instrumentation, extra: Record<string, unknown> = {}) => {
      let target: InstrumentedLimiter | undefined;
      const limiter = new RateLimiter({ policies: { free: { rate: { maxPerMinute: 1 } }, pro: { rate: { maxPerMinute: 5 } } }, ...extra, metrics: { ...metrics, attach: (l: InstrumentedLimiter) => void (target = l) } } as never);
      const counts = () => target!.checkCounts!().map((c) => `${c.plan} ${c.endpoint} ${c.allowed}/${c.blocked}/${c.slowed}/${c.logged}`);
      return { limiter: limiter as RateLimiter, counts };
    };
    const pull: Instrumentation = { name: 'pull', counts: true };
    // checkCost and check of one endpoint: one entry.
    const a = read(pull);
    await a.limiter.check({ userId: 'u', endpoint: 'GET|/a' });
    await a.limiter.checkCost({ userId: 'u', endpoint: 'GET|/a' });
    await a.limiter.check({ userId: 'u', endpoint: 'GET|/a' });
    expect(a.counts()).toEqual(['free GET|/a 2/1/0/0']);
    // An unknown plan, allowed or blocked, is counted under the plan asked for.
    const allow = read(pull, { onUnknownPlan: 'allow' });
    await allow.limiter.check({ userId: 'u', plan: 'gold' });
    const block = read(pull, { onUnknownPlan: 'block' });
    await block.limiter.check({ userId: 'u', plan: 'gold' });
    expect([...allow.counts(), ...block.counts()]).toEqual(['gold *|* 1/0/0/0', 'gold *|* 0/1/0/0']);
    // A failing store: the failure policy's answer is counted (allowed when failing open).
    const store = new AsyncStore();
    store.fail = true;
    const open = read(pull, { store });
    await open.limiter.check({ userId: 'u' });
    const closed = read(pull, { store, onStoreError: 'block' });
    await closed.limiter.check({ userId: 'u' });
    expect([...open.counts(), ...closed.counts()]).toEqual(['free *|* 1/0/0/0', 'free *|* 0/1/0/0']);
    // Static and dynamic user overrides take the general path.
    const over = read(pull, { userOverrides: { vip: { maxPerMinute: 3 } }, getUserOverride: async () => null });
    for (let i = 0; i < 4; i++) await over.limiter.check({ userId: 'vip' });
    await over.limiter.check({ userId: 'other' });
    expect(over.counts()).toEqual(['free *|* 4/1/0/0']);
    // A traced check (and one with a per-check hook) is counted once.
    const traced = read({ ...pull, onCheck: () => undefined, startCheck: () => ({ end: () => undefined, fail: () => undefined }) });
    await traced.limiter.check({ userId: 'u' });
    await traced.limiter.check({ userId: 'u' });
    expect(traced.counts()).toEqual(['free *|* 1/1/0/0']);
    // peek is not a check; bad input throws and is not counted.
    await traced.limiter.peek({ userId: 'u' });
    await expect(traced.limiter.check({ userId: 42 } as never)).rejects.toThrow();
    expect(traced.counts()).toEqual(['free *|* 1/1/0/0']);
  });

  it('bounds check counts: past 10,000 plan and endpoint pairs, the rest are counted under other', () => {
    let target: InstrumentedLimiter | undefined;
    const limiter = new RateLimiter({ policies: { free: { rate: { maxPerMinute: 5 } } }, metrics: { name: 'pull', counts: true, attach: (l) => void (target = l) } });
    for (let n = 0; n < 10_050; n++) limiter.checkNow({ userId: 'u', endpoint: `GET|/files/${n}` });
    const counts = target!.checkCounts!();
    expect(counts).toHaveLength(10_001);
    expect(counts[0]!.endpoint).toBe('GET|/files/0');
    const other = counts.at(-1)!;
    expect([other.plan, other.endpoint, other.allowed]).toEqual(['other', 'other', 50]);
  });

  it('keeps the memory store on its direct path: no store operations without tracing', async () => {
    const { i, ops, checks } = recorder();
    const limiter = new RateLimiter({ policies: POLICIES, metrics: i });
    await limiter.check({ userId: 'u' });
    expect(checks).toHaveLength(1);
    expect(ops).toEqual([]);
  });

  it('reports the operations of another store: consume, force (record), reset, and errors', async () => {
    const { i, ops, checks } = recorder();
    const store = new AsyncStore();
    const limiter = new RateLimiter({ policies: { free: { rate: { maxPerMinute: 5, maxTokensPerMinute: 100 } } }, store, metrics: i });
    const r = await limiter.check({ userId: 'u', tokens: 10 });
    await limiter.record(r, { tokens: 20 });
    await limiter.reset({ userId: 'u' });
    store.fail = true;
    const failed = await limiter.check({ userId: 'u' });
    expect(failed.degraded).toBe(true);
    expect(ops.map((o) => [o.store, o.operation, o.status])).toEqual([
      ['remote', 'consume', 'success'],
      ['remote', 'force', 'success'],
      ['remote', 'reset', 'success'],
      ['remote', 'consume', 'error'],
    ]);
    expect(ops[3]!.error).toBeInstanceOf(Error);
    for (const o of ops) {
      expect(o.durationSeconds).toBeGreaterThanOrEqual(0);
      expect(Math.abs(o.startTime - Date.now())).toBeLessThan(60_000);
    }
    // The failure policy let it through: allowed, degraded.
    expect(checks.at(-1)).toMatchObject({ outcome: 'allowed', result: { degraded: true, reason: 'store_error' } });
  });

  it('contains a hook that throws: the check is unaffected, a callback_error is reported (the first, then one in a thousand)', async () => {
    const events: LimitRateEvent[] = [];
    const bad: Instrumentation = {
      name: 'broken',
      onCheck: () => {
        throw new Error('exporter down');
      },
    };
    const limiter = new RateLimiter({ policies: { free: { rate: { maxPerMinute: 5000 } } }, metrics: bad, onEvent: (e) => void events.push(e) });
    for (let n = 0; n < 1500; n++) expect(limiter.checkNow({ userId: 'u' })).toMatchObject({ allowed: true });
    await limiter.close();
    const errors = events.filter((e) => e.type === 'callback_error');
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatchObject({ callback: 'broken.onCheck', error: { code: 'ERR_LIMITRATE_CALLBACK' } });
    expect((errors[1] as { error: Error }).error.message).toContain('1000 times so far');
  });

  it('takes several metrics instrumentations, and passes through the HTTP layer', async () => {
    const a = recorder();
    const b = recorder({ name: 'second' });
    const http = new HttpLimiter({ policies: { free: { rate: { maxPerMinute: 1 } } }, metrics: [a.i, b.i] });
    const info = { method: 'GET', path: '/x', route: '/x', remoteAddress: '203.0.113.9', forwardedFor: undefined, raw: {} };
    await http.decide(info);
    await http.decide(info);
    for (const r of [a, b]) expect(r.checks.map((c) => [c.outcome, c.result.user, c.result.endpoint])).toEqual([['allowed', '203.0.113.9', 'GET|/x'], ['blocked', '203.0.113.9', 'GET|/x']]);
    await http.close();
  });
});

describe('tracing: startCheck', () => {
  function tracer() {
    const log: string[] = [];
    let active: string | undefined;
    let n = 0;
    const t: Instrumentation = {
      name: 'tracer',
      startCheck(start) {
        const id = `check${++n}`;
        log.push(`start ${id} ${String(start.userId)} ${String(start.endpoint)}`);
        const scope: CheckScope = {
          run(fn) {
            const before = active;
            active = id;
            try {
              return fn();
            } finally {
              active = before;
            }
          },
          phase: (name, s, e, error) => log.push(`phase ${id} ${name}${e >= s ? '' : ' backwards'}${error ? ' error' : ''}`),
          end: (record) => log.push(`end ${id} ${record.outcome} ${record.durationSeconds !== undefined ? 'timed' : 'untimed'}`),
          fail: (error) => log.push(`fail ${id} ${(error as Error).name}`),
        };
        return scope;
      },
      onStoreOperation: (op) => log.push(`store ${op.store} ${op.operation} in ${active ?? 'none'}`),
    };
    return { t, log };
  }

  it('wraps each check: policy lookup, the store operation inside the scope, then the end', async () => {
    const { t, log } = tracer();
    const limiter = new RateLimiter({ policies: { free: { rate: { maxPerMinute: 1 } } }, tracing: t });
    await limiter.check({ userId: 'alice', endpoint: 'POST|/chat' });
    await limiter.check({ userId: 'alice', endpoint: 'POST|/chat' });
    expect(log).toEqual([
      'start check1 alice POST|/chat',
      'phase check1 policy_lookup',
      'store memory consume in check1',
      'end check1 allowed timed',
      'start check2 alice POST|/chat',
      'phase check2 policy_lookup',
      'store memory consume in check2',
      'end check2 blocked timed',
    ]);
  });

  it('ends a check that throws (bad input) with fail', async () => {
    const { t, log } = tracer();
    const limiter = new RateLimiter({ policies: { free: { rate: { maxPerMinute: 1 } } }, tracing: t });
    await expect(limiter.check({ userId: 42 as unknown as string })).rejects.toMatchObject({ code: 'ERR_LIMITRATE_INVALID_REQUEST' });
    expect(log).toEqual(['start check1 42 undefined', 'phase check1 policy_lookup error', 'fail check1 RequestError']);
  });

  it('decides exactly as without tracing (the traced path is the general one)', async () => {
    const policies = { free: { endpoints: { 'GET|/a': { rate: { maxPerMinute: 3, burst: 1 } } }, defaults: { rate: { maxPerSecond: 2, maxPerMinute: 4 } } } };
    const plain = new RateLimiter({ policies });
    const traced = new RateLimiter({ policies, tracing: tracer().t });
    for (let n = 0; n < 12; n++) {
      const req = { userId: `u${n % 2}`, endpoint: n % 3 === 0 ? 'GET|/a' : 'GET|/b' };
      const [x, y] = [await plain.check(req), await traced.check(req)];
      expect([y.allowed, y.remaining, y.limits.map((l) => l.used)], `check ${n}`).toEqual([x.allowed, x.remaining, x.limits.map((l) => l.used)]);
    }
  });

  it('a tracer that throws in run or startCheck leaves the check as it was', async () => {
    const events: LimitRateEvent[] = [];
    const t: Instrumentation = {
      name: 'flaky',
      startCheck: (s) =>
        s.userId === 'boom'
          ? (() => {
              throw new Error('no');
            })()
          : {
              run: () => {
                throw new Error('context manager broken');
              },
              end: () => undefined,
              fail: () => undefined,
            },
    };
    const limiter = new RateLimiter({ policies: { free: { rate: { maxPerMinute: 1 } } }, tracing: t, onEvent: (e) => void events.push(e) });
    expect(await limiter.check({ userId: 'boom' })).toMatchObject({ allowed: true });
    expect(await limiter.check({ userId: 'u' })).toMatchObject({ allowed: true });
    expect(await limiter.check({ userId: 'u' })).toMatchObject({ allowed: false });
    await limiter.close();
    expect(events.filter((e) => e.type === 'callback_error').map((e) => (e as { callback: string }).callback)).toEqual(['flaky.startCheck', 'flaky.scope']);
  });
});

describe('attach, close and validation', () => {
  it('attaches once with the events and store, and close() detaches', async () => {
    const seen: string[] = [];
    const i: Instrumentation = {
      name: 'attached',
      attach(target) {
        seen.push(`attach ${target.store.name} ${target.defaultPlan}`);
        const off = target.events.on('rate_exceeded', () => void seen.push('exceeded'));
        return () => {
          off.dispose();
          seen.push('detach');
        };
      },
    };
    const limiter = new RateLimiter({ policies: { free: { rate: { maxPerMinute: 1 } } }, metrics: i });
    await limiter.check({ userId: 'u' });
    await limiter.check({ userId: 'u' });
    await limiter.close();
    expect(seen).toEqual(['attach memory free', 'exceeded', 'detach']);
  });

  it.each<[string, unknown, string]>([
    ['not an object', 'prometheus', 'metrics'],
    ['no name', { onCheck: () => undefined }, 'metrics.name'],
    ['a hook that is not a function', { name: 'x', onCheck: 1 }, 'metrics.onCheck'],
    ['no hook at all', { name: 'x' }, 'metrics'],
    ['a bad timingsPerSecond', { name: 'x', onCheck: () => undefined, timingsPerSecond: 0 }, 'metrics.timingsPerSecond'],
    ['a timingsPerSecond that is not a number', { name: 'x', onCheck: () => undefined, timingsPerSecond: '100' }, 'metrics.timingsPerSecond'],
    ['counts that is not a boolean', { name: 'x', attach: () => undefined, counts: 'yes' }, 'metrics.counts'],
    ['counts with no attach to read them', { name: 'x', onCheck: () => undefined, counts: true }, 'metrics.counts'],
    ['a bad entry in a list', [{ name: 'ok', onCheck: () => undefined }, null], 'metrics[1]'],
  ])('refuses metrics with %s', (_label, metrics, path) => {
    let error: unknown;
    try {
      new RateLimiter({ policies: { free: { rate: { maxPerMinute: 1 } } }, metrics: metrics as Instrumentation });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((x) => x.path)).toContain(path);
  });

  it('refuses a tracing value that is not an instrumentation', () => {
    expect(() => new RateLimiter({ policies: { free: { rate: { maxPerMinute: 1 } } }, tracing: (() => undefined) as unknown as Instrumentation })).toThrow(ConfigError);
  });
});
