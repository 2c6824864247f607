// The client's address: the user's getConnInfo, else what the runtime provides on its own
// (the socket on @hono/node-server, the CF-Connecting-IP header that Cloudflare sets on
// Workers), else none.
import type { Context, Env } from 'hono';
import { getRuntimeKey } from 'hono/adapter';
import type { LimitRateOptions } from './options.js';

/** Reads the client's address from a request's context. */
export type AddressOf<E extends Env> = (c: Context<E>) => string | undefined;

/** The bindings @hono/node-server passes as `c.env` (`{ incoming }`, or `{ server: { incoming } }` with other bindings). */
interface NodeBindings {
  incoming?: { socket?: { remoteAddress?: unknown } };
  server?: { incoming?: { socket?: { remoteAddress?: unknown } } };
}

function nodeSocketAddress(env: unknown): string | undefined {
  if (typeof env !== 'object' || env === null) return undefined;
  const b = env as NodeBindings;
  const a = (b.incoming ?? b.server?.incoming)?.socket?.remoteAddress;
  return typeof a === 'string' ? a : undefined;
}

/**
 * How this middleware learns client addresses: from `getConnInfo` when given (an address
 * that is not a string counts as none), else from the runtime.
 *
 * @example
 * ```ts
 * const addressOf = addressReader({ policies, getConnInfo });
 * addressOf(c); // '203.0.113.7'
 * ```
 */
export function addressReader<E extends Env>(options: Pick<LimitRateOptions<E>, 'getConnInfo'>): AddressOf<E> {
  const getConnInfo = options.getConnInfo;
  if (getConnInfo !== undefined) {
    return function connInfoAddress(c) {
      const a = getConnInfo(c)?.remote?.address;
      return typeof a === 'string' && a !== '' ? a : undefined;
    };
  }
  if (getRuntimeKey() === 'workerd') {
    // Cloudflare sets CF-Connecting-IP on every request that reaches a Worker, replacing any the client sent.
    return function cloudflareAddress(c) {
      return c.req.header('cf-connecting-ip') || undefined;
    };
  }
  return function socketAddress(c) {
    return nodeSocketAddress(c.env);
  };
}
