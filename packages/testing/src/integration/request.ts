// The supertest-like client of an integration test: `request.post(path).set(...).send(...)`,
// awaited, over node:http (any header, any method with a body), one connection a request.
import { request as httpRequest } from 'node:http';
import { RequestError } from '@limitrate/core';
import type {
  IntegrationClient,
  IntegrationHeaderValue,
  IntegrationQueryValue,
  IntegrationRequestBuilder,
  IntegrationResponse,
} from './types.js';

/** No request waits longer than this for its answer, unless told otherwise. */
const DEFAULT_TIMEOUT_MS = 10_000;

const TYPES: Readonly<Record<string, string>> = {
  json: 'application/json',
  text: 'text/plain; charset=utf-8',
  form: 'application/x-www-form-urlencoded',
  urlencoded: 'application/x-www-form-urlencoded',
  html: 'text/html; charset=utf-8',
};

/** Reads a response's body: JSON for a JSON content type (the text when it does not parse), else the text. */
export function readBody(text: string, contentType: string | undefined): unknown {
  if (text !== '' && contentType !== undefined && /\bjson\b/i.test(contentType)) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

class Builder implements IntegrationRequestBuilder {
  private readonly headers = new Map<string, { name: string; value: string | string[] }>();
  private readonly params = new URLSearchParams();
  private body: unknown = undefined;
  private ms = DEFAULT_TIMEOUT_MS;
  private sent: Promise<IntegrationResponse> | undefined;

  constructor(
    private readonly base: () => Promise<string>,
    private readonly method: string,
    private readonly path: string,
  ) {}

  set(name: string | Readonly<Record<string, IntegrationHeaderValue>>, value?: IntegrationHeaderValue): IntegrationRequestBuilder {
    if (typeof name === 'object') {
      for (const [k, v] of Object.entries(name)) this.set(k, v);
      return this;
    }
    if (value === undefined) return this;
    this.headers.set(name.toLowerCase(), { name, value: typeof value === 'object' ? [...value] : String(value) });
    return this;
  }

  send(body: unknown): IntegrationRequestBuilder {
    this.body = body;
    return this;
  }

  query(params: Readonly<Record<string, IntegrationQueryValue>> | string): IntegrationRequestBuilder {
    if (typeof params === 'string') {
      for (const [k, v] of new URLSearchParams(params)) this.params.append(k, v);
      return this;
    }
    for (const [k, v] of Object.entries(params)) {
      for (const one of Array.isArray(v) ? (v as readonly (string | number | boolean)[]) : [v as string | number | boolean]) this.params.append(k, String(one));
    }
    return this;
  }

  type(contentType: string): IntegrationRequestBuilder {
    return this.set('Content-Type', TYPES[contentType] ?? contentType);
  }

  timeout(ms: number): IntegrationRequestBuilder {
    this.ms = ms;
    return this;
  }

  then<A = IntegrationResponse, B = never>(onfulfilled?: ((value: IntegrationResponse) => A | PromiseLike<A>) | null, onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
    this.sent ??= this.run();
    return this.sent.then(onfulfilled, onrejected);
  }

  catch<T = never>(onrejected?: ((reason: unknown) => T | PromiseLike<T>) | null): Promise<IntegrationResponse | T> {
    return this.then(undefined, onrejected);
  }

  finally(onfinally?: (() => void) | null): Promise<IntegrationResponse> {
    return this.then().finally(onfinally);
  }

  /** The body's bytes, setting the content type when none is set. */
  private payload(): Buffer | undefined {
    const body = this.body;
    if (body === undefined) return undefined;
    const type = this.headers.get('content-type')?.value;
    const contentType = Array.isArray(type) ? type[0] : type;
    if (body instanceof Uint8Array) return Buffer.from(body);
    if (typeof body === 'string') {
      if (contentType === undefined) this.set('Content-Type', TYPES.text!);
      return Buffer.from(body);
    }
    if (contentType !== undefined && /x-www-form-urlencoded/i.test(contentType) && typeof body === 'object' && body !== null) {
      const form = new URLSearchParams();
      for (const [k, v] of Object.entries(body)) form.append(k, String(v));
      return Buffer.from(form.toString());
    }
    if (contentType === undefined) this.set('Content-Type', TYPES.json!);
    return Buffer.from(JSON.stringify(body));
  }

  private async run(): Promise<IntegrationResponse> {
    if (!this.path.startsWith('/')) {
      throw new RequestError(`request.${this.method.toLowerCase()}(${JSON.stringify(this.path)}): the path must start with "/"`, "Pass the path and query of the app's URL, e.g. '/api/chat?x=1'");
    }
    const url = new URL(this.path, await this.base());
    for (const [k, v] of this.params) url.searchParams.append(k, v);
    const payload = this.payload();
    const headers: Record<string, string | string[]> = {};
    for (const { name, value } of this.headers.values()) headers[name] = value;
    if (payload !== undefined) headers['Content-Length'] = String(payload.length);
    return new Promise<IntegrationResponse>((resolve, reject) => {
      const req = httpRequest(
        { host: url.hostname, port: url.port, path: url.pathname + url.search, method: this.method, headers, agent: false, timeout: this.ms },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.once('error', reject);
          res.once('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const out: Record<string, string> = {};
            for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
            resolve({ status: res.statusCode ?? 0, headers: out, body: readBody(text, out['content-type']), text });
          });
        },
      );
      req.once('timeout', () => req.destroy(new RequestError(`${this.method} ${this.path} got no answer within ${this.ms} ms`, 'Check that the route answers (or raise .timeout(ms))')));
      req.once('error', reject);
      req.end(payload);
    });
  }
}

/**
 * A supertest-like client for the app whose base URL `base` resolves with (asked on each
 * request, so the app may start on the first one).
 */
export function createClient(base: () => Promise<string>): IntegrationClient {
  const make = (method: string) => (path: string) => new Builder(base, method, path);
  return { get: make('GET'), post: make('POST'), put: make('PUT'), patch: make('PATCH'), delete: make('DELETE'), head: make('HEAD'), options: make('OPTIONS') };
}
