// In-flight limits (ConcurrencyGates): slots, the bounded priority queue, timeouts, and releasing exactly once.
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ConcurrencyRule } from '../policy/types.js';
import { ConcurrencyGates, type Refused, type Release } from './concurrency.js';

type Slot = Release | Refused;
const KEY = 'free\u0000POST|/api/chat';

afterEach(() => {
  vi.useRealTimers();
});

function granted(s: Slot | Promise<Slot>): Release {
  expect(typeof s, 'a slot, granted at once').toBe('function');
  return s as Release;
}

/** Records the order in which queued acquisitions settle. */
function watch(gates: ConcurrencyGates, rule: ConcurrencyRule, priority: number, name: string, log: Array<[string, Slot]>): Promise<Slot> {
  const s = gates.acquire(KEY, rule, priority);
  expect(s, `${name} waits`).toBeInstanceOf(Promise);
  return (s as Promise<Slot>).then((v) => {
    log.push([name, v]);
    return v;
  });
}

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

describe('ConcurrencyGates: slots', () => {
  it('grants up to max slots at once, synchronously', () => {
    const gates = new ConcurrencyGates();
    const rule = { max: 3, actionOnExceed: 'block' } as const;
    for (let i = 0; i < 3; i++) granted(gates.acquire(KEY, rule, 5));
    expect(gates.snapshot()[KEY]).toEqual({ inFlight: 3, queued: 0 });
  });

  it("refuses at once when full and actionOnExceed is 'block'", () => {
    const gates = new ConcurrencyGates();
    const rule = { max: 2, actionOnExceed: 'block' } as const;
    granted(gates.acquire(KEY, rule, 5));
    granted(gates.acquire(KEY, rule, 5));
    expect(gates.acquire(KEY, rule, 5)).toEqual({ refused: 'full', max: 2, inFlight: 2 });
    expect(gates.snapshot()[KEY]).toEqual({ inFlight: 2, queued: 0 });
  });

  it('a released slot can be taken again', () => {
    const gates = new ConcurrencyGates();
    const rule = { max: 1, actionOnExceed: 'block' } as const;
    const a = granted(gates.acquire(KEY, rule, 5));
    expect(gates.acquire(KEY, rule, 5)).toMatchObject({ refused: 'full' });
    a();
    granted(gates.acquire(KEY, rule, 5));
  });

  it('release is idempotent: a second call frees nothing more', () => {
    const gates = new ConcurrencyGates();
    const rule = { max: 2, actionOnExceed: 'block' } as const;
    const a = granted(gates.acquire(KEY, rule, 5));
    granted(gates.acquire(KEY, rule, 5));
    a();
    a();
    a();
    expect(gates.snapshot()[KEY]).toEqual({ inFlight: 1, queued: 0 });
    granted(gates.acquire(KEY, rule, 5));
    expect(gates.acquire(KEY, rule, 5)).toMatchObject({ refused: 'full', inFlight: 2 });
  });

  it('keys are independent', () => {
    const gates = new ConcurrencyGates();
    const rule = { max: 1, actionOnExceed: 'block' } as const;
    granted(gates.acquire('a', rule, 5));
    granted(gates.acquire('b', rule, 5));
    expect(gates.acquire('a', rule, 5)).toMatchObject({ refused: 'full' });
    expect(gates.snapshot()).toEqual({ a: { inFlight: 1, queued: 0 }, b: { inFlight: 1, queued: 0 } });
  });

  it('forgets a key once nothing is in flight or waiting', () => {
    const gates = new ConcurrencyGates();
    const a = granted(gates.acquire(KEY, { max: 1 }, 5));
    a();
    expect(gates.snapshot()).toEqual({});
  });
});

describe('ConcurrencyGates: the queue', () => {
  it("queues by default ('queue' is the default action) and hands the slot over on release", async () => {
    const gates = new ConcurrencyGates();
    const rule = { max: 1 };
    const a = granted(gates.acquire(KEY, rule, 5));
    const log: Array<[string, Slot]> = [];
    const b = watch(gates, rule, 5, 'b', log);
    expect(gates.snapshot()[KEY]).toEqual({ inFlight: 1, queued: 1 });
    await tick();
    expect(log).toEqual([]);
    a();
    const release = await b;
    expect(typeof release).toBe('function');
    // The slot passed straight on: still one in flight, nobody waiting.
    expect(gates.snapshot()[KEY]).toEqual({ inFlight: 1, queued: 0 });
    (release as Release)();
    expect(gates.snapshot()).toEqual({});
  });

  it('serves lower priorities first, in arrival order within a priority', async () => {
    const gates = new ConcurrencyGates();
    const rule = { max: 1 };
    let current = granted(gates.acquire(KEY, rule, 5));
    const log: Array<[string, Slot]> = [];
    const waiting = [
      watch(gates, rule, 5, 'p5-a', log),
      watch(gates, rule, 1, 'p1-a', log),
      watch(gates, rule, 9, 'p9-a', log),
      watch(gates, rule, 5, 'p5-b', log),
      watch(gates, rule, 1, 'p1-b', log),
      watch(gates, rule, 0, 'p0', log),
      watch(gates, rule, -2, 'p-2', log),
    ];
    for (let i = 0; i < waiting.length; i++) {
      current();
      await tick();
      current = log[log.length - 1]![1] as Release;
      expect(typeof current).toBe('function');
    }
    expect(log.map(([name]) => name)).toEqual(['p-2', 'p0', 'p1-a', 'p1-b', 'p5-a', 'p5-b', 'p9-a']);
  });

  it('refuses with queue_full once maxQueueSize requests wait', () => {
    const gates = new ConcurrencyGates();
    const rule = { max: 1, maxQueueSize: 2 };
    granted(gates.acquire(KEY, rule, 5));
    expect(gates.acquire(KEY, rule, 5)).toBeInstanceOf(Promise);
    expect(gates.acquire(KEY, rule, 5)).toBeInstanceOf(Promise);
    expect(gates.acquire(KEY, rule, 0)).toEqual({ refused: 'queue_full', max: 1, inFlight: 1 });
    expect(gates.snapshot()[KEY]).toEqual({ inFlight: 1, queued: 2 });
  });

  it('maxQueueSize 0 means no waiting at all', () => {
    const gates = new ConcurrencyGates();
    const rule = { max: 1, maxQueueSize: 0 };
    granted(gates.acquire(KEY, rule, 5));
    expect(gates.acquire(KEY, rule, 5)).toEqual({ refused: 'queue_full', max: 1, inFlight: 1 });
  });

  it('refuses a waiter with timeout after queueTimeout, and removes it from the queue', async () => {
    vi.useFakeTimers();
    const gates = new ConcurrencyGates();
    const rule = { max: 1, queueTimeout: 5000 };
    const a = granted(gates.acquire(KEY, rule, 5));
    let settled: Slot | undefined;
    void (gates.acquire(KEY, rule, 5) as Promise<Slot>).then((s) => {
      settled = s;
    });
    await vi.advanceTimersByTimeAsync(4999);
    expect(settled).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(settled).toEqual({ refused: 'timeout', max: 1, inFlight: 1 });
    expect(gates.snapshot()[KEY]).toEqual({ inFlight: 1, queued: 0 });
    // The release no longer goes to the timed-out waiter.
    a();
    expect(gates.snapshot()).toEqual({});
  });

  it('a waiter whose signal aborts leaves the queue at once, refused as cancelled; the others keep their places', async () => {
    const gates = new ConcurrencyGates();
    const rule = { max: 1 };
    const a = granted(gates.acquire(KEY, rule, 5));
    const controller = new AbortController();
    const b = gates.acquire(KEY, rule, 5, controller.signal) as Promise<Slot>;
    const c = gates.acquire(KEY, rule, 5) as Promise<Slot>;
    expect(gates.snapshot()[KEY]).toEqual({ inFlight: 1, queued: 2 });
    controller.abort();
    expect(await b).toEqual({ refused: 'cancelled', max: 1, inFlight: 1 });
    expect(gates.snapshot()[KEY]).toEqual({ inFlight: 1, queued: 1 });
    a();
    const slot = await c;
    expect(typeof slot).toBe('function');
    (slot as Release)();
    expect(gates.snapshot()).toEqual({});
  });

  it('an already aborted signal is refused without queueing; a granted slot ignores a later abort', () => {
    const gates = new ConcurrencyGates();
    const rule = { max: 1 };
    const live = new AbortController();
    const a = granted(gates.acquire(KEY, rule, 5, live.signal));
    live.abort();
    const dead = new AbortController();
    dead.abort();
    expect(gates.acquire(KEY, rule, 5, dead.signal)).toEqual({ refused: 'cancelled', max: 1, inFlight: 1 });
    expect(gates.snapshot()[KEY]).toEqual({ inFlight: 1, queued: 0 });
    a();
    expect(gates.snapshot()).toEqual({});
  });

  it('waits 30 seconds by default', async () => {
    vi.useFakeTimers();
    const gates = new ConcurrencyGates();
    granted(gates.acquire(KEY, { max: 1 }, 5));
    let settled: Slot | undefined;
    void (gates.acquire(KEY, { max: 1 }, 5) as Promise<Slot>).then((s) => {
      settled = s;
    });
    await vi.advanceTimersByTimeAsync(29_999);
    expect(settled).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(settled).toMatchObject({ refused: 'timeout' });
  });

  it('a waiter granted before its timeout is not refused later (its timer is cleared)', async () => {
    vi.useFakeTimers();
    const gates = new ConcurrencyGates();
    const rule = { max: 1, queueTimeout: 1000 };
    const a = granted(gates.acquire(KEY, rule, 5));
    const results: Slot[] = [];
    void (gates.acquire(KEY, rule, 5) as Promise<Slot>).then((s) => results.push(s));
    await vi.advanceTimersByTimeAsync(500);
    a();
    await vi.advanceTimersByTimeAsync(5000);
    expect(results).toHaveLength(1);
    expect(typeof results[0]).toBe('function');
    expect(gates.snapshot()[KEY]).toEqual({ inFlight: 1, queued: 0 });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a timed-out waiter leaves the others in order', async () => {
    vi.useFakeTimers();
    const gates = new ConcurrencyGates();
    const a = granted(gates.acquire(KEY, { max: 1 }, 5));
    const log: Array<[string, Slot]> = [];
    watch(gates, { max: 1, queueTimeout: 100 }, 1, 'impatient', log);
    watch(gates, { max: 1, queueTimeout: 10_000 }, 5, 'patient', log);
    await vi.advanceTimersByTimeAsync(100);
    expect(log.map(([n, s]) => [n, typeof s === 'function' ? 'slot' : s.refused])).toEqual([['impatient', 'timeout']]);
    a();
    await vi.advanceTimersByTimeAsync(0);
    expect(log.map(([n, s]) => [n, typeof s === 'function' ? 'slot' : s.refused])).toEqual([
      ['impatient', 'timeout'],
      ['patient', 'slot'],
    ]);
  });

  it('releasing a handed-over slot twice hands over only once', async () => {
    const gates = new ConcurrencyGates();
    const rule = { max: 1 };
    const a = granted(gates.acquire(KEY, rule, 5));
    const log: Array<[string, Slot]> = [];
    watch(gates, rule, 5, 'b', log);
    watch(gates, rule, 5, 'c', log);
    a();
    a();
    await tick();
    expect(log.map(([n]) => n)).toEqual(['b']);
    expect(gates.snapshot()[KEY]).toEqual({ inFlight: 1, queued: 1 });
  });
});

describe('ConcurrencyGates: invariants under random traffic', () => {
  it('never has more than max in flight, never loses a slot, and empties when everything is released', async () => {
    type Op = { kind: 'acquire'; priority: number } | { kind: 'release'; pick: number } | { kind: 'releaseTwice'; pick: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant('acquire' as const), priority: fc.integer({ min: 0, max: 3 }) }),
      fc.record({ kind: fc.constant('release' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('releaseTwice' as const), pick: fc.nat() }),
    );
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 4 }), fc.array(op, { maxLength: 40 }), async (max, maxQueueSize, ops) => {
        const gates = new ConcurrencyGates();
        const rule = { max, maxQueueSize };
        const held: Release[] = [];
        let waiting = 0;
        for (const o of ops) {
          if (o.kind === 'acquire') {
            const s = gates.acquire(KEY, rule, o.priority);
            if (typeof s === 'function') held.push(s);
            else if (s instanceof Promise) {
              waiting++;
              void s.then((v) => {
                waiting--;
                if (typeof v === 'function') held.push(v);
              });
            } else expect(s.refused).toBe('queue_full');
          } else if (held.length > 0) {
            const [r] = held.splice(o.pick % held.length, 1);
            r!();
            if (o.kind === 'releaseTwice') r!();
          }
          await Promise.resolve();
          await Promise.resolve();
          const snap = gates.snapshot()[KEY] ?? { inFlight: 0, queued: 0 };
          expect(snap.inFlight).toBeLessThanOrEqual(max);
          expect(snap.inFlight).toBe(held.length);
          expect(snap.queued).toBe(waiting);
          expect(snap.queued).toBeLessThanOrEqual(maxQueueSize);
          // Nobody waits while a slot is free.
          if (snap.queued > 0) expect(snap.inFlight).toBe(max);
        }
        while (held.length > 0) {
          held.pop()!();
          await Promise.resolve();
          await Promise.resolve();
        }
        expect(gates.snapshot()).toEqual({});
      }),
      { numRuns: 200 },
    );
  });
});
