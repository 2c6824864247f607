// `tracing: opentelemetryTracing()`: a rate_limit_check span per check, child of the active
// span, with policy lookup and store round-trip child spans. On @opentelemetry/api only.
import { context, ProxyTracerProvider, SpanKind, SpanStatusCode, trace, TraceFlags, type Attributes, type Context, type Span, type Tracer, type TracerProvider } from '@opentelemetry/api';
import type { CheckRecord, CheckScope, CheckStart, Instrumentation, LimitRateError, RateLimitResult, StoreOperationRecord } from '@limitrate/core';
import type { SetupTracingOptions, TracingSetup } from './exporter.js';

import { TRACER_NAME } from './exporter.js';

export { TRACER_NAME };

/** How often (in checks) the global tracer provider is looked up again. */
const RECHECK_EVERY = 128;

/** Span names. */
export const SPAN_CHECK = 'rate_limit_check';
export const SPAN_POLICY_LOOKUP = 'limitrate.policy_lookup';
export const SPAN_STORE = 'limitrate.store';

export interface OpenTelemetryTracingOptions extends SetupTracingOptions {
  /** The tracer to create spans with. Default: `tracerProvider`'s, else the global provider's, named `@limitrate/opentelemetry`. */
  tracer?: Tracer;
  /** Where to get the tracer when `tracer` is not given. Default: the global provider. */
  tracerProvider?: TracerProvider;
  /**
   * Put the user identifier on the check span as `limitrate.user` (default false: user ids
   * are often personal data, and a high-cardinality attribute).
   */
  recordUser?: boolean;
  /**
   * Leave a check untraced, without asking the SDK, when the span active at the check is
   * not sampled (default true): what the SDK's default sampler (`ParentBased`) decides
   * anyway, for less work. Set false when your sampler may sample the child of an unsampled
   * span.
   */
  followParentSampling?: boolean;
}

/** The instrumentation `opentelemetryTracing()` returns: pass it as `tracing`. */
export interface OpenTelemetryTracing extends Instrumentation {
  readonly name: 'opentelemetry';
  /**
   * Resolves when spans can be exported: at once with a `tracer` or the global provider;
   * with `serviceName`/`exporter`, once the SDK is set up (rejects with a `ConfigError`,
   * code `ERR_LIMITRATE_INVALID_CONFIG`, when an exporter package is missing).
   */
  ready(): Promise<void>;
  /** The SDK setup made for `serviceName`/`exporter` (undefined otherwise, or while it loads). */
  readonly setup: TracingSetup | undefined;
  /** Flushes and stops the SDK set up for `serviceName`/`exporter` (no-op otherwise). `limiter.close()` does it too. */
  shutdown(): Promise<void>;
}

function errorOf(error: unknown): Error | string {
  return error instanceof Error ? error : String(error);
}

function markError(span: Span, error: unknown): void {
  const e = errorOf(error);
  span.recordException(e);
  span.setStatus({ code: SpanStatusCode.ERROR, message: typeof e === 'string' ? e : e.message });
}

/** Attributes of a finished check (the plan and endpoint as resolved, the decision, the deciding limit). */
function resultAttributes(span: Span, record: CheckRecord, recordUser: boolean): void {
  const r: RateLimitResult = record.result;
  const limit = r.blockedBy ?? r.limits[0];
  const attrs: Attributes = {
    'limitrate.result': record.outcome,
    'limitrate.allowed': r.allowed,
    'limitrate.action': r.action,
    'limitrate.plan': r.plan,
    'limitrate.endpoint': r.endpoint,
  };
  if (limit !== undefined) attrs['limitrate.algorithm'] = limit.algorithm;
  if (Number.isFinite(r.limit)) attrs['limitrate.limit'] = r.limit;
  if (Number.isFinite(r.remaining)) attrs['limitrate.remaining'] = r.remaining;
  if (r.reason !== undefined) attrs['limitrate.reason'] = r.reason;
  if (r.blockedBy !== undefined) attrs['limitrate.blocked_by'] = r.blockedBy.id;
  if (r.retryAfter !== undefined) attrs['limitrate.retry_after_seconds'] = r.retryAfter;
  if (r.policy !== '') attrs['limitrate.policy'] = r.policy;
  if (r.dryRun) attrs['limitrate.dry_run'] = true;
  if (r.cost > 0) attrs['limitrate.cost'] = r.cost;
  if (r.tokens > 0) attrs['limitrate.tokens'] = r.tokens;
  if (recordUser) attrs['limitrate.user'] = r.user;
  span.setAttributes(attrs);
  if (r.degraded) {
    span.setAttribute('limitrate.degraded', true);
    const error: LimitRateError | undefined = r.error;
    markError(span, error ?? 'the store failed: the onStoreError policy decided');
  }
}

/** One traced check: its span, and the context in which the span is the active one. */
class CheckSpan implements CheckScope {
  constructor(
    private readonly tracer: Tracer,
    private readonly span: Span,
    private readonly ctx: Context,
    private readonly recordUser: boolean,
  ) {}

  run<T>(fn: () => T): T {
    return context.with(this.ctx, fn);
  }

  phase(name: 'policy_lookup' | 'store', startTime: number, endTime: number, error?: unknown): void {
    // The store round trip gets its span from onStoreOperation (with the store's name).
    if (name !== 'policy_lookup') return;
    const child = this.tracer.startSpan(SPAN_POLICY_LOOKUP, { kind: SpanKind.INTERNAL, startTime }, this.ctx);
    if (error !== undefined) markError(child, error);
    child.end(endTime);
  }

  end(record: CheckRecord, endTime: number): void {
    resultAttributes(this.span, record, this.recordUser);
    this.span.end(endTime);
  }

  fail(error: unknown, endTime: number): void {
    markError(this.span, error);
    this.span.end(endTime);
  }
}

/**
 * Traces each check with OpenTelemetry: a `rate_limit_check` span (kind INTERNAL), child of
 * the span active when the check starts (the HTTP request's, typically), with attributes
 * `limitrate.plan`, `limitrate.endpoint`, `limitrate.algorithm`, `limitrate.result`,
 * `limitrate.limit`, `limitrate.remaining` (and `limitrate.user` with `recordUser: true`),
 * and child spans `limitrate.policy_lookup` and `limitrate.store` (the store round trip).
 * Failures are recorded on the spans (status ERROR, exception event); a check the store
 * failure policy answered gets `limitrate.degraded: true`. Unsampled checks cost nothing more.
 *
 * Without options it uses the globally registered tracer provider (set up by your
 * OpenTelemetry SDK). With `serviceName` or `exporter`, it sets up the Node SDK itself
 * (see `setupTracing` in `@limitrate/opentelemetry/setup`), and `limiter.close()` flushes it.
 *
 * @example
 * ```ts
 * const limiter = new RateLimiter({ policies, tracing: opentelemetryTracing() });
 * app.use(limitrate({ policies, tracing: opentelemetryTracing({ serviceName: 'my-api', exporter: 'jaeger' }) }));
 * ```
 */
export function opentelemetryTracing(options: OpenTelemetryTracingOptions = {}): OpenTelemetryTracing {
  const { tracer: given, tracerProvider, recordUser = false, followParentSampling = true, ...setupOptions } = options;
  const wantsSetup = given === undefined && tracerProvider === undefined && (setupOptions.serviceName !== undefined || setupOptions.exporter !== undefined);
  const global = given === undefined && tracerProvider === undefined && !wantsSetup;

  // A given tracer, a given provider's, or the one set up: fixed. The global provider's is
  // looked up again every RECHECK_EVERY checks (and store operations): an SDK may register
  // after the limiter is built (or again after trace.disable()). Until one does, checks are
  // left untraced at once, with no span created.
  let tracer: Tracer | undefined = given ?? (wantsSetup || global ? undefined : tracerProvider!.getTracer(TRACER_NAME));
  let globalProvider: TracerProvider | undefined;
  let globalTracer: Tracer | undefined;
  let recheck = 0;
  const globalTracerNow = (): Tracer | undefined => {
    if (--recheck > 0) return globalTracer;
    recheck = RECHECK_EVERY;
    const p = trace.getTracerProvider();
    if (p !== globalProvider || globalTracer === undefined) {
      globalProvider = p;
      // The API's proxy provider has a delegate once an SDK registers: use the SDK's tracer directly.
      globalTracer = p instanceof ProxyTracerProvider ? p.getDelegateTracer(TRACER_NAME) : p.getTracer(TRACER_NAME);
    }
    return globalTracer;
  };
  let setup: TracingSetup | undefined;
  let setupError: unknown;
  let attached = 0;
  let settled: Promise<void> = Promise.resolve();

  if (wantsSetup) {
    settled = import('./setup.js')
      .then((m) => m.setupTracing(setupOptions))
      .then(
        (s) => {
          setup = s;
          tracer = s.tracer;
          (instrumentation as { setup: TracingSetup | undefined }).setup = s;
        },
        (e: unknown) => {
          setupError = e;
        },
      );
  }

  // Plain data properties only: a getter on this object makes every call to startCheck
  // noticeably slower (measured), so `setup` is assigned when the SDK is ready.
  const instrumentation: OpenTelemetryTracing = {
    name: 'opentelemetry',
    setup: undefined,
    async ready() {
      await settled;
      if (setupError !== undefined) throw setupError;
    },
    async shutdown() {
      await settled;
      await setup?.shutdown();
    },
    attach(limiter) {
      attached++;
      if (wantsSetup) {
        // A failed setup is reported as a callback_error event; checks go on, untraced.
        void settled.then(() => {
          if (setupError === undefined) return;
          const error = setupError as LimitRateError;
          limiter.events.emit({ type: 'callback_error', timestamp: Date.now(), user: '', plan: '', endpoint: '', callback: 'opentelemetry.setup', error, fallback: 'checks are not traced' });
        });
      }
      return () => {
        attached--;
        // The last limiter using the SDK this instrumentation set up stops it (after a flush).
        if (attached === 0 && wantsSetup) return instrumentation.shutdown();
      };
    },
    startCheck(start: CheckStart): CheckScope | undefined {
      const t = global ? globalTracerNow() : tracer;
      if (t === undefined) return undefined;
      const parent = context.active();
      if (followParentSampling) {
        const active = trace.getSpan(parent);
        if (active !== undefined && (active.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return undefined;
      }
      const span = t.startSpan(SPAN_CHECK, { kind: SpanKind.INTERNAL }, parent);
      // Not sampled: leave the check untraced (no scope, no child spans, no attributes), at
      // the least cost: no attributes are built before the sampler has decided.
      if (!span.isRecording()) return undefined;
      const attributes: Attributes = { 'limitrate.operation': start.operation };
      if (typeof start.plan === 'string') attributes['limitrate.plan'] = start.plan;
      if (typeof start.endpoint === 'string') attributes['limitrate.endpoint'] = start.endpoint;
      span.setAttributes(attributes);
      return new CheckSpan(t, span, trace.setSpan(parent, span), recordUser);
    },
    onStoreOperation(record: StoreOperationRecord): void {
      const t = global ? globalTracerNow() : tracer;
      if (t === undefined) return;
      // Only inside a recorded trace (a check's span, or a request span around record/reset):
      // a store operation alone does not start a trace of its own.
      const parent = context.active();
      const active = trace.getSpan(parent);
      if (active === undefined || !active.isRecording()) return;
      const span = t.startSpan(
        SPAN_STORE,
        { kind: record.store === 'memory' ? SpanKind.INTERNAL : SpanKind.CLIENT, startTime: record.startTime, attributes: { 'limitrate.store.name': record.store, 'limitrate.store.operation': record.operation } },
        parent,
      );
      if (record.status === 'error') markError(span, record.error ?? 'store operation failed');
      span.end(record.startTime + record.durationSeconds * 1000);
    },
  };
  return instrumentation;
}
