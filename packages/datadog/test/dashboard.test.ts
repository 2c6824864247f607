// dashboard.json: a Datadog dashboard whose every query uses a metric this package sends.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { METRICS } from '../src/index.js';

const dashboard = JSON.parse(readFileSync(new URL('../dashboard.json', import.meta.url), 'utf8')) as {
  title: string;
  layout_type: string;
  widgets: { definition: { type: string; requests: { queries: { query: string }[] }[] } }[];
};

function queries(): string[] {
  return dashboard.widgets.flatMap((w) => w.definition.requests.flatMap((r) => r.queries.map((q) => q.query)));
}

describe('dashboard.json', () => {
  it('is a Datadog dashboard definition', () => {
    expect(dashboard.title).toBe('LimitRate');
    expect(dashboard.layout_type).toBe('ordered');
    expect(dashboard.widgets.length).toBeGreaterThan(5);
  });

  it('queries only metrics the package sends, with a matching aggregation', () => {
    const byName = new Map<string, string>(METRICS.map((m) => [`limitrate.${m.name}`, m.type]));
    const used = new Set<string>();
    for (const q of queries()) {
      const match = /^(sum|avg|max|min|count|p50|p75|p90|p95|p99):([a-z0-9_.]+)\{/.exec(q);
      expect(match, q).not.toBeNull();
      const [, agg, name] = match!;
      expect(byName.has(name!), `${name} in ${q}`).toBe(true);
      used.add(name!);
      // percentiles only on distributions; .as_count() only on counts
      if (agg!.startsWith('p')) expect(byName.get(name!), q).toBe('distribution');
      if (q.includes('.as_count()')) expect(byName.get(name!), q).toBe('count');
    }
    // and it shows the main ones
    for (const name of ['limitrate.checks', 'limitrate.check.duration', 'limitrate.utilization', 'limitrate.inflight.requests', 'limitrate.queued.requests', 'limitrate.store.operations', 'limitrate.events']) expect(used).toContain(name);
  });

  it('filters and groups only by tags the metric carries', () => {
    const tagsOf = new Map<string, readonly string[]>(METRICS.map((m) => [`limitrate.${m.name}`, m.tags]));
    for (const q of queries()) {
      const [, name, filter, by] = /^[a-z0-9]+:([a-z0-9_.]+)\{([^}]*)\}(?: by \{([^}]*)\})?/.exec(q)!;
      const tags = tagsOf.get(name!)!;
      const keys = [
        // $env is a global tag; $plan and $endpoint filter by plan and endpoint
        ...filter!.split(',').filter((f) => f !== '$env' && f !== '*').map((f) => (f.startsWith('$') ? f.slice(1) : f.replace(/^!/, '').split(':')[0]!)),
        ...(by ? by.split(',') : []),
      ];
      for (const key of keys) expect(tags, `${key} in ${q}`).toContain(key);
    }
  });

  it('is shipped with the package and importable as @limitrate/datadog/dashboard.json', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { files: string[]; exports: Record<string, unknown> };
    expect(pkg.files).toContain('dashboard.json');
    expect(pkg.exports['./dashboard.json']).toBe('./dashboard.json');
    const require = createRequire(import.meta.url);
    expect((require('@limitrate/datadog/dashboard.json') as { title: string }).title).toBe('LimitRate');
  });
});
