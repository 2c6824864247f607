// @limitrate/opentelemetry: OpenTelemetry spans for LimitRate checks, on @opentelemetry/api.
// The SDK setup helper is a separate entry point: @limitrate/opentelemetry/setup.
export { opentelemetryTracing, TRACER_NAME, SPAN_CHECK, SPAN_POLICY_LOOKUP, SPAN_STORE } from './tracing.js';
export type { OpenTelemetryTracing, OpenTelemetryTracingOptions } from './tracing.js';
export type { ExporterChoice, ExporterName, SetupTracingOptions, SpanExporterLike, TracingSetup } from './exporter.js';
