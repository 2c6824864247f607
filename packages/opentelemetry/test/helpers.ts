// Test helpers: the real OpenTelemetry SDK with an in-memory exporter, a span processor that
// exports each span as it ends, and the AsyncLocalStorage context manager (so that the
// active span follows promises), plus a remote-like store that answers after an await.
import { context, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AlwaysOffSampler, BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { MemoryStore, type ConsumeOptions, type LimitSpec, type ResetSelector, type Store } from '@limitrate/core';
import { afterAll, afterEach, beforeAll } from 'vitest';

/** Installs the AsyncLocalStorage context manager for the file's tests. */
export function useContextManager(): void {
  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  });
  afterAll(() => {
    context.disable();
  });
}

export interface TestTracing {
  tracer: Tracer;
  exporter: InMemorySpanExporter;
  provider: BasicTracerProvider;
  spans(): ReadableSpan[];
  /** The finished spans of this name. */
  named(name: string): ReadableSpan[];
}

/** A provider (not registered globally) whose spans the test reads back; reset after each test. */
export function useTracing(options: { sampled?: boolean } = {}): TestTracing {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exporter)],
    ...(options.sampled === false ? { sampler: new AlwaysOffSampler() } : {}),
  });
  afterEach(() => exporter.reset());
  afterAll(() => provider.shutdown());
  const spans = () => exporter.getFinishedSpans();
  return { tracer: provider.getTracer('test'), exporter, provider, spans, named: (name) => spans().filter((s) => s.name === name) };
}

/** The parent span id of a finished span (undefined for a root span). */
export function parentOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}

/** The memory store's answers, after an await, under another name (like a remote store). */
export class AsyncStore implements Store {
  readonly name = 'remote';
  readonly inner = new MemoryStore({ cleanupIntervalMs: 0 });
  fail = false;
  async consume(limits: readonly LimitSpec[], options?: ConsumeOptions) {
    await new Promise((resolve) => setTimeout(resolve, 2));
    if (this.fail) throw new Error('connection refused');
    return this.inner.consume(limits, options);
  }
  async reset(selector: ResetSelector) {
    return this.inner.reset(selector);
  }
}

/** Milliseconds since the epoch of an OTel HrTime. */
export function ms(t: readonly [number, number]): number {
  return t[0] * 1000 + t[1] / 1e6;
}
