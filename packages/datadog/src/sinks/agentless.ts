// Agentless: posting to the Datadog HTTP API with fetch (no agent; serverless, edge-like hosts).
import type { MetricPoint } from '../aggregator.js';
import type { ErrorReporter, Sink } from './types.js';

export interface AgentlessSinkOptions {
  apiKey: string;
  /** `https://api.<site>`, or an override. */
  apiUrl: string;
  globalTags: readonly string[];
  /** The flush interval in seconds: the interval of count points. */
  intervalSeconds: number;
  /** Per request, in ms. Default 10 000. */
  timeoutMs?: number;
}

/** Series per request, well under the API's 500 kB (compressed 5 MB) payload limit. */
const BATCH = 500;

/** v2 series types. */
const SERIES_TYPE = { count: 1, gauge: 3 } as const;

/**
 * Posts counts and gauges to `POST /api/v2/series` and distributions to
 * `POST /api/v1/distribution_points` (the v2 series endpoint takes no distributions),
 * with the `DD-API-KEY` header.
 *
 * @example
 * ```js
 * const sink = new AgentlessSink({ apiKey, apiUrl: 'https://api.datadoghq.eu', globalTags: [], intervalSeconds: 10 }, console.warn);
 * ```
 */
export class AgentlessSink implements Sink {
  private readonly inflight = new Set<Promise<void>>();

  constructor(private readonly options: AgentlessSinkOptions, private readonly report: ErrorReporter) {}

  send(points: readonly MetricPoint[]): Promise<void> {
    const p = this.sendAll(points);
    this.inflight.add(p);
    return p.finally(() => this.inflight.delete(p));
  }

  private async sendAll(points: readonly MetricPoint[]): Promise<void> {
    const timestamp = Math.floor(Date.now() / 1000);
    const global = this.options.globalTags;
    const series: unknown[] = [];
    const distributions: unknown[] = [];
    for (const p of points) {
      const tags = global.length > 0 ? [...global, ...p.tags] : [...p.tags];
      if (p.type === 'distribution') {
        distributions.push({ metric: p.name, type: 'distribution', points: [[timestamp, p.values ?? []]], tags });
      } else {
        series.push({
          metric: p.name,
          type: SERIES_TYPE[p.type],
          points: [{ timestamp, value: p.value }],
          tags,
          ...(p.type === 'count' ? { interval: this.options.intervalSeconds } : {}),
        });
      }
    }
    const posts: Promise<void>[] = [];
    for (let i = 0; i < series.length; i += BATCH) posts.push(this.post('/api/v2/series', { series: series.slice(i, i + BATCH) }));
    for (let i = 0; i < distributions.length; i += BATCH) posts.push(this.post('/api/v1/distribution_points', { series: distributions.slice(i, i + BATCH) }));
    await Promise.all(posts);
  }

  private async post(path: string, body: unknown): Promise<void> {
    try {
      const response = await fetch(`${this.options.apiUrl}${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'DD-API-KEY': this.options.apiKey },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
      if (!response.ok) {
        const text = await response.text().catch(() => '');
        throw new Error(`Datadog API ${path} answered ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`);
      }
      await response.body?.cancel().catch(() => undefined);
    } catch (error) {
      this.report(error);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.inflight]);
  }
}
