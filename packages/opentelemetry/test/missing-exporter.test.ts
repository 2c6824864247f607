// A missing exporter package is a ConfigError that says what to install (the package is
// mocked away here: importing it fails as it does when it is not installed).
import { describe, expect, it, vi } from 'vitest';
import { setupTracing } from '../src/setup.js';

vi.mock('@opentelemetry/exporter-trace-otlp-http', () => {
  throw Object.assign(new Error("Cannot find package '@opentelemetry/exporter-trace-otlp-http'"), { code: 'ERR_MODULE_NOT_FOUND' });
});

describe('setupTracing without @opentelemetry/exporter-trace-otlp-http', () => {
  it("rejects exporter 'jaeger' with ERR_LIMITRATE_INVALID_CONFIG, naming the package to install", async () => {
    const error = await setupTracing({ serviceName: 'my-api', exporter: 'jaeger', register: false }).then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ name: 'ConfigError', code: 'ERR_LIMITRATE_INVALID_CONFIG', path: 'exporter' });
    expect((error as Error).message).toMatch(/exporter 'jaeger' needs @opentelemetry\/exporter-trace-otlp-http/);
    expect((error as Error).message).toMatch(/npm install @opentelemetry\/exporter-trace-otlp-http/);
    expect((error as Error).cause).toBeInstanceOf(Error);
  });

  it("still sets up the 'console' exporter", async () => {
    const otel = await setupTracing({ exporter: 'console', register: false });
    expect(otel.exporter.constructor.name).toBe('ConsoleSpanExporter');
    await otel.shutdown();
  });
});
