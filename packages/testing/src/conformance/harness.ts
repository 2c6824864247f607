// What every conformance case runs on: a fresh store on a manual clock, unique keys, calls
// that check the shape of each answer, and failures that say what was expected.
import type { AlgorithmSpec, ConsumeOptions, ConsumeResult, LimitOutcome, LimitSpec, ResetSelector, Store } from '@limitrate/core';
import type { ConformanceCase, StoreConformanceOptions } from './types.js';

/** A store broke the contract. The message names the store, the case, the limit, and expected vs actual. */
export class ConformanceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConformanceError';
  }
}

/** The six algorithms with small parameters the cases share (windows of 1 s, 5 units). */
export const SPECS = {
  'fixed-window': { algorithm: 'fixed-window', limit: 5, windowMs: 1000 },
  'sliding-window': { algorithm: 'sliding-window', limit: 5, windowMs: 1000 },
  'sliding-log': { algorithm: 'sliding-log', limit: 5, windowMs: 1000 },
  'token-bucket': { algorithm: 'token-bucket', capacity: 5, refillRate: 2.5 },
  'leaky-bucket': { algorithm: 'leaky-bucket', capacity: 5, leakRate: 2.5 },
  gcra: { algorithm: 'gcra', limit: 5, windowMs: 1000, burst: 5 },
} as const satisfies Record<string, AlgorithmSpec>;

/** A one-line description of a limit, for messages. */
export function describeLimit(spec: LimitSpec): string {
  const { key, cost, soft, ...params } = spec;
  const shown = key.length > 60 ? `${JSON.stringify(key.slice(0, 40))}... (${key.length} chars)` : JSON.stringify(key);
  return `${shown} ${JSON.stringify(params)} cost ${cost}${soft === true ? ' (soft)' : ''}`;
}

const FIELDS = ['allowed', 'limit', 'remaining', 'used', 'resetMs', 'retryAfterMs'] as const;

/** Differences between two outcomes, as `field expected X, got Y` parts. */
export function outcomeDiff(expected: Partial<LimitOutcome>, actual: LimitOutcome): string[] {
  const diffs: string[] = [];
  for (const f of FIELDS) {
    if (expected[f] !== undefined && !Object.is(expected[f], actual[f])) diffs.push(`${f} expected ${String(expected[f])}, got ${String(actual[f])}`);
  }
  return diffs;
}

/** The store, the clock and helpers of one running case. */
export class CaseContext {
  closed = false;
  private readonly t0: number;

  constructor(
    readonly store: Store,
    private readonly time: { value: number },
    readonly prefix: string,
    private readonly label: string,
  ) {
    this.t0 = time.value;
  }

  /** Current time of the manual clock. */
  now(): number {
    return this.time.value;
  }

  /** Move the clock forward by `ms`. */
  advance(ms: number): void {
    this.time.value += ms;
  }

  /** A key unique to this case. */
  key(name: string): string {
    return this.prefix + name;
  }

  /** A limit on `key(name)` with one of the shared specs. */
  limit(name: string, spec: AlgorithmSpec, cost = 1, soft = false): LimitSpec {
    return soft ? { ...spec, key: this.key(name), cost, soft } : { ...spec, key: this.key(name), cost };
  }

  /** Throw a ConformanceError for this case. */
  fail(message: string): never {
    throw new ConformanceError(`[${this.label}] ${message} (at t0+${this.now() - this.t0} ms)`);
  }

  check(condition: boolean, message: string): void {
    if (!condition) this.fail(message);
  }

  /** `store.consume`, refusing a synchronous throw and checking the answer's shape. */
  async consume(limits: readonly LimitSpec[], options?: ConsumeOptions, what = 'consume'): Promise<ConsumeResult> {
    let pending: ReturnType<Store['consume']>;
    try {
      pending = this.store.consume(limits, options);
    } catch (error) {
      return this.fail(`${what} threw synchronously (stores must reject instead): ${String(error)}`);
    }
    const r = await pending;
    this.check(typeof r === 'object' && r !== null && Array.isArray(r.limits), `${what} answered ${JSON.stringify(r)}, not a ConsumeResult`);
    this.check(r.limits.length === limits.length, `${what} of ${limits.length} limits answered ${r.limits.length} outcomes (one per limit, in order)`);
    this.check(typeof r.allowed === 'boolean' && typeof r.committed === 'boolean', `${what}: allowed and committed must be booleans`);
    r.limits.forEach((o, i) => {
      for (const f of FIELDS) {
        const v = o[f];
        const ok = f === 'allowed' ? typeof v === 'boolean' : typeof v === 'number' && Number.isFinite(v);
        this.check(ok, `${what}: outcome ${i} for ${describeLimit(limits[i]!)} has ${f} = ${String(v)}`);
      }
    });
    // Copy: a store may reuse its answer objects.
    return { allowed: r.allowed, committed: r.committed, now: r.now, limits: r.limits.map((o) => ({ ...o })) };
  }

  /** `store.reset`, refusing a synchronous throw; checks the count is a whole number. */
  async reset(selector: ResetSelector): Promise<number> {
    let pending: ReturnType<Store['reset']>;
    try {
      pending = this.store.reset(selector);
    } catch (error) {
      return this.fail(`reset(${JSON.stringify(selector)}) threw synchronously (stores must reject instead): ${String(error)}`);
    }
    const n = await pending;
    this.check(Number.isInteger(n) && n >= 0, `reset(${shortSelector(selector)}) resolved to ${String(n)}, not a count of keys removed`);
    return n;
  }

  /** Peek at each limit with cost 0: what it holds now. */
  async usage(limits: readonly LimitSpec[]): Promise<LimitOutcome[]> {
    const r = await this.consume(
      limits.map((l) => ({ ...l, cost: 0 })),
      { mode: 'peek' },
      'peek',
    );
    return r.limits;
  }

  /** Assert an outcome field by field. */
  expectOutcome(where: string, spec: LimitSpec, expected: Partial<LimitOutcome>, actual: LimitOutcome): void {
    const diffs = outcomeDiff(expected, actual);
    if (diffs.length > 0) this.fail(`${where}, limit ${describeLimit(spec)}: ${diffs.join('; ')}`);
  }

  /** Assert the set-level flags of an answer. */
  expectSet(where: string, expected: { allowed?: boolean; committed?: boolean }, actual: ConsumeResult): void {
    const diffs: string[] = [];
    if (expected.allowed !== undefined && expected.allowed !== actual.allowed) diffs.push(`allowed expected ${expected.allowed}, got ${actual.allowed}`);
    if (expected.committed !== undefined && expected.committed !== actual.committed) diffs.push(`committed expected ${expected.committed}, got ${actual.committed}`);
    if (diffs.length > 0) this.fail(`${where}: ${diffs.join('; ')}`);
  }

  /** Assert that each limit is using `used` units (checked with a peek). */
  async expectUsed(where: string, limits: readonly LimitSpec[], used: readonly number[]): Promise<void> {
    const now = await this.usage(limits);
    limits.forEach((l, i) => this.expectOutcome(where, l, { used: used[i]! }, now[i]!));
  }
}

function shortSelector(selector: ResetSelector): string {
  const s = JSON.stringify(selector);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

/** Definition of a case before it is bound to a store. */
export interface CaseDef {
  group: string;
  slug: string;
  name: string;
  /** When present and false for the store under test, the case is left out. */
  applies?(store: Store): boolean;
  run(c: CaseContext, options: ResolvedOptions): Promise<void>;
}

export interface ResolvedOptions {
  concurrency: number;
}

let suiteCounter = 0;

/** Bind case definitions to a store factory: each case gets its own store, clock and keys. */
export function bindCases(defs: readonly CaseDef[], options: StoreConformanceOptions): ConformanceCase[] {
  const suiteId = `${(suiteCounter++).toString(36)}${Math.floor(Math.random() * 36 ** 6).toString(36)}`;
  const skip = new Set(options.skip ?? []);
  const resolved: ResolvedOptions = { concurrency: options.concurrency ?? 200 };
  const startTime = options.startTime ?? 1_700_000_000_250;
  const cases: ConformanceCase[] = [];
  defs.forEach((def, index) => {
    const id = `${def.group}/${def.slug}`;
    if (skip.has(id)) return;
    cases.push({
      group: def.group,
      name: def.name,
      id,
      async run() {
        const time = { value: startTime };
        const namespace = `lrc-${suiteId}-${index}-`;
        const store = await options.create({ clock: { now: () => time.value }, namespace });
        const ctx = new CaseContext(store, time, namespace, `${options.name} › ${id}`);
        try {
          if (def.applies !== undefined && !def.applies(store)) return;
          await def.run(ctx, resolved);
        } finally {
          if (options.cleanup) await options.cleanup(store);
          else if (!ctx.closed) await store.close?.();
        }
      },
    });
  });
  return cases;
}
