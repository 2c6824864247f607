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
  'hooks-only': {
    label: 'an instrumentation whose onCheck does nothing (timeEvery 8): the limiter\'s own instrumented path',
    async make() {
      return { metrics: { name: 'nothing', timeEvery: 8, onCheck() {} } };
    },
  },
  prometheus: {
    label: '@limitrate/prometheus (own registry, default labels, timeEvery 8)',
    async make() {
      const { Registry } = await import('prom-client');
      const { prometheusMetrics } = await import('@limitrate/prometheus');
      return { metrics: prometheusMetrics({ registry: new Registry() }) };
    },
  },
  datadog: {
    label: '@limitrate/datadog (DogStatsD to a UDP socket on 127.0.0.1, flushed every 10 s)',
    async make() {
      const sink = dgram.createSocket('udp4');
      await new Promise((r) => sink.bind(0, '127.0.0.1', r));
      sink.unref();
      const { datadogMetrics } = await import('@limitrate/datadog');
      return { metrics: datadogMetrics({ host: '127.0.0.1', port: sink.address().port }) };
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
};

async function main() {
  const { subject, mode, n, rounds } = JSON.parse(process.argv[2]);
  const s = OBSERVABILITY_SUBJECTS[subject];
  if (s === undefined) throw new Error(`unknown subject ${subject}`);
  const limiter = new RateLimiter({ policies, ...(await s.make()) });
  const req = { userId: 'hot-user', endpoint: 'GET|/api/items/:id' };
  for (let i = 0; i < 20_000; i++) await limiter.check(req);
  if (mode === 'count') {
    for (let i = 0; i < n; i++) await limiter.check(req);
    process.exit(0);
  }
  const out = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await limiter.check(req);
    out.push(Number(process.hrtime.bigint() - t0) / n);
  }
  const last = await limiter.check(req);
  if (!last.allowed) throw new Error(`${subject}: a check was refused; the benchmark must never reach the limit`);
  process.stdout.write(`${JSON.stringify({ subject, nsPerCheck: out })}\n`);
  process.exit(0);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
