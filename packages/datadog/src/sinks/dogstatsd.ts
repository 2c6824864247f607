// DogStatsD through the Datadog agent, over UDP with hot-shots (buffered into datagrams).
import { StatsD } from 'hot-shots';
import type { MetricPoint } from '../aggregator.js';
import type { ErrorReporter, Sink } from './types.js';

/** The largest UDP payload recommended by Datadog for DogStatsD. */
const MAX_DATAGRAM = 1432;

/** hot-shots sends a raw line with `send`, which is not in its types. */
interface RawSender {
  send(message: string, tags: readonly string[] | undefined, callback?: (error?: Error) => void): void;
}

export interface DogStatsdSinkOptions {
  host: string;
  port: number;
  globalTags: readonly string[];
}

function formatNumber(v: number): string {
  // DogStatsD reads plain decimals; avoid exponents for very small or large values.
  if (Number.isInteger(v)) return String(v);
  const s = String(v);
  return s.includes('e') ? v.toFixed(9).replace(/0+$/, '').replace(/\.$/, '') : s;
}

/**
 * Sends points as DogStatsD lines: counts as `|c`, gauges as `|g`, distributions as `|d`
 * with `|@rate` when the values were sampled (the agent weighs each value by 1/rate).
 *
 * @example
 * ```js
 * const sink = new DogStatsdSink({ host: 'localhost', port: 8125, globalTags: ['env:prod'] }, console.warn);
 * await sink.send([{ name: 'limitrate.checks', type: 'count', value: 3, tags: ['plan:free'] }]);
 * await sink.close();
 * ```
 */
export class DogStatsdSink implements Sink {
  private readonly client: StatsD;
  private closed = false;

  constructor(options: DogStatsdSinkOptions, private readonly report: ErrorReporter) {
    this.client = new StatsD({
      host: options.host,
      port: options.port,
      protocol: 'udp',
      globalTags: [...options.globalTags],
      maxBufferSize: MAX_DATAGRAM,
      bufferFlushInterval: 1000,
      errorHandler: (error) => this.report(error),
    });
  }

  async send(points: readonly MetricPoint[]): Promise<void> {
    if (this.closed) return;
    const raw = this.client as unknown as RawSender;
    const onError = (error?: Error) => {
      if (error) this.report(error);
    };
    try {
      for (const p of points) {
        switch (p.type) {
          case 'count':
            raw.send(`${p.name}:${formatNumber(p.value)}|c`, p.tags, onError);
            break;
          case 'gauge':
            raw.send(`${p.name}:${formatNumber(p.value)}|g`, p.tags, onError);
            break;
          case 'distribution': {
            const rate = p.rate !== undefined && p.rate < 1 ? `|@${formatNumber(Number(p.rate.toPrecision(6)))}` : '';
            for (const v of p.values ?? []) raw.send(`${p.name}:${formatNumber(v)}|d${rate}`, p.tags, onError);
            break;
          }
          default: {
            const never: never = p.type;
            throw new Error(`unknown metric type ${String(never)}`);
          }
        }
      }
      await new Promise<void>((resolve) => {
        this.client.flush((error) => {
          if (error) this.report(error);
          resolve();
        });
      });
    } catch (error) {
      this.report(error);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await new Promise<void>((resolve) => {
      try {
        this.client.close((error) => {
          if (error) this.report(error);
          resolve();
        });
      } catch (error) {
        this.report(error);
        resolve();
      }
    });
  }
}
