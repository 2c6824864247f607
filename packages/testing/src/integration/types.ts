// Public types of createIntegrationTest: the options, the framework-neutral request and
// response that callbacks and routes see, and the supertest-like client.
import type { HttpLimiterOptions, RateLimiter, RateLimitInfo, StoreOption } from '@limitrate/core';

/**
 * The frameworks an integration test can stand up, each with its LimitRate adapter.
 *
 * @example
 * ```ts
 * const framework: IntegrationFramework = process.env.FRAMEWORK === 'hono' ? 'hono' : 'express';
 * ```
 */
export type IntegrationFramework = 'express' | 'fastify' | 'hono' | 'nextjs';

/**
 * The HTTP methods of routes and of the client.
 *
 * @example
 * ```ts
 * const method: IntegrationMethod = 'POST';
 * ```
 */
export type IntegrationMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';

/**
 * A request as the adapter's callbacks (`identifyUser`, `identifyPlan`, `skip`,
 * `estimateCost`, ...) and the routes of an integration test see it, whatever the framework.
 *
 * @example
 * ```ts
 * createIntegrationTest({
 *   framework: 'fastify',
 *   identifyUser: (req) => req.headers['x-api-key'] ?? req.ip ?? 'anonymous',
 *   policies: { free: { rate: { maxPerMinute: 10 } } },
 * });
 * ```
 */
export interface IntegrationRequest {
  method: string;
  /** The URL path, without the query. */
  path: string;
  /** Path and query, as sent. */
  url: string;
  /** Header names in lower case; repeated headers joined with `', '`. */
  headers: Record<string, string>;
  /** Query parameters; a repeated parameter gives an array. */
  query: Record<string, string | string[]>;
  /** The body: parsed JSON for a JSON content type, else the text; undefined when empty. */
  body: unknown;
  /** The client address the server saw (127.0.0.1 for the test client). */
  ip: string | undefined;
  /** The framework's own request: Express `req`, Fastify `request`, Hono `c`, Next.js `NextRequest`. */
  raw: unknown;
}

/**
 * What a route handler of an integration test receives.
 *
 * @example
 * ```ts
 * const route: IntegrationRouteHandler = (req: IntegrationRouteRequest) => ({ body: { id: req.params.id, left: req.rateLimit?.remaining } });
 * ```
 */
export interface IntegrationRouteRequest extends IntegrationRequest {
  /** Route parameters (`:id` in `'GET /users/:id'`). */
  params: Record<string, string>;
  /** The decision the adapter exposed to the handler (`req.rateLimit`, `c.get('rateLimit')`, `rateLimitInfo(request)`). */
  rateLimit: RateLimitInfo | undefined;
}

/**
 * A response as `extractTokenUsage(res, req)` sees it in an integration test.
 *
 * @example
 * ```ts
 * const extractTokenUsage = (res: IntegrationResponseView) => Number(res.headers['x-tokens-used'] ?? 0);
 * ```
 */
export interface IntegrationResponseView {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  /** The framework's own response object (Express `res`, Fastify `reply`, a `Response` for Hono and Next.js). */
  raw: unknown;
}

/**
 * What a route handler answers. `body`: a string is sent as text, a Uint8Array as bytes,
 * anything else as JSON; undefined sends no body. A `content-type` in `headers` wins.
 *
 * @example
 * ```ts
 * const created: IntegrationRouteResult = { status: 201, headers: { location: '/items/1' }, body: { id: 1 } };
 * ```
 */
export interface IntegrationRouteResult {
  /** Default 200. */
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/**
 * A route of an integration test, for any framework.
 *
 * @example
 * ```ts
 * const routes: Record<string, IntegrationRouteHandler> = {
 *   'GET /users/:id': (req) => ({ body: { id: req.params.id } }),
 *   'POST /upload': () => ({ status: 413, body: 'too large' }),
 * };
 * ```
 */
export type IntegrationRouteHandler = (request: IntegrationRouteRequest) => IntegrationRouteResult | Promise<IntegrationRouteResult>;

/**
 * `store` of an integration test: `'memory'` (the default), `'redis'` or `'upstash'` (in-memory
 * mock clients from this package), a core `Store` instance, or any store configuration core
 * accepts (`{ type: 'redis', url }`, `{ client }`, ...).
 *
 * @example
 * ```ts
 * const store: IntegrationStore = process.env.CI ? 'redis' : 'memory';
 * ```
 */
export type IntegrationStore = 'memory' | 'redis' | 'upstash' | StoreOption;

/**
 * Options of {@link createIntegrationTest}: the framework, the adapter's options (callbacks
 * receive an {@link IntegrationRequest}), the store, and routes of your own.
 *
 * @example
 * ```ts
 * const options: IntegrationTestOptions = {
 *   framework: 'nextjs',
 *   identifyPlan: (req) => req.headers['x-plan'] ?? 'free',
 *   policies: { free: { rate: { maxPerMinute: 10 } } },
 *   routes: { 'GET /health': () => ({ body: 'ok' }) },
 * };
 * ```
 */
export interface IntegrationTestOptions extends Omit<HttpLimiterOptions<IntegrationRequest, IntegrationResponseView>, 'store'> {
  framework: IntegrationFramework;
  /** Default `'memory'`. */
  store?: IntegrationStore;
  /**
   * Handlers by `'METHOD /path'` (`'GET /users/:id'`), before the default route, which
   * answers every other method and path with 200 and an {@link IntegrationEcho}.
   */
  routes?: Readonly<Record<string, IntegrationRouteHandler>>;
  /**
   * Options only one adapter knows, passed to it as they are: Fastify's `hook`, Next.js's
   * `routes`, Hono's `getConnInfo` (callbacks there get the framework's own objects).
   */
  adapterOptions?: Readonly<Record<string, unknown>>;
  /**
   * Directory to load the adapter and the framework from (default: the test file's
   * directory, then the working directory). Pass `import.meta.dirname` when they are installed
   * elsewhere.
   */
  root?: string;
}

/**
 * The decision as the default route echoes it (JSON: no Infinity, dates as ISO strings).
 *
 * @example
 * ```ts
 * const left = (response.body as IntegrationEcho).rateLimit?.remaining; // IntegrationRateLimit | null
 * ```
 */
export interface IntegrationRateLimit {
  /** null when no limit applies. */
  limit: number | null;
  used: number;
  /** null when no limit applies. */
  remaining: number | null;
  /** Seconds until the limit that matters most is fully available again. */
  reset: number;
  resetTime: string | null;
  policy: string;
  rule: string | null;
  user: string;
  plan: string;
  endpoint: string;
}

/**
 * The JSON body of the default route.
 *
 * @example
 * ```ts
 * const echo = (await test.request.get('/api/items').query({ page: 2 })).body as IntegrationEcho;
 * expect(echo.query).toEqual({ page: '2' });
 * ```
 */
export interface IntegrationEcho {
  ok: true;
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  headers: Record<string, string>;
  body: unknown;
  /** What the adapter exposed to the handler; null when it exposed nothing. */
  rateLimit: IntegrationRateLimit | null;
}

/**
 * A response read whole by the integration client.
 *
 * @example
 * ```ts
 * const response: IntegrationResponse = await test.request.get('/api/items');
 * expect(response.headers['ratelimit-remaining']).toBe('9');
 * ```
 */
export interface IntegrationResponse {
  status: number;
  /** Header names in lower case; repeated headers (Set-Cookie included) joined with `', '`. */
  headers: Record<string, string>;
  /** Parsed JSON when the content type is JSON, else the text (`''` for no body). */
  body: unknown;
  text: string;
}

/**
 * A header value the client sends.
 *
 * @example
 * ```ts
 * await test.request.get('/').set('X-Count', 3).set('X-List', ['a', 'b']);
 * ```
 */
export type IntegrationHeaderValue = string | number | readonly string[];

/**
 * A query value the client sends; an array repeats the parameter.
 *
 * @example
 * ```ts
 * await test.request.get('/search').query({ q: 'cats', tag: ['a', 'b'], page: 2 }); // ?q=cats&tag=a&tag=b&page=2
 * ```
 */
export type IntegrationQueryValue = string | number | boolean | readonly (string | number | boolean)[];

/**
 * A request being built: chain `.set()`, `.send()`, `.query()`, then await it.
 *
 * @example
 * ```ts
 * const response = await test.request.post('/api/chat').set('Authorization', 'Bearer t').send({ message: 'Hello' }).timeout(2_000);
 * ```
 */
export interface IntegrationRequestBuilder extends PromiseLike<IntegrationResponse> {
  /** Sets a header (`.set('Authorization', 'Bearer x')`) or several (`.set({ ... })`). */
  set(name: string, value: IntegrationHeaderValue): IntegrationRequestBuilder;
  set(headers: Readonly<Record<string, IntegrationHeaderValue>>): IntegrationRequestBuilder;
  /** The body: objects as JSON, strings as text (unless a content type is set), bytes as they are. */
  send(body: unknown): IntegrationRequestBuilder;
  /** Adds query parameters (an object, or a string like `'a=1&b=2'`). */
  query(params: Readonly<Record<string, IntegrationQueryValue>> | string): IntegrationRequestBuilder;
  /** Sets the content type: `'json'`, `'text'`, `'form'` or a full media type. */
  type(contentType: string): IntegrationRequestBuilder;
  /** Gives up after this many milliseconds (default 10,000). */
  timeout(ms: number): IntegrationRequestBuilder;
  catch<T = never>(onrejected?: ((reason: unknown) => T | PromiseLike<T>) | null): Promise<IntegrationResponse | T>;
  finally(onfinally?: (() => void) | null): Promise<IntegrationResponse>;
}

/**
 * The supertest-like client of an integration test.
 *
 * @example
 * ```ts
 * const { status } = await test.request.delete('/api/items/1');
 * ```
 */
export interface IntegrationClient {
  get(path: string): IntegrationRequestBuilder;
  post(path: string): IntegrationRequestBuilder;
  put(path: string): IntegrationRequestBuilder;
  patch(path: string): IntegrationRequestBuilder;
  delete(path: string): IntegrationRequestBuilder;
  head(path: string): IntegrationRequestBuilder;
  options(path: string): IntegrationRequestBuilder;
}

/**
 * What {@link createIntegrationTest} returns.
 *
 * @example
 * ```ts
 * const test = createIntegrationTest({ framework: 'hono', policies: { free: { rate: { maxPerMinute: 10 } } } });
 * afterAll(() => test.close());
 * const url = await test.start(); // http://127.0.0.1:<port>
 * ```
 */
export interface IntegrationTest {
  readonly framework: IntegrationFramework;
  /** Requests to the app; the first one starts it. */
  readonly request: IntegrationClient;
  /** Base URL (`http://127.0.0.1:<port>`) once started, else undefined. */
  readonly url: string | undefined;
  /** The adapter's limiter once started (for `reset`, `peek`, `events`), else undefined. */
  readonly limiter: RateLimiter<unknown> | undefined;
  /** Starts the app now (requests do it on their own); resolves with its URL. */
  start(): Promise<string>;
  /** Stops the server and the limiter. Requests made after it reject with ERR_LIMITRATE_CLOSED. */
  close(): Promise<void>;
}
