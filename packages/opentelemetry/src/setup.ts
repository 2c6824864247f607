// @limitrate/opentelemetry/setup: sets up the OpenTelemetry Node SDK (a NodeTracerProvider)
// with the exporter you pick. The SDK and exporter packages are optional peer dependencies,
// loaded when called; a missing one is a ConfigError that names the package to install.
import { ConfigError } from '@limitrate/core';
import { TRACER_NAME, type ExporterChoice, type SetupTracingOptions, type SpanExporterLike, type TracingSetup } from './exporter.js';

export type { ExporterChoice, ExporterName, SetupTracingOptions, SpanExporterLike, TracingSetup } from './exporter.js';

const OTLP_PACKAGE = '@opentelemetry/exporter-trace-otlp-http';
const EXPORTER_NAMES = ['otlp', 'jaeger', 'datadog', 'console', 'memory'];

function invalid(path: string, message: string, hint: string, cause?: unknown): ConfigError {
  const error = new ConfigError([{ path, code: 'ERR_LIMITRATE_INVALID_CONFIG', message, hint }]);
  if (cause !== undefined) Object.defineProperty(error, 'cause', { value: cause, configurable: true, writable: true });
  return error;
}

/** Imports an optional peer dependency, or explains which package to install. */
async function load<T>(pkg: string, loader: () => Promise<T>, path: string, why: string): Promise<T> {
  try {
    return await loader();
  } catch (e) {
    throw invalid(path, `${why} needs ${pkg}, which could not be loaded (${e instanceof Error ? e.message : String(e)})`, `Install it: npm install ${pkg}`, e);
  }
}

function isExporter(value: unknown): value is SpanExporterLike {
  return typeof value === 'object' && value !== null && typeof (value as SpanExporterLike).export === 'function' && typeof (value as SpanExporterLike).shutdown === 'function';
}

function validate(options: SetupTracingOptions): void {
  const { exporter, serviceName, sampleRatio, url } = options;
  if (serviceName !== undefined && (typeof serviceName !== 'string' || serviceName === '')) {
    throw invalid('serviceName', `must be a non-empty string, got ${JSON.stringify(serviceName)}`, "Name your service, e.g. serviceName: 'my-api'");
  }
  if (exporter === 'zipkin' as ExporterChoice) {
    throw invalid('exporter', "'zipkin' is not built in", "Pass an exporter instance: exporter: new ZipkinExporter({ url }) from @opentelemetry/exporter-zipkin, or send OTLP ('otlp') to a Collector that exports to Zipkin");
  }
  if (exporter !== undefined && !isExporter(exporter) && !(typeof exporter === 'string' && EXPORTER_NAMES.includes(exporter))) {
    throw invalid('exporter', `unknown exporter ${JSON.stringify(typeof exporter === 'string' ? exporter : typeof exporter)}`, `Use one of ${EXPORTER_NAMES.map((n) => `'${n}'`).join(', ')}, or a SpanExporter instance`);
  }
  if (sampleRatio !== undefined && !(typeof sampleRatio === 'number' && sampleRatio >= 0 && sampleRatio <= 1)) {
    throw invalid('sampleRatio', `must be a number from 0 to 1, got ${String(sampleRatio)}`, 'Use 1 to trace every request, 0.1 for one in ten');
  }
  if (url !== undefined && (typeof url !== 'string' || !/^https?:\/\//.test(url))) {
    throw invalid('url', `must be an http(s) URL, got ${JSON.stringify(url)}`, "The OTLP/HTTP traces endpoint, e.g. 'http://localhost:4318/v1/traces'");
  }
}

/**
 * Sets up OpenTelemetry tracing for Node: a `NodeTracerProvider` with a `service.name`, the
 * exporter you pick, and (by default) registered globally with the AsyncLocalStorage
 * context manager, so that spans find their parents across `await`.
 *
 * Needs `@opentelemetry/sdk-trace-node` and `@opentelemetry/resources` installed, and
 * `@opentelemetry/exporter-trace-otlp-http` for `'otlp'`, `'jaeger'` and `'datadog'`. A
 * missing package or a bad option rejects with a `ConfigError` (`ERR_LIMITRATE_INVALID_CONFIG`).
 *
 * @example
 * ```ts
 * const otel = await setupTracing({ serviceName: 'my-api', exporter: 'jaeger' });
 * app.use(limitrate({ policies, tracing: opentelemetryTracing() }));
 * process.on('SIGTERM', () => void otel.shutdown());
 * ```
 */
export async function setupTracing(options: SetupTracingOptions = {}): Promise<TracingSetup> {
  validate(options);
  const { serviceName, exporter: choice = 'otlp', url, headers, resourceAttributes = {}, sampleRatio, register = true } = options;

  const sdk = await load('@opentelemetry/sdk-trace-node', () => import('@opentelemetry/sdk-trace-node'), 'exporter', 'setupTracing');
  const resources = await load('@opentelemetry/resources', () => import('@opentelemetry/resources'), 'serviceName', 'setupTracing');

  let exporter: SpanExporterLike;
  if (typeof choice !== 'string') exporter = choice;
  else if (choice === 'console') exporter = new sdk.ConsoleSpanExporter();
  else if (choice === 'memory') exporter = new sdk.InMemorySpanExporter();
  else {
    const otlp = await load(OTLP_PACKAGE, () => import('@opentelemetry/exporter-trace-otlp-http'), 'exporter', `exporter '${choice}'`);
    exporter = new otlp.OTLPTraceExporter({ ...(url !== undefined ? { url } : {}), ...(headers !== undefined ? { headers } : {}) });
  }

  const batch = options.batch ?? (choice !== 'console' && choice !== 'memory');
  type Exporter = ConstructorParameters<typeof sdk.SimpleSpanProcessor>[0];
  const processor = batch ? new sdk.BatchSpanProcessor(exporter as Exporter) : new sdk.SimpleSpanProcessor(exporter as Exporter);
  const attributes: Record<string, string | number | boolean> = { ...resourceAttributes };
  if (serviceName !== undefined) attributes['service.name'] = serviceName;
  const resource = resources.defaultResource().merge(resources.resourceFromAttributes(attributes));
  const sampler = sampleRatio === undefined ? undefined : new sdk.ParentBasedSampler({ root: new sdk.TraceIdRatioBasedSampler(sampleRatio) });
  const provider = new sdk.NodeTracerProvider({ resource, spanProcessors: [processor], ...(sampler ? { sampler } : {}) });
  if (register) provider.register();

  let stopped: Promise<void> | undefined;
  return {
    provider,
    tracer: provider.getTracer(TRACER_NAME),
    exporter,
    forceFlush: () => provider.forceFlush(),
    shutdown() {
      stopped ??= (async () => {
        await provider.shutdown();
        if (register) {
          // Unregister, so that a later setup (tests, hot reload) can register again.
          const api = await import('@opentelemetry/api');
          api.trace.disable();
          api.context.disable();
          api.propagation.disable();
        }
      })();
      return stopped;
    },
  };
}
