// setupTracing (@limitrate/opentelemetry/setup) and opentelemetryTracing({ serviceName, exporter }):
// the Node SDK with the exporter picked, registered globally, flushed and stopped by close().
import { trace } from '@opentelemetry/api';
import type { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { ConfigError, RateLimiter, type LimitRateEvent } from '@limitrate/core';
import { describe, expect, it } from 'vitest';
import { opentelemetryTracing, SPAN_CHECK, SPAN_STORE } from '../src/index.js';
import { setupTracing } from '../src/setup.js';
import { AsyncStore, parentOf } from './helpers.js';

describe('setupTracing', () => {
  it("sets up a registered NodeTracerProvider with service.name and the 'memory' exporter", async () => {
    const otel = await setupTracing({ serviceName: 'my-api', exporter: 'memory', resourceAttributes: { 'deployment.environment.name': 'test' } });
    try {
      const limiter = new RateLimiter({ policies: { free: { rate: { maxPerMinute: 5 } } }, store: new AsyncStore(), tracing: opentelemetryTracing() });
      // Registered globally, with a context manager: parentage works across awaits.
      await trace.getTracer('app').startActiveSpan('request', async (span) => {
        await limiter.check({ userId: 'u' });
        span.end();
      });
      const spans = (otel.exporter as InMemorySpanExporter).getFinishedSpans();
      const check = spans.find((s) => s.name === SPAN_CHECK)!;
      const request = spans.find((s) => s.name === 'request')!;
      const store = spans.find((s) => s.name === SPAN_STORE)!;
      expect(parentOf(check)).toBe(request.spanContext().spanId);
      expect(parentOf(store)).toBe(check.spanContext().spanId);
      expect(check.resource.attributes).toMatchObject({ 'service.name': 'my-api', 'deployment.environment.name': 'test' });
      await limiter.close();
    } finally {
      await otel.shutdown();
    }
    // Unregistered: a new setup can register again.
    expect(trace.getTracer('x').startSpan('y').isRecording()).toBe(false);
  });

  it("maps 'jaeger' (and 'datadog') to the OTLP/HTTP exporter", async () => {
    for (const exporter of ['jaeger', 'datadog', 'otlp'] as const) {
      const otel = await setupTracing({ serviceName: 'my-api', exporter, url: 'http://127.0.0.1:9/v1/traces', register: false });
      expect(otel.exporter.constructor.name).toBe('OTLPTraceExporter');
      await otel.shutdown();
    }
  });

  it('takes a SpanExporter instance, and samples by ratio', async () => {
    const { InMemorySpanExporter } = await import('@opentelemetry/sdk-trace-base');
    const exporter = new InMemorySpanExporter();
    const otel = await setupTracing({ exporter, sampleRatio: 0, register: false });
    const tracing = opentelemetryTracing({ tracer: otel.tracer });
    const limiter = new RateLimiter({ policies: { free: { rate: { maxPerMinute: 5 } } }, tracing });
    await limiter.check({ userId: 'u' });
    expect(exporter.getFinishedSpans()).toEqual([]);
    await limiter.close();
    await otel.shutdown();
  });

  it('rejects bad options with a ConfigError: path, message and hint', async () => {
    const cases: Array<[Parameters<typeof setupTracing>[0], string, RegExp]> = [
      [{ exporter: 'zipkin' as 'otlp' }, 'exporter', /ZipkinExporter/],
      [{ exporter: 'kafka' as 'otlp' }, 'exporter', /unknown exporter "kafka"/],
      [{ exporter: {} as never }, 'exporter', /unknown exporter/],
      [{ serviceName: '' }, 'serviceName', /non-empty/],
      [{ sampleRatio: 2 }, 'sampleRatio', /0 to 1/],
      [{ url: 'localhost:4318' }, 'url', /http\(s\) URL/],
    ];
    for (const [options, path, message] of cases) {
      const error = await setupTracing(options).then(() => undefined, (e: unknown) => e);
      expect(error, JSON.stringify(options)).toBeInstanceOf(ConfigError);
      expect(error).toMatchObject({ code: 'ERR_LIMITRATE_INVALID_CONFIG', path });
      expect((error as ConfigError).message).toMatch(message);
      expect((error as ConfigError).issues[0]!.hint).not.toBe('');
    }
  });
});

describe('opentelemetryTracing({ serviceName, exporter })', () => {
  it('sets up the SDK itself; limiter.close() flushes and stops it', async () => {
    const tracing = opentelemetryTracing({ serviceName: 'my-api', exporter: 'memory' });
    await tracing.ready();
    const exporter = tracing.setup!.exporter as InMemorySpanExporter;
    const limiter = new RateLimiter({ policies: { free: { rate: { maxPerMinute: 5 } } }, tracing });
    await limiter.check({ userId: 'u', endpoint: 'GET|/x' });
    const [check] = exporter.getFinishedSpans().filter((s) => s.name === SPAN_CHECK);
    expect(check!.resource.attributes['service.name']).toBe('my-api');
    expect(check!.attributes['limitrate.endpoint']).toBe('GET|/x');
    await limiter.close();
    expect(trace.getTracer('x').startSpan('y').isRecording()).toBe(false);
  });

  it('reports a failed setup as a callback_error event and ready() rejects; checks go on untraced', async () => {
    const events: LimitRateEvent[] = [];
    const tracing = opentelemetryTracing({ serviceName: 'my-api', exporter: 'zipkin' as 'otlp' });
    const limiter = new RateLimiter({ policies: { free: { rate: { maxPerMinute: 5 } } }, tracing, onEvent: (e) => void events.push(e) });
    await expect(tracing.ready()).rejects.toMatchObject({ code: 'ERR_LIMITRATE_INVALID_CONFIG', path: 'exporter' });
    expect((await limiter.check({ userId: 'u' })).allowed).toBe(true);
    await limiter.close();
    expect(events.find((e) => e.type === 'callback_error')).toMatchObject({ callback: 'opentelemetry.setup', error: { code: 'ERR_LIMITRATE_INVALID_CONFIG' } });
  });
});
