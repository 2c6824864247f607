// Smoke test of the harness: quick mode on tiny sizes must produce a result for every
// library in every scenario, and a verdict for every target. No timing or ratio is asserted.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error -- plain .mjs harness, no type declarations
import { HEAP_SCENARIO, SCENARIOS, TARGETS, formatReport, runBenchmarks } from './src/harness.mjs';

const tiny = { quick: true, passes: 1, rounds: 2, roundMs: 10, warmupMs: 10, batch: 50, manyKeys: 300, heapKeys: 2_000 };

describe('benchmark harness (quick mode)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'limitrate-bench-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('measures every library in every scenario and evaluates every target', async () => {
    const results = await runBenchmarks(tiny);

    expect(results.environment.node).toBe(process.version);
    expect(typeof results.environment.cpu).toBe('string');
    for (const scenario of SCENARIOS) {
      const sc = results.throughput[scenario.id];
      expect(sc, scenario.id).toBeDefined();
      expect(Object.keys(sc.subjects).sort()).toEqual([...scenario.subjects].sort());
      for (const subject of scenario.subjects) {
        const r = sc.subjects[subject];
        expect(r.rounds, `${scenario.id} ${subject}`).toBe(tiny.passes * tiny.rounds);
        expect(Number.isFinite(r.opsPerSec), `${scenario.id} ${subject}`).toBe(true);
      }
    }

    const heap = results.heap[HEAP_SCENARIO.id];
    expect(Object.keys(heap.subjects).sort()).toEqual([...HEAP_SCENARIO.subjects].sort());
    for (const subject of HEAP_SCENARIO.subjects) {
      const h = heap.subjects[subject];
      expect(h.tracked, subject).toBe(tiny.heapKeys);
      expect(h.valid, subject).toBe(true);
      expect(Number.isFinite(h.totalPerKey), subject).toBe(true);
    }

    expect(results.targets.map((t: { id: string }) => t.id)).toEqual(TARGETS.map((t: { id: string }) => t.id));
    for (const t of results.targets) expect(typeof t.met, t.id).toBe('boolean');

    const report: string = formatReport(results);
    for (const scenario of SCENARIOS) expect(report).toContain(scenario.id);
    expect(report).toContain('QUICK MODE');
  });

  it('runs as a command and writes its JSON results', () => {
    const out = path.join(dir, 'results.json');
    const run = fileURLToPath(new URL('./src/run.mjs', import.meta.url));
    const stdout = execFileSync(process.execPath, [run, '--quick', '--only=store.hot', '--rounds=1', '--round-ms=10', '--warmup-ms=10', `--out=${out}`], { encoding: 'utf8' });
    expect(stdout).toContain('store.hot');
    const json = JSON.parse(readFileSync(out, 'utf8'));
    expect(Object.keys(json.throughput)).toEqual(['store.hot']);
    expect(json.heap).toBeUndefined();
  });
});
