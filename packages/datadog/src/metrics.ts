// datadogMetrics(): the Instrumentation that aggregates checks in memory and flushes them to Datadog.
import type { CheckRecord, Instrumentation, InstrumentedLimiter } from '@limitrate/core';
import { Aggregator, COUNTED_EVENTS } from './aggregator.js';
import { resolveOptions, type DatadogMetricsOptions } from './options.js';
import { AgentlessSink } from './sinks/agentless.js';
import { DogStatsdSink } from './sinks/dogstatsd.js';
import type { ErrorReporter, Sink } from './sinks/types.js';

/** What `datadogMetrics()` returns: an instrumentation for `metrics:`, with `flush()` and `close()`. */
export interface DatadogMetrics extends Instrumentation {
  readonly name: 'datadog';
  /** `dogstatsd` (through an agent) or `agentless` (HTTP API). */
  readonly mode: 'dogstatsd' | 'agentless';
  /** The metric prefix in use (default `limitrate.`). */
  readonly prefix: string;
  /** At most this many checks a second are timed (default 100; `Infinity`: every check). */
  readonly timingsPerSecond: number;
  /** Sends what was aggregated since the last flush now. Resolves when it was handed to the socket (or the API answered). Never rejects. */
  flush(): Promise<void>;
  /** Stops the timer, flushes, and closes the socket. `limiter.close()` does this when the last limiter using it closes. */
  close(): Promise<void>;
}

/** The default error reporter: console.warn, at most once a minute, with how many were suppressed. */
function throttledWarn(): ErrorReporter {
  let last = -Infinity;
  let suppressed = 0;
  return (error) => {
    const now = Date.now();
    if (now - last < 60_000) {
      suppressed++;
      return;
    }
    last = now;
    const more = suppressed > 0 ? ` (${suppressed} more since the last warning)` : '';
    suppressed = 0;
    console.warn(`[@limitrate/datadog] sending metrics failed${more}: ${error instanceof Error ? error.message : String(error)}`);
  };
}

function safeReporter(onError: ((error: Error) => void) | undefined): ErrorReporter {
  const report = onError ?? throttledWarn();
  return (error) => {
    try {
      report(error instanceof Error ? error : new Error(String(error)));
    } catch {
      // A failing error handler must not break the app either.
    }
  };
}

/**
 * Datadog metrics for a limiter or an adapter (`metrics:`). The limiter counts checks (a few
 * additions per check) and times a sample of them (`timingsPerSecond`); every
 * `flushIntervalMs` (default 10 s) what was counted since the last flush is sent: to a
 * Datadog agent over DogStatsD by default, or straight to the Datadog API with `apiKey`.
 * With `tagUsers`, each check is counted here instead (a hook call per check).
 *
 * @example
 * ```js
 * import { RateLimiter } from '@limitrate/core';
 * import { datadogMetrics } from '@limitrate/datadog';
 *
 * const limiter = new RateLimiter({
 *   policies: { free: { rate: { maxPerMinute: 60 } } },
 *   metrics: datadogMetrics({ host: 'localhost', port: 8125, globalTags: ['env:prod'] }),
 * });
 * // ... limiter.close() flushes and closes the socket.
 * ```
 */
export function datadogMetrics(options: DatadogMetricsOptions = {}): DatadogMetrics {
  const opts = resolveOptions(options);
  const report = safeReporter(opts.onError);
  const aggregator = new Aggregator(opts);
  let sink: Sink | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;
  let attached = 0;

  const openSink = (): Sink =>
    (sink ??=
      opts.mode === 'agentless'
        ? new AgentlessSink({ apiKey: opts.apiKey, apiUrl: opts.apiUrl, globalTags: opts.globalTags, intervalSeconds: Math.max(1, Math.round((opts.flushIntervalMs || 10_000) / 1000)) }, report)
        : new DogStatsdSink({ host: opts.host, port: opts.port, globalTags: opts.globalTags }, report));

  async function flush(): Promise<void> {
    try {
      const points = aggregator.drain();
      if (points.length === 0) return;
      await openSink().send(points);
    } catch (error) {
      report(error);
    }
  }

  async function close(): Promise<void> {
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
    await flush();
    const s = sink;
    sink = undefined;
    if (s) await s.close();
  }

  function attach(limiter: InstrumentedLimiter): () => Promise<void> {
    attached++;
    openSink();
    if (timer === undefined && opts.flushIntervalMs > 0) {
      timer = setInterval(() => void flush(), opts.flushIntervalMs);
      (timer as { unref?: () => void }).unref?.();
    }
    const subscriptions = COUNTED_EVENTS.map((type) => limiter.events.on(type, (e) => aggregator.event(e)));
    // The HTTP layer sets inFlight after attaching: read it through the object at each flush.
    const gates = () => limiter.inFlight?.() ?? [];
    aggregator.gateReaders.add(gates);
    const counts = aggregator.pulls ? limiter.checkCounts : undefined;
    if (counts !== undefined) aggregator.countReaders.add(counts);
    let detached = false;
    return async function detach() {
      if (detached) return;
      detached = true;
      for (const s of subscriptions) s.dispose();
      aggregator.gateReaders.delete(gates);
      if (counts !== undefined) {
        // What it counted since the last flush is still sent, by the flush below.
        aggregator.countReaders.delete(counts);
        aggregator.retire(counts());
      }
      attached--;
      if (attached === 0) await close();
      else await flush();
    };
  }

  return {
    name: 'datadog',
    mode: opts.mode,
    prefix: opts.prefix,
    // Without user tags the limiter counts checks (a few additions each) and they are read
    // at each flush; durations and usage come from its timed checks. User tags need each check.
    counts: aggregator.pulls,
    timingsPerSecond: opts.timingsPerSecond,
    attach,
    ...(aggregator.pulls ? { onTimedCheck: (record: CheckRecord) => aggregator.timed(record) } : { onCheck: (record: CheckRecord) => aggregator.check(record) }),
    onStoreOperation: (record) => aggregator.storeOperation(record),
    flush,
    close,
  };
}
