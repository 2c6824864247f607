// Public types of the store conformance suite: what a store author passes in, and the
// runner-agnostic cases that come out.
import type { Store } from '@limitrate/core';

/** The clock the suite drives. Stores must read time only from it (never `Date.now()`) when given one. */
export interface ConformanceClock {
  now(): number;
}

/** What `create` receives for each case. */
export interface ConformanceContext {
  /** The case's manual clock: inject it into the store (e.g. `new MemoryStore({ clock })`). */
  clock: ConformanceClock;
  /**
   * A string unique to this case (letters, digits and `-`). Stores that share a server should
   * use it as their key prefix so that cases run in parallel and `reset({ all: true })` only
   * ever sees the keys of its own case.
   */
  namespace: string;
}

/** Options of {@link storeConformance}. */
export interface StoreConformanceOptions<S extends Store = Store> {
  /** Shown in group names and error messages, e.g. `'redis (standalone)'`. */
  name: string;
  /** A fresh store for one case, reading time from `ctx.clock`. */
  create(ctx: ConformanceContext): S | Promise<S>;
  /**
   * Release the store after each case (quit connections, delete keys...). Called after every
   * case, even the one that already called `close()`, so make it tolerate a closed store.
   * Default: `store.close?.()`, skipped when the case closed the store itself.
   */
  cleanup?(store: S): void | Promise<void>;
  /** Case ids (`'<group>/<slug>'`, see each case's `id`) to leave out. */
  skip?: readonly string[];
  /** Concurrent calls in the concurrency cases (default 200; the limit is half of it). */
  concurrency?: number;
  /** Time of the manual clock when a case starts, in ms (default 1_700_000_000_250, not aligned to any window). */
  startTime?: number;
}

/** One conformance case, for any test runner. */
export interface ConformanceCase {
  /** The group, e.g. `'sets'`; cases of a group are independent of each other. */
  group: string;
  /** A sentence saying what the store must do. */
  name: string;
  /** Stable id `'<group>/<slug>'`, for `skip`. */
  id: string;
  /** Creates a store, runs the case, cleans up. Rejects with a {@link ConformanceError} on a violation. */
  run(): Promise<void>;
}

/** A `describe` function of vitest, jest, mocha or node:test. */
export type DescribeLike = (name: string, fn: () => void) => unknown;
/** An `it`/`test` function of vitest, jest, mocha or node:test. */
export type ItLike = (name: string, fn: () => Promise<void>) => unknown;
