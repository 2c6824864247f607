// metrics: and tracing: on the RateLimiter. One record per check with its outcome, sampled
// timings with their weight, store operations of remote stores, tracing scopes with the
// policy lookup phase and the store operation inside them, hooks that throw contained and
// reported, the same decisions as without instrumentation, validation, and detaching.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors/index.js';
import { HttpLimiter } from '../http/engine.js';
import { RateLimiter } from '../limiter.js';
import { MemoryStore } from '../stores/memory.js';
import type { ConsumeOptions, LimitSpec, ResetSelector, Store } from '../stores/types.js';
import type { LimitRateEvent } from '../events/types.js';
import type { CheckRecord, CheckScope, Instrumentation, StoreOperationRecord } from './types.js';

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

/** A remote-like store: the memory store's answers, asynchronously, under another name. */
class AsyncStore implements Store {
  readonly name = 'remote';
  readonly inner = new MemoryStore({ cleanupIntervalMs: 0 });
  fail = false;
  async consume(limits: readonly LimitSpec[], options?: ConsumeOptions) {
    await Promise.resolve();
    if (this.fail) throw new Error('connection refused');
    return this.inner.consume(limits, options);
  }
  async reset(selector: ResetSelector) {
    return this.inner.reset(selector);
  }
}

describe('metrics: onCheck', () => {
  it('gets one record per check, with the outcome: allowed, blocked, slowed, logged', async () => {
    const { i, checks } = recorder();
    const limiter = new RateLimiter({ policies: POLICIES, metrics: i });
    const ask = (endpoint: string) => limiter.check({ userId: 'u', endpoint });
    await ask('GET|/x');
    await ask('GET|/x');
    await ask('GET|/x');
    await ask('GET|/slow');
    await ask('GET|/slow');
    await ask('GET|/log');
    await ask('GET|/log');
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

  it('times every check by default, and one in timeEvery with that weight', async () => {
    const every = recorder();
    const sampled = recorder({ name: 'sampled', timeEvery: 4 });
    const a = new RateLimiter({ policies: { free: { rate: { maxPerMinute: 100 } } }, metrics: every.i });
    const b = new RateLimiter({ policies: { free: { rate: { maxPerMinute: 100 } } }, metrics: sampled.i });
    for (let n = 0; n < 12; n++) {
      a.checkNow({ userId: 'u' });
      b.checkNow({ userId: 'u' });
    }
    for (const c of every.checks) {
      expect(c.durationSeconds).toBeGreaterThanOrEqual(0);
      expect(c.timingWeight).toBe(1);
    }
    expect(sampled.checks.map((c) => c.timingWeight)).toEqual([4, 0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0]);
    expect(sampled.checks.filter((c) => c.durationSeconds !== undefined)).toHaveLength(3);
    // The weights add up to the number of checks.
    expect(sampled.checks.reduce((s, c) => s + c.timingWeight, 0)).toBe(12);
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
    ['a bad timeEvery', { name: 'x', onCheck: () => undefined, timeEvery: 0.5 }, 'metrics.timeEvery'],
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
