// Smoke test of the HTTP benchmark: quick mode (1 s rounds, 2 connections, a few users)
// must produce a result for every variant in every scenario and a verdict for every target.
// No timing or ratio is asserted: performance is measured, never asserted.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error -- plain .mjs harness, no type declarations
import { DEFAULT_VARIANTS, HTTP_SCENARIOS, HTTP_TARGETS, formatHttpMarkdown, formatHttpReport, runHttpBenchmarks } from './src/http.mjs';

const tiny = { quick: true, passes: 1, connections: 2, warmupSec: 0.25, durationSec: 1, users: 50 };

describe('HTTP benchmark (quick mode)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'limitrate-bench-http-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('measures every variant in every scenario and evaluates every target', async () => {
    const results = await runHttpBenchmarks(tiny);

    expect(results.kind).toBe('http');
    expect(results.environment.versions.express).toBe('5.3.0');
    for (const scenario of HTTP_SCENARIOS) {
      const sc = results.http[scenario.id];
      expect(sc, scenario.id).toBeDefined();
      expect(Object.keys(sc.variants).sort()).toEqual([...DEFAULT_VARIANTS].sort());
      for (const variant of DEFAULT_VARIANTS) {
        const r = sc.variants[variant];
        const label = `${scenario.id} ${variant}`;
        expect(r.rounds, label).toBe(1);
        expect(r.requests, label).toBeGreaterThan(0);
        expect(Number.isFinite(r.reqPerSec), label).toBe(true);
        expect(Number.isFinite(r.latencyMs.p50), label).toBe(true);
        expect(Number.isFinite(r.latencyMs.p99), label).toBe(true);
        expect(Number.isFinite(r.serverCpuUsPerReq), label).toBe(true);
        // The limiters (and the headers-only floor) answered with their headers; bare Express
        // and the empty middleware sent none.
        if (variant === 'bare' || variant === 'noop') expect(r.rateLimitHeaders, label).toEqual([]);
        else expect(r.rateLimitHeaders.some((h: string) => /^(x-ratelimit-remaining|ratelimit):/i.test(h)), label).toBe(true);
      }
    }

    expect(results.targets.map((t: { id: string }) => t.id)).toEqual(HTTP_TARGETS.map((t: { id: string }) => t.id));
    for (const t of results.targets) expect(typeof t.met, t.id).toBe('boolean');

    const report: string = formatHttpReport(results);
    for (const scenario of HTTP_SCENARIOS) expect(report).toContain(scenario.id);
    expect(report).toContain('QUICK MODE');
    expect(formatHttpMarkdown(results)).toContain('| limitrate |');
  });

  it('runs as a command and writes its JSON results', () => {
    const out = path.join(dir, 'http.json');
    const run = fileURLToPath(new URL('./src/http-run.mjs', import.meta.url));
    const args = [run, '--quick', '--only=many-users', '--variants=bare,limitrate', '--connections=2', '--warmup=0.25', '--duration=0.5', '--users=20', `--out=${out}`];
    const stdout = execFileSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(stdout).toContain('many-users');
    const json = JSON.parse(readFileSync(out, 'utf8'));
    expect(Object.keys(json.http)).toEqual(['many-users']);
    expect(Object.keys(json.http['many-users'].variants)).toEqual(['bare', 'limitrate']);
    expect(json.http['many-users'].variants.limitrate.requests).toBeGreaterThan(0);
    // Targets against a variant that did not run are reported as not measured.
    const erl = json.targets.find((t: { id: string }) => t.id === 'H2.many-users');
    expect(erl.met).toBeUndefined();
  });
});
