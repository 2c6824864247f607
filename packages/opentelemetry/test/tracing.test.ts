// opentelemetryTracing() with the real SDK: a rate_limit_check span per check with its
// attributes, policy lookup and store child spans (also across an await), blocked checks,
// failures recorded on the spans, the parent taken from the active span, and sampling.
import { context, ROOT_CONTEXT, SamplingDecision, SpanKind, SpanStatusCode, trace, TraceFlags, type Sampler } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { RateLimiter } from '@limitrate/core';
import { describe, expect, it } from 'vitest';
import { opentelemetryTracing, SPAN_CHECK, SPAN_POLICY_LOOKUP, SPAN_STORE } from '../src/index.js';
import { AsyncStore, ms, parentOf, useContextManager, useTracing } from './helpers.js';

useContextManager();

describe('opentelemetryTracing: spans per check', () => {
  const t = useTracing();

  it('creates one rate_limit_check span per check, with plan, endpoint, algorithm, result, limit and remaining', async () => {
    const limiter = new RateLimiter({ policies: { free: { rate: { maxPerMinute: 5 } } }, tracing: opentelemetryTracing({ tracer: t.tracer }) });
    await limiter.check({ userId: 'alice', plan: 'free', endpoint: 'POST|/api/chat' });
    await limiter.check({ userId: 'alice', plan: 'free', endpoint: 'POST|/api/chat' });
    const checks = t.named(SPAN_CHECK);
    expect(checks).toHaveLength(2);
    const [first, second] = checks;
    expect(first!.kind).toBe(SpanKind.INTERNAL);
    expect(first!.instrumentationScope.name).toBe('test');
    expect(first!.attributes).toMatchObject({
      'limitrate.operation': 'check',
      'limitrate.plan': 'free',
      'limitrate.endpoint': 'POST|/api/chat',
      'limitrate.algorithm': expect.any(String),
      'limitrate.result': 'allowed',
      'limitrate.limit': 5,
      'limitrate.remaining': 4,
    });
    expect(second!.attributes['limitrate.remaining']).toBe(3);
    expect(first!.status.code).toBe(SpanStatusCode.UNSET);
    // No user id unless asked for.
    expect(first!.attributes['limitrate.user']).toBeUndefined();
    expect(parentOf(first!)).toBeUndefined();
    expect(ms(first!.endTime)).toBeGreaterThanOrEqual(ms(first!.startTime));
    await limiter.close();
  });

  it('adds policy lookup and store child spans, inside the check span', async () => {
    const limiter = new RateLimiter({ policies: { free: { rate: { maxPerMinute: 5 } } }, tracing: opentelemetryTracing({ tracer: t.tracer }) });
    await limiter.check({ userId: 'u', endpoint: 'GET|/x' });
    const [check] = t.named(SPAN_CHECK);
    const [lookup] = t.named(SPAN_POLICY_LOOKUP);
    const [store] = t.named(SPAN_STORE);
    expect(parentOf(lookup!)).toBe(check!.spanContext().spanId);
    expect(parentOf(store!)).toBe(check!.spanContext().spanId);
    expect(lookup!.spanContext().traceId).toBe(check!.spanContext().traceId);
    expect(store!.attributes).toEqual({ 'limitrate.store.name': 'memory', 'limitrate.store.operation': 'consume' });
    for (const child of [lookup!, store!]) {
      expect(ms(child.startTime)).toBeGreaterThanOrEqual(ms(check!.startTime) - 0.01);
      expect(ms(child.endTime)).toBeLessThanOrEqual(ms(check!.endTime) + 0.01);
    }
    await limiter.close();
  });

  it('parents the store span correctly when the store answers after an await (a remote store)', async () => {
    const store = new AsyncStore();
    const limiter = new RateLimiter({ policies: { free: { rate: { maxPerMinute: 5 } } }, store, tracing: opentelemetryTracing({ tracer: t.tracer }) });
    // Two checks at once: each store span must land under its own check span.
    await Promise.all([limiter.check({ userId: 'a', endpoint: 'GET|/a' }), limiter.check({ userId: 'b', endpoint: 'GET|/b' })]);
    const checks = t.named(SPAN_CHECK);
    const stores = t.named(SPAN_STORE);
    expect(checks).toHaveLength(2);
    expect(stores).toHaveLength(2);
    for (const s of stores) {
      expect(s.kind).toBe(SpanKind.CLIENT);
      expect(s.attributes['limitrate.store.name']).toBe('remote');
      const parent = checks.find((c) => c.spanContext().spanId === parentOf(s));
      expect(parent, 'store span parent').toBeDefined();
      // The round trip took the store's ~2 ms, inside the check.
      expect(ms(s.endTime) - ms(s.startTime)).toBeGreaterThan(0.5);
      expect(ms(s.endTime)).toBeLessThanOrEqual(ms(parent!.endTime) + 0.01);
    }
    expect(new Set(stores.map(parentOf)).size).toBe(2);
    await limiter.close();
  });

  it('describes a blocked check: result, remaining 0, the limit that blocked and its algorithm', async () => {
    const limiter = new RateLimiter({
      policies: { free: { rate: { maxPerMinute: 1, algorithm: 'token-bucket' } } },
      tracing: opentelemetryTracing({ tracer: t.tracer }),
    });
    await limiter.check({ userId: 'u', endpoint: 'GET|/x' });
    const blocked = await limiter.check({ userId: 'u', endpoint: 'GET|/x' });
    expect(blocked.allowed).toBe(false);
    const span = t.named(SPAN_CHECK)[1]!;
    expect(span.attributes).toMatchObject({
      'limitrate.result': 'blocked',
      'limitrate.allowed': false,
      'limitrate.action': 'block',
      'limitrate.reason': 'rate_limited',
      'limitrate.remaining': 0,
      'limitrate.limit': 1,
      'limitrate.algorithm': 'token-bucket',
      'limitrate.blocked_by': blocked.blockedBy!.id,
      'limitrate.retry_after_seconds': blocked.retryAfter,
    });
    // A refusal is the limiter working, not an error.
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    await limiter.close();
  });

  it('records the user id only with recordUser: true', async () => {
    const limiter = new RateLimiter({ policies: { free: { rate: { maxPerMinute: 5 } } }, tracing: opentelemetryTracing({ tracer: t.tracer, recordUser: true }) });
    await limiter.check({ userId: 'user123' });
    expect(t.named(SPAN_CHECK)[0]!.attributes['limitrate.user']).toBe('user123');
    await limiter.close();
  });

  it('skips Infinity: no limit or remaining attribute when no limit applies', async () => {
    const limiter = new RateLimiter({ policies: { free: { endpoints: { 'GET|/limited': { rate: { maxPerMinute: 1 } } } } }, tracing: opentelemetryTracing({ tracer: t.tracer }) });
    const r = await limiter.check({ userId: 'u', endpoint: 'GET|/open' });
    expect(r.limit).toBe(Infinity);
    const span = t.named(SPAN_CHECK)[0]!;
    expect(span.attributes['limitrate.result']).toBe('allowed');
    expect(span.attributes).not.toHaveProperty('limitrate.limit');
    expect(span.attributes).not.toHaveProperty('limitrate.remaining');
    await limiter.close();
  });

  it('is a child of the span active when the check starts', async () => {
    const limiter = new RateLimiter({ policies: { free: { rate: { maxPerMinute: 5 } } }, store: new AsyncStore(), tracing: opentelemetryTracing({ tracer: t.tracer }) });
    await t.tracer.startActiveSpan('outer', async (outer) => {
      await limiter.check({ userId: 'u' });
      outer.end();
    });
    const [outer] = t.named('outer');
    const [check] = t.named(SPAN_CHECK);
    expect(parentOf(check!)).toBe(outer!.spanContext().spanId);
    expect(check!.spanContext().traceId).toBe(outer!.spanContext().traceId);
    // The active span is restored after the check.
    expect(trace.getSpan(context.active())).toBeUndefined();
    await limiter.close();
  });

  it('traces store operations outside a check (record, reset) only inside a recorded span', async () => {
    const store = new AsyncStore();
    const limiter = new RateLimiter({ policies: { free: { rate: { maxPerMinute: 5 } } }, store, tracing: opentelemetryTracing({ tracer: t.tracer }) });
    await limiter.reset({ userId: 'u' });
    expect(t.named(SPAN_STORE)).toHaveLength(0);
    await t.tracer.startActiveSpan('request', async (span) => {
      await limiter.reset({ userId: 'u' });
      span.end();
    });
    const [reset] = t.named(SPAN_STORE);
    expect(reset!.attributes['limitrate.store.operation']).toBe('reset');
    expect(parentOf(reset!)).toBe(t.named('request')[0]!.spanContext().spanId);
    await limiter.close();
  });
});

describe('opentelemetryTracing: failures', () => {
  const t = useTracing();

  it('marks a check that throws (bad input) with status ERROR and the exception', async () => {
    const limiter = new RateLimiter({ policies: { free: { rate: { maxPerMinute: 5 } } }, tracing: opentelemetryTracing({ tracer: t.tracer }) });
    await expect(limiter.check({ userId: 42 as unknown as string })).rejects.toMatchObject({ code: 'ERR_LIMITRATE_INVALID_REQUEST' });
    const [check] = t.named(SPAN_CHECK);
    expect(check!.status.code).toBe(SpanStatusCode.ERROR);
    expect(check!.status.message).toMatch(/userId/);
    expect(check!.events.map((e) => e.name)).toEqual(['exception']);
    expect(check!.events[0]!.attributes).toMatchObject({ 'exception.type': 'ERR_LIMITRATE_INVALID_REQUEST' });
    const [lookup] = t.named(SPAN_POLICY_LOOKUP);
    expect(lookup!.status.code).toBe(SpanStatusCode.ERROR);
    expect(parentOf(lookup!)).toBe(check!.spanContext().spanId);
    await limiter.close();
  });

  it('marks a store failure: the store span fails, the check span is degraded with the error recorded', async () => {
    const store = new AsyncStore();
    store.fail = true;
    const limiter = new RateLimiter({ policies: { free: { rate: { maxPerMinute: 5 } } }, store, onStoreError: 'allow', tracing: opentelemetryTracing({ tracer: t.tracer }) });
    const r = await limiter.check({ userId: 'u' });
    expect(r).toMatchObject({ allowed: true, degraded: true });
    const [check] = t.named(SPAN_CHECK);
    const [storeSpan] = t.named(SPAN_STORE);
    expect(storeSpan!.status.code).toBe(SpanStatusCode.ERROR);
    expect(storeSpan!.events[0]!.attributes!['exception.message']).toMatch(/connection refused/);
    expect(parentOf(storeSpan!)).toBe(check!.spanContext().spanId);
    expect(check!.attributes).toMatchObject({ 'limitrate.degraded': true, 'limitrate.result': 'allowed', 'limitrate.reason': 'store_error' });
    expect(check!.status.code).toBe(SpanStatusCode.ERROR);
    expect(check!.events.map((e) => e.name)).toEqual(['exception']);
    await limiter.close();
  });
});

describe('opentelemetryTracing: sampling', () => {
  const t = useTracing({ sampled: false });

  it('creates no spans, and no scope, when the tracer does not sample', async () => {
    const tracing = opentelemetryTracing({ tracer: t.tracer });
    expect(tracing.startCheck!({ operation: 'check', userId: 'u', plan: undefined, endpoint: undefined, startTime: Date.now() })).toBeUndefined();
    const limiter = new RateLimiter({ policies: { free: { rate: { maxPerMinute: 1 } } }, store: new AsyncStore(), tracing });
    const a = await limiter.check({ userId: 'u' });
    const b = await limiter.check({ userId: 'u' });
    expect([a.allowed, b.allowed]).toEqual([true, false]);
    expect(t.spans()).toEqual([]);
    await limiter.close();
  });
});

describe('opentelemetryTracing: default tracer', () => {
  it('uses the global tracer provider when given no tracer', async () => {
    const t = useTracing();
    trace.setGlobalTracerProvider(t.provider);
    try {
      const limiter = new RateLimiter({ policies: { free: { rate: { maxPerMinute: 5 } } }, tracing: opentelemetryTracing() });
      await limiter.check({ userId: 'u' });
      const [check] = t.named(SPAN_CHECK);
      expect(check!.instrumentationScope.name).toBe('@limitrate/opentelemetry');
      await limiter.close();
    } finally {
      trace.disable();
    }
  });

  it('does nothing (and costs nothing) without a registered provider', async () => {
    const tracing = opentelemetryTracing();
    expect(tracing.startCheck!({ operation: 'check', userId: 'u', plan: undefined, endpoint: undefined, startTime: Date.now() })).toBeUndefined();
    await tracing.ready();
  });
});

describe('opentelemetryTracing: the global provider and the parent sampling decision', () => {
  it('picks up an SDK registered after the limiter was built, and a new one after trace.disable() (within 128 checks)', async () => {
    const limiter = new RateLimiter({ policies: { free: { rate: { maxPerMinute: 500 } } }, tracing: opentelemetryTracing() });
    await limiter.check({ userId: 'u' });
    const first = useTracingNow();
    trace.setGlobalTracerProvider(first.provider);
    try {
      for (let i = 0; i < 130; i++) await limiter.check({ userId: 'u' });
      // The registration is seen at the next look-up: 128 calls after the first check's.
      expect(first.named(SPAN_CHECK).length).toBeGreaterThanOrEqual(2);
    } finally {
      trace.disable();
    }
    const second = useTracingNow();
    trace.setGlobalTracerProvider(second.provider);
    try {
      const before = first.named(SPAN_CHECK).length;
      for (let i = 0; i < 130; i++) await limiter.check({ userId: 'u' });
      const moved = second.named(SPAN_CHECK).length;
      expect(moved).toBeGreaterThanOrEqual(2);
      expect(first.named(SPAN_CHECK).length - before + moved).toBe(130);
    } finally {
      trace.disable();
      await limiter.close();
    }
  });

  it('leaves a check inside an unsampled span untraced without asking the sampler; followParentSampling: false asks it', async () => {
    const asked: string[] = [];
    const sampler: Sampler = {
      shouldSample: (_ctx, _traceId, name) => {
        asked.push(name);
        return { decision: SamplingDecision.RECORD_AND_SAMPLED };
      },
      toString: () => 'counting',
    };
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ sampler, spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const tracer = provider.getTracer('test');
    const unsampled = trace.wrapSpanContext({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.NONE });
    const inside = trace.setSpan(ROOT_CONTEXT, unsampled);
    const follows = new RateLimiter({ policies: { free: { rate: { maxPerMinute: 50 } } }, tracing: opentelemetryTracing({ tracer }) });
    await context.with(inside, () => follows.check({ userId: 'u' }));
    expect(asked).toEqual([]);
    expect(exporter.getFinishedSpans()).toEqual([]);
    // Outside any span the sampler decides.
    await follows.check({ userId: 'u' });
    expect(asked).toEqual([SPAN_CHECK, SPAN_POLICY_LOOKUP, SPAN_STORE]);
    asked.length = 0;
    const asks = new RateLimiter({ policies: { free: { rate: { maxPerMinute: 50 } } }, tracing: opentelemetryTracing({ tracer, followParentSampling: false }) });
    await context.with(inside, () => asks.check({ userId: 'u' }));
    expect(asked[0]).toBe(SPAN_CHECK);
    const check = exporter.getFinishedSpans().filter((s) => s.name === SPAN_CHECK).at(-1)!;
    expect(check.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    await provider.shutdown();
  });
});

/** A provider with an in-memory exporter, made inside a test. */
function useTracingNow() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return { provider, named: (name: string) => exporter.getFinishedSpans().filter((s) => s.name === name) };
}
