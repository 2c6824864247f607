// The /metrics endpoint for every framework from one function: it looks at what it is
// called with. (req, res) from Express or node:http, (request, reply) from Fastify, a Hono
// context, or a fetch Request (Next.js route handlers, Workers) answered with a Response.
import type { Registry } from 'prom-client';

interface NodeRes {
  setHeader(name: string, value: string): unknown;
  end(body: string): unknown;
  statusCode: number;
}
interface FastifyReply {
  header(name: string, value: string): FastifyReply;
  code(status: number): FastifyReply;
  send(body: string): unknown;
  raw: unknown;
}
interface HonoContext {
  req: { raw: unknown };
  body(data: string, status: number, headers: Record<string, string>): Response;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/**
 * A handler serving a registry's text exposition. Works as an Express or node:http
 * handler, a Fastify handler, a Hono handler and a fetch handler (Next.js `GET`).
 *
 * @example
 * ```ts
 * app.get('/metrics', metricsHandler(register));
 * ```
 */
export function metricsHandler(registry: () => Registry) {
  return async function limitrateMetrics(a: unknown, b?: unknown): Promise<Response | undefined> {
    const reg = registry();
    let body: string;
    let status = 200;
    try {
      body = await reg.metrics();
    } catch (error) {
      status = 500;
      body = `# metrics could not be collected: ${error instanceof Error ? error.message : String(error)}\n`;
    }
    const type = status === 200 ? reg.contentType : 'text/plain; charset=utf-8';
    if (isObject(b) && typeof b.send === 'function' && typeof b.header === 'function' && 'raw' in b) {
      (b as unknown as FastifyReply).code(status).header('content-type', type).send(body);
      return undefined;
    }
    if (isObject(b) && typeof b.setHeader === 'function' && typeof b.end === 'function') {
      const res = b as unknown as NodeRes;
      res.statusCode = status;
      res.setHeader('Content-Type', type);
      res.end(body);
      return undefined;
    }
    if (isObject(a) && isObject(a.req) && typeof a.body === 'function') return (a as unknown as HonoContext).body(body, status, { 'Content-Type': type });
    return new Response(body, { status, headers: { 'Content-Type': type } });
  };
}
