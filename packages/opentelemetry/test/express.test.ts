// End to end: a real Express 5 app on 127.0.0.1 with @limitrate/express and `tracing`, an
// outer request span opened by a small middleware, and rate_limit_check as its child, with
// the store round trip (across an await) under the check.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, SpanKind, trace } from '@opentelemetry/api';
import { limitrate } from '@limitrate/express';
import express, { type NextFunction, type Request, type Response } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { opentelemetryTracing, SPAN_CHECK, SPAN_POLICY_LOOKUP, SPAN_STORE } from '../src/index.js';
import { AsyncStore, parentOf, useContextManager, useTracing } from './helpers.js';

useContextManager();

describe('Express 5 request traced end to end', () => {
  const t = useTracing();
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
  });

  /** The test's stand-in for HTTP instrumentation: a SERVER span per request, active for the rest of the chain. */
  function requestSpan(req: Request, res: Response, next: NextFunction): void {
    const span = t.tracer.startSpan(`${req.method} ${req.path}`, { kind: SpanKind.SERVER });
    res.on('finish', () => span.end());
    context.with(trace.setSpan(context.active(), span), next);
  }

  async function listen(app: express.Express): Promise<string> {
    const server = createServer(app);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async function spansOf(name: string, count: number) {
    for (let i = 0; i < 100 && t.named(name).length < count; i++) await new Promise((r) => setTimeout(r, 10));
    return t.named(name);
  }

  it('makes rate_limit_check a child of the request span, for allowed and blocked requests', async () => {
    const app = express();
    app.use(requestSpan);
    app.use(limitrate({ store: new AsyncStore(), policies: { free: { rate: { maxPerMinute: 1 } } }, tracing: opentelemetryTracing({ tracer: t.tracer }) }));
    app.get('/api/chat', (_req, res) => {
      res.json({ ok: true });
    });
    const base = await listen(app);
    const first = await fetch(`${base}/api/chat`);
    const second = await fetch(`${base}/api/chat`);
    expect([first.status, second.status]).toEqual([200, 429]);

    const requests = await spansOf('GET /api/chat', 2);
    const checks = t.named(SPAN_CHECK);
    expect(requests).toHaveLength(2);
    expect(checks).toHaveLength(2);
    for (const [i, check] of checks.entries()) {
      const request = requests.find((r) => r.spanContext().spanId === parentOf(check));
      expect(request, `check ${i} parent`).toBeDefined();
      expect(check.spanContext().traceId).toBe(request!.spanContext().traceId);
      expect(check.attributes).toMatchObject({ 'limitrate.plan': 'free', 'limitrate.endpoint': 'GET|/api/chat', 'limitrate.result': i === 0 ? 'allowed' : 'blocked', 'limitrate.limit': 1, 'limitrate.remaining': 0 });
      // Its children: the policy lookup, and the store round trip that finished after an await.
      const children = t.spans().filter((s) => parentOf(s) === check.spanContext().spanId).map((s) => s.name).sort();
      expect(children).toEqual([SPAN_POLICY_LOOKUP, SPAN_STORE].sort());
    }
    // Different requests, different traces.
    expect(checks[0]!.spanContext().traceId).not.toBe(checks[1]!.spanContext().traceId);
  });
});
