// Child process of the observability benchmark: one subject (a RateLimiter on the memory
// store with one metrics or tracing backend, or none), `await limiter.check()` for one hot
// user. Timed mode prints ns per check for each round; count mode (under callgrind) only
// runs `n` checks after the warm-up. Arguments: JSON { subject, mode: 'time'|'count', n, rounds }.
import dgram from 'node:dgram';
import process from 'node:process';
import { pathToFileURL } from 'node:url';
import { RateLimiter } from '@limitrate/core';

const HUGE = 1e12;
const policies = { free: { rate: { maxPerMinute: HUGE } } };

/** The backends, each as it would run in production (the exporters have somewhere to send). */
export const OBSERVABILITY_SUBJECTS = {
  none: { label: 'no metrics or tracing', async make() { return {}; } },
  'counts-only': {
    diagnostic: true,
    label: 'an instrumentation that only reads the limiter\'s check counts and takes its timed checks, doing nothing with them: the limiter\'s own share',
    async make(t) {
      return { metrics: { name: 'nothing', counts: true, attach() {}, onTimedCheck() {}, ...t } };
    },
  },
  'on-check': {
    diagnostic: true,
    label: 'an instrumentation with an onCheck hook per check that does nothing (what the user label and custom hooks cost)',
    async make(t) {
      return { metrics: { name: 'nothing', onCheck() {}, ...t } };
    },
  },
  prometheus: {
    label: '@limitrate/prometheus (own registry, default labels plan and endpoint)',
    async make(t) {
      const { Registry } = await import('prom-client');
      const { prometheusMetrics } = await import('@limitrate/prometheus');
      return { metrics: prometheusMetrics({ registry: new Registry(), ...t }) };
    },
  },
  datadog: {
    label: '@limitrate/datadog (DogStatsD to a UDP socket on 127.0.0.1, flushed every 10 s)',
    async make(t) {
      const sink = dgram.createSocket('udp4');
      await new Promise((r) => sink.bind(0, '127.0.0.1', r));
      sink.unref();
      const { datadogMetrics } = await import('@limitrate/datadog');
      return { metrics: datadogMetrics({ host: '127.0.0.1', port: sink.address().port, ...t }) };
    },
  },
  analytics: {
    label: 'analytics: true (the dashboard\'s in-process counts: per minute and hour, per plan, endpoint and user, recent blocks, store health), the fold from the ring included (here when the ring fills: a tight loop leaves no turn for its timer)',
    async make() {
      return { analytics: true };
    },
  },
  'analytics-path': {
    diagnostic: true,
    label: 'analytics: true with the fold skipped: the ring alone, what stays on a check\'s path when the fold runs on its timer between requests',
    async make() {
      return { analytics: true };
    },
    tweak(limiter) {
      limiter.analytics.drain = function skipFold() {
        this.queued = 0;
      };
    },
  },
  'opentelemetry-noop': {
    label: '@limitrate/opentelemetry with no SDK registered (the API is a no-op: nothing recorded)',
    async make() {
      const { opentelemetryTracing } = await import('@limitrate/opentelemetry');
      return { tracing: opentelemetryTracing() };
    },
  },
  'opentelemetry-sdk': {
    label: '@limitrate/opentelemetry with the SDK, every check sampled, spans batched to an exporter that drops them',
    async make() {
      const { BasicTracerProvider, BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
      const exporter = { export: (_spans, done) => done({ code: 0 }), shutdown: async () => {} };
      const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter, { maxQueueSize: 100_000, maxExportBatchSize: 4096, scheduledDelayMillis: 200 })] });
      const { opentelemetryTracing } = await import('@limitrate/opentelemetry');
      return { tracing: opentelemetryTracing({ tracerProvider: provider }) };
    },
  },
  'opentelemetry-sdk-1pct': {
    label: '@limitrate/opentelemetry with the SDK sampling 1% of checks (TraceIdRatioBased 0.01)',
    async make() {
      const { BasicTracerProvider, BatchSpanProcessor, TraceIdRatioBasedSampler } = await import('@opentelemetry/sdk-trace-base');
      const exporter = { export: (_spans, done) => done({ code: 0 }), shutdown: async () => {} };
      const provider = new BasicTracerProvider({ sampler: new TraceIdRatioBasedSampler(0.01), spanProcessors: [new BatchSpanProcessor(exporter)] });
      const { opentelemetryTracing } = await import('@limitrate/opentelemetry');
      return { tracing: opentelemetryTracing({ tracerProvider: provider }) };
    },
  },
  'none-in-request': {
    label: 'no metrics or tracing, each check run inside an unsampled request span (AsyncLocalStorage context): the baseline of the next subject',
    baseline: 'none',
    async make() {
      return {};
    },
    // Only these subjects: once AsyncLocalStorage runs, every await in the process costs more.
    prepare: inUnsampledRequest,
  },
  'opentelemetry-sdk-in-unsampled-request': {
    label: '@limitrate/opentelemetry with the SDK (parent-based sampler), each check inside a request span the SDK left unsampled: most requests of a sampled service',
    baseline: 'none-in-request',
    async make() {
      const { BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler } = await import('@opentelemetry/sdk-trace-base');
      const exporter = { export: (_spans, done) => done({ code: 0 }), shutdown: async () => {} };
      const provider = new BasicTracerProvider({ sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0.01) }), spanProcessors: [new BatchSpanProcessor(exporter)] });
      const { opentelemetryTracing } = await import('@limitrate/opentelemetry');
      return { tracing: opentelemetryTracing({ tracerProvider: provider }) };
    },
    prepare: inUnsampledRequest,
  },
};

/** Runs each check as an instrumented HTTP server would: inside the request's span, here one the sampler left out. */
async function inUnsampledRequest() {
  const { context, trace, TraceFlags, ROOT_CONTEXT } = await import('@opentelemetry/api');
  const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks');
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const span = trace.wrapSpanContext({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.NONE });
  const request = trace.setSpan(ROOT_CONTEXT, span);
  return (limiter, req) => context.with(request, () => limiter.check(req));
}

/** The default of `timingsPerSecond`: at most this many checks a second are timed. */
const TIMINGS_PER_SECOND = 100;

async function main() {
  const { subject, mode, n, rounds, nativeNsPerCheck } = JSON.parse(process.argv[2]);
  const s = OBSERVABILITY_SUBJECTS[subject];
  if (s === undefined) throw new Error(`unknown subject ${subject}`);
  const req = { userId: 'hot-user', endpoint: 'GET|/api/items/:id' };
  const check = s.prepare === undefined ? (l, r) => l.check(r) : await s.prepare();
  let limiter = new RateLimiter({ policies, ...(await s.make({})) });
  s.tweak?.(limiter);
  for (let i = 0; i < 20_000; i++) await check(limiter, req);
  if (mode === 'count') {
    // The limiter times at most 100 checks a second. Under callgrind a check is ~50x slower,
    // so as many timed checks a second would be ~50x more timed checks per check than in a
    // real run: scale the rate by the slowdown measured here against the native time.
    if (nativeNsPerCheck > 0) {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < 5_000; i++) await check(limiter, req);
      const slowdown = Number(process.hrtime.bigint() - t0) / 5_000 / nativeNsPerCheck;
      await limiter.close();
      limiter = new RateLimiter({ policies, ...(await s.make({ timingsPerSecond: TIMINGS_PER_SECOND / Math.max(1, slowdown) })) });
      s.tweak?.(limiter);
      for (let i = 0; i < 20_000; i++) await check(limiter, req);
    }
    for (let i = 0; i < n; i++) await check(limiter, req);
    process.exit(0);
  }
  const out = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await check(limiter, req);
    out.push(Number(process.hrtime.bigint() - t0) / n);
  }
  const last = await limiter.check(req);
  if (!last.allowed) throw new Error(`${subject}: a check was refused; the benchmark must never reach the limit`);
  process.stdout.write(`${JSON.stringify({ subject, nsPerCheck: out })}\n`);
  process.exit(0);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
