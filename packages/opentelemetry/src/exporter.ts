// Types shared by the instrumentation and the setup helper, kept structural so that the
// main entry point's types depend on @opentelemetry/api only (not on the SDK).
import type { Tracer } from '@opentelemetry/api';

/** The instrumentation scope name of the spans (and of the tracer this package asks for). */
export const TRACER_NAME = '@limitrate/opentelemetry';

/**
 * An OpenTelemetry SDK `SpanExporter` (from @opentelemetry/sdk-trace-base, or any exporter
 * package), described by the methods the SDK calls.
 */
export interface SpanExporterLike {
  // The SDK passes ReadableSpan[] and an ExportResult callback.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  export(spans: any[], resultCallback: (result: { code: number; error?: Error }) => void): void;
  shutdown(): Promise<void>;
  forceFlush?(): Promise<void>;
}

/**
 * Where the setup helper sends spans:
 * - `'otlp'`: OTLP over HTTP/protobuf-JSON to `url` (default `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`,
 *   `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`, or `http://localhost:4318/v1/traces`), through
 *   `@opentelemetry/exporter-trace-otlp-http` (an optional peer dependency: install it).
 * - `'jaeger'`: the same as `'otlp'` (Jaeger 1.35+ receives OTLP on port 4318).
 * - `'datadog'`: the same as `'otlp'`, for a Datadog Agent with its OTLP HTTP receiver enabled.
 * - `'console'`: prints each span (development).
 * - `'memory'`: keeps spans in memory, for tests (`setup.exporter.getFinishedSpans()`).
 * - a `SpanExporter` instance: used as it is (Zipkin: `new ZipkinExporter()` from `@opentelemetry/exporter-zipkin`).
 */
export type ExporterName = 'otlp' | 'jaeger' | 'datadog' | 'console' | 'memory';

export type ExporterChoice = ExporterName | SpanExporterLike;

/** What `setupTracing` built. */
export interface TracingSetup {
  /** The SDK's `NodeTracerProvider`. */
  readonly provider: {
    getTracer(name: string, version?: string): Tracer;
    forceFlush(): Promise<void>;
    shutdown(): Promise<void>;
  };
  /** A tracer of the provider, named `@limitrate/opentelemetry`. */
  readonly tracer: Tracer;
  /** The exporter in use (for `'memory'`, an `InMemorySpanExporter` with `getFinishedSpans()` and `reset()`). */
  readonly exporter: SpanExporterLike;
  /** Exports the spans still buffered. */
  forceFlush(): Promise<void>;
  /** Exports what is buffered and stops the provider (and unregisters it when it was registered globally). */
  shutdown(): Promise<void>;
}

/** Options of `setupTracing` (also accepted by `opentelemetryTracing`, which calls it). */
export interface SetupTracingOptions {
  /** `service.name` of the resource. Default: `OTEL_SERVICE_NAME`, else the SDK's `unknown_service:node`. */
  serviceName?: string;
  /** Where spans go. Default `'otlp'`. */
  exporter?: ExporterChoice;
  /** OTLP endpoint (for `'otlp'`, `'jaeger'` and `'datadog'`), e.g. `http://jaeger:4318/v1/traces`. */
  url?: string;
  /** Extra HTTP headers for the OTLP exporter (API keys). */
  headers?: Record<string, string>;
  /** Extra resource attributes (`deployment.environment.name`, `service.version`, ...). */
  resourceAttributes?: Record<string, string | number | boolean>;
  /**
   * Fraction of new traces to sample, 0 to 1 (default 1: all). Spans whose parent is
   * sampled follow the parent's decision.
   */
  sampleRatio?: number;
  /**
   * Batch spans before exporting (default true for OTLP, false for `'console'` and
   * `'memory'`, which export each span as it ends).
   */
  batch?: boolean;
  /**
   * Register the provider globally with an AsyncLocalStorage context manager and the W3C
   * propagators (default true). Needed for spans to find their parents across `await`,
   * unless your application registers its own.
   */
  register?: boolean;
}
