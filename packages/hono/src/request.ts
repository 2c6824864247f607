// The request as core's HTTP layer sees it: method, path, route template, the client's
// address, X-Forwarded-For (read only when proxies are trusted) and, for in-flight limits,
// the request's abort signal.
import type { HttpRequestInfo } from '@limitrate/core';
import type { Context, Env } from 'hono';
import type { AddressOf } from './address.js';
import { routeTemplate } from './route.js';

/** What the description needs to know about the middleware's configuration. */
export interface Describer<E extends Env> {
  addressOf: AddressOf<E>;
  /** X-Forwarded-For may be consulted (`trustProxy` or `trustedProxyCount`). */
  forwarded: boolean;
  /** Pass the request's abort signal (some endpoint has an in-flight limit). */
  signals: boolean;
  /** Called when reading the address throws; the request then has none. */
  onAddressError(error: unknown): void;
}

/**
 * Describes a request for `HttpLimiter.decide`.
 *
 * @example
 * ```ts
 * const info = describeRequest(c, { addressOf, forwarded: false, signals: false, onAddressError: () => {} });
 * const decision = await http.decide(info);
 * ```
 */
export function describeRequest<E extends Env>(c: Context<E>, d: Describer<E>): HttpRequestInfo<Context<E>> {
  let remoteAddress: string | undefined;
  try {
    remoteAddress = d.addressOf(c);
  } catch (error) {
    d.onAddressError(error);
  }
  return {
    method: c.req.method,
    path: c.req.path,
    route: routeTemplate(c),
    remoteAddress,
    forwardedFor: d.forwarded ? c.req.header('x-forwarded-for') : undefined,
    raw: c,
    signal: d.signals ? c.req.raw.signal : undefined,
  };
}
