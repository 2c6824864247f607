// The conformance suite against core's MemoryStore: every case must pass.
import { MemoryStore, type Store } from '@limitrate/core';
import { describe, expect, it } from 'vitest';
import { defineStoreConformance, storeConformance, type ConformanceContext } from '../src/index.js';

const memory = ({ clock }: ConformanceContext): Store => new MemoryStore({ clock, cleanupIntervalMs: 0 });

defineStoreConformance({ describe, it }, { name: 'memory', create: memory });

defineStoreConformance(
  { describe, it },
  {
    name: 'memory (async answers, sweeping timer)',
    create: ({ clock }) => {
      const store = new MemoryStore({ clock, cleanupIntervalMs: 10 });
      return {
        name: 'memory-async',
        consume: async (limits, options) => store.consume(limits, options),
        reset: async (selector) => store.reset(selector),
        close: async () => store.close(),
      };
    },
  },
);

describe('storeConformance', () => {
  it('gives every case a unique id, a group and a name, and honours skip', () => {
    const cases = storeConformance({ name: 'memory', create: memory });
    const ids = cases.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(cases.every((c) => c.id.startsWith(`${c.group}/`) && c.name.length > 10)).toBe(true);
    const skipped = storeConformance({ name: 'memory', create: memory, skip: [ids[0]!] });
    expect(skipped.map((c) => c.id)).toEqual(ids.slice(1));
  });

  it('creates one store per case, on its own clock and namespace, and cleans each up once', async () => {
    const seen: ConformanceContext[] = [];
    let cleaned = 0;
    const cases = storeConformance({
      name: 'memory',
      create: (ctx) => {
        seen.push(ctx);
        return memory(ctx);
      },
      cleanup: (store) => {
        cleaned++;
        store.close?.();
      },
        startTime: 5_000_123,
    });
    await Promise.all(cases.map((c) => c.run()));
    expect(seen).toHaveLength(cases.length);
    expect(cleaned).toBe(cases.length);
    expect(new Set(seen.map((s) => s.namespace)).size).toBe(cases.length);
    expect(seen.every((s) => /^[a-z0-9-]+$/.test(s.namespace))).toBe(true);
  });

  it('passes with a clock that starts on a window boundary and with a smaller flood', async () => {
    for (const c of storeConformance({ name: 'memory', create: memory, startTime: 0, concurrency: 20 })) await c.run();
  });
});
