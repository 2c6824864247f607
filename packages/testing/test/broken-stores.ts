// Deliberately broken stores, each a thin wrapper around MemoryStore with one bug, to prove
// that the conformance suite catches that bug.
import { MemoryStore, type ConsumeOptions, type ConsumeResult, type LimitSpec, type ResetSelector, type Store } from '@limitrate/core';
import type { ConformanceContext } from '../src/index.js';

type Consume = (inner: MemoryStore, limits: readonly LimitSpec[], options?: ConsumeOptions) => Promise<ConsumeResult>;
type Reset = (inner: MemoryStore, selector: ResetSelector, seen: Set<string>) => Promise<number>;

/** A store around a MemoryStore on the suite's clock, with `consume` and/or `reset` replaced. */
function wrap(name: string, bugs: { consume?: Consume; reset?: Reset; clock?: 'wall' }) {
  return ({ clock }: ConformanceContext): Store => {
    const inner = new MemoryStore({ clock: bugs.clock === 'wall' ? { now: () => Date.now() } : clock, cleanupIntervalMs: 0 });
    const seen = new Set<string>();
    return {
      name,
      async consume(limits, options) {
        const r = bugs.consume ? await bugs.consume(inner, limits, options) : await inner.consume(limits, options);
        if (r.committed || options?.mode !== 'peek') for (const l of limits) seen.add(l.key);
        return r;
      },
      reset: (selector) => (bugs.reset ? bugs.reset(inner, selector, seen) : Promise.resolve(inner.reset(selector))),
      close: () => inner.close(),
    };
  };
}

const mapOutcomes = (r: ConsumeResult, f: (o: ConsumeResult['limits'][number]) => ConsumeResult['limits'][number]): ConsumeResult => ({ ...r, limits: r.limits.map(f) });

/** Each broken store, with the case ids that must catch it. */
export const BROKEN: readonly { name: string; create: (ctx: ConformanceContext) => Store; caughtBy: readonly string[] }[] = [
  {
    name: 'commits limit by limit (not all-or-nothing)',
    create: wrap('partial', {
      async consume(inner, limits, options) {
        if ((options?.mode ?? 'consume') !== 'consume' || limits.length < 2) return inner.consume(limits, options);
        const parts = await Promise.all(limits.map((l) => inner.consume([l], options)));
        const allowed = parts.every((p, i) => p.allowed || limits[i]!.soft === true);
        return { allowed, committed: parts.some((p) => p.committed), now: parts[0]!.now, limits: parts.map((p) => p.limits[0]!) };
      },
    }),
    caughtBy: ['sets/refused-hard-limit-commits-nothing', 'sets/soft-limit-not-charged-when-hard-refuses', 'concurrency/concurrent-sets-stay-all-or-nothing'],
  },
  {
    name: 'treats soft limits as hard',
    create: wrap('ignores-soft', { consume: async (inner, limits, options) => inner.consume(limits.map(({ soft: _soft, ...l }) => l), options) }),
    caughtBy: ['sets/soft-limit-never-vetoes'],
  },
  {
    name: 'counts keys that did not exist in reset',
    create: wrap('reset-count', { reset: async (inner, selector) => {
        const removed = await inner.reset(selector);
        return 'keys' in selector ? selector.keys.length : removed;
      },
    }),
    caughtBy: ['reset/by-keys'],
  },
  {
    name: 'commits on peek',
    create: wrap('peek-commits', { consume: async (inner, limits, options) => inner.consume(limits, options?.mode === 'peek' ? { ...options, mode: 'consume' } : options) }),
    caughtBy: ['sets/peek-commits-nothing', 'algorithms/fixed-window-modes', 'algorithms/gcra-modes'],
  },
  {
    name: 'creates a key on peek (a zero-cost write)',
    create: wrap('peek-writes', {
      async consume(inner, limits, options) {
        if (options?.mode === 'peek') await inner.consume(limits.map((l) => ({ ...l, cost: 0 })), { mode: 'force' });
        return inner.consume(limits, options);
      },
    }),
    caughtBy: ['sets/peek-commits-nothing'],
  },
  {
    name: 'treats force as consume',
    create: wrap('force-as-consume', { consume: async (inner, limits, options) => inner.consume(limits, options?.mode === 'force' ? { ...options, mode: 'consume' } : options) }),
    caughtBy: ['sets/force-commits-refused-set', 'algorithms/token-bucket-modes', 'expiry/fully-available-after-reset-ms'],
  },
  {
    name: 'ignores `at` (refunds the current window)',
    create: wrap('ignores-at', { consume: async (inner, limits, options) => inner.consume(limits, options?.mode === undefined ? undefined : { mode: options.mode }) }),
    caughtBy: ['sets/refund-only-window-charged', 'algorithms/fixed-window-modes', 'algorithms/sliding-log-modes'],
  },
  {
    name: 'normalises keys (trim + lower case, first 1000 characters)',
    create: wrap('colliding-keys', {
      consume: async (inner, limits, options) => inner.consume(limits.map((l) => ({ ...l, key: l.key.trim().toLowerCase().slice(0, 1000) })), options),
    }),
    caughtBy: ['keys/hostile-keys-never-collide', 'keys/hostile-keys-never-collide-sliding-log'],
  },
  {
    name: 'encodes keys as UTF-8 (lone surrogates become U+FFFD)',
    create: wrap('utf8-keys', {
      consume: async (inner, limits, options) => inner.consume(limits.map((l) => ({ ...l, key: new TextDecoder().decode(new TextEncoder().encode(l.key)) })), options),
    }),
    caughtBy: ['keys/lone-surrogates-never-collide'],
  },
  {
    name: 'matches reset patterns as unescaped regular expressions',
    create: wrap('regex-patterns', {
      async reset(inner, selector, seen) {
        if (!('pattern' in selector)) return inner.reset(selector);
        const re = new RegExp(`^${selector.pattern.split('*').join('.*')}$`, 's');
        return inner.reset({ keys: [...seen].filter((k) => re.test(k)) });
      },
    }),
    caughtBy: ['reset/by-pattern-literal-characters'],
  },
  {
    name: 'reads the wall clock instead of the injected one',
    create: wrap('wall-clock', { clock: 'wall' }),
    caughtBy: ['algorithms/injected-clock', 'algorithms/fixed-window-consume', 'expiry/fully-available-after-reset-ms'],
  },
  {
    name: 'reports retryAfterMs = resetMs instead of -1 for an impossible cost',
    create: wrap('no-minus-one', { consume: async (inner, limits, options) => mapOutcomes(await inner.consume(limits, options), (o) => (o.retryAfterMs === -1 ? { ...o, retryAfterMs: o.resetMs } : o)) }),
    caughtBy: ['algorithms/cost-above-limit', 'algorithms/fixed-window-consume'],
  },
  {
    name: 'rounds resetMs up to whole seconds (like a TTL in seconds)',
    create: wrap('seconds', { consume: async (inner, limits, options) => mapOutcomes(await inner.consume(limits, options), (o) => ({ ...o, resetMs: Math.ceil(o.resetMs / 1000) * 1000 })) }),
    caughtBy: ['algorithms/fixed-window-consume', 'algorithms/token-bucket-consume', 'expiry/fully-available-after-reset-ms'],
  },
  {
    name: 'checks then writes in two steps (not atomic under concurrency)',
    create: wrap('racy', {
      async consume(inner, limits, options) {
        if ((options?.mode ?? 'consume') !== 'consume') return inner.consume(limits, options);
        const check = await inner.consume(limits, { mode: 'peek' });
        await new Promise((r) => setTimeout(r, 0));
        return check.allowed ? { ...(await inner.consume(limits, { mode: 'force' })), allowed: true } : check;
      },
    }),
    caughtBy: ['concurrency/concurrent-consumes-admit-exactly-the-limit', 'concurrency/concurrent-sets-stay-all-or-nothing'],
  },
  {
    name: 'throws synchronously once closed',
    create: ({ clock }) => {
      const inner = new MemoryStore({ clock, cleanupIntervalMs: 0 });
      let closed = false;
      const guard = () => {
        if (closed) throw new Error('closed');
      };
      return {
        name: 'sync-throw',
        consume: (limits, options) => (guard(), inner.consume(limits, options)),
        reset: (selector) => (guard(), inner.reset(selector)),
        close: () => {
          closed = true;
          inner.close();
        },
      };
    },
    caughtBy: ['lifecycle/closed-store-rejects'],
  },
];
