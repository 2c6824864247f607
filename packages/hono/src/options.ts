// The options of `limitrate()` in Hono: core's HTTP options with the Hono context as the
// request, plus `getConnInfo`, the runtime's way to learn the client's address.
import type { HttpLimiterOptions } from '@limitrate/core';
import type { Context, Env } from 'hono';
import type { ConnInfo } from 'hono/conninfo';

/**
 * Options of `limitrate()`. Every callback receives the Hono context `c`; `extractTokenUsage`
 * receives the response (`c.res`) and `c`. The same names mean the same as in
 * @limitrate/express.
 *
 * @example
 * ```ts
 * import { getConnInfo } from '@hono/node-server/conninfo';
 *
 * const options: LimitRateOptions = {
 *   getConnInfo,
 *   identifyUser: (c) => c.req.header('x-api-key') ?? 'anonymous',
 *   policies: { free: { rate: { maxPerMinute: 60 } } },
 * };
 * ```
 */
export interface LimitRateOptions<E extends Env = Env> extends HttpLimiterOptions<Context<E>, Response> {
  /**
   * Where the client's address comes from: the `getConnInfo` of your runtime's Hono
   * adapter (`@hono/node-server/conninfo`, `hono/bun`, `hono/deno`, `hono/vercel`,
   * `@hono/cloudflare-workers`), or your own `(c) => ({ remote: { address } })`. Without
   * it: the socket on @hono/node-server, `CF-Connecting-IP` on Cloudflare Workers, and no
   * address elsewhere (every client is then counted as one unless `identifyUser` names it).
   */
  getConnInfo?: (c: Context<E>) => ConnInfo;
}

/**
 * What `limitrate()` takes: options, or a function building them from the first request's
 * context (called once).
 *
 * @example
 * ```ts
 * const fromEnv: LimitRateInput<{ Bindings: { UPSTASH_REDIS_REST_URL: string } }> = (c) => ({
 *   store: { type: 'upstash', url: c.env.UPSTASH_REDIS_REST_URL },
 *   policies: { free: { rate: { maxPerMinute: 60 } } },
 * });
 * ```
 */
export type LimitRateInput<E extends Env = Env> = LimitRateOptions<E> | ((c: Context<E>) => LimitRateOptions<E>);
