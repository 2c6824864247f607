// What each framework's driver implements: which packages it needs, where a framework
// request's node request is, and how to stand up an app with the adapter in front.
import type { IncomingMessage } from 'node:http';
import { ConfigError, type RateLimiter, type RateLimitInfo } from '@limitrate/core';
import type { Bodies } from '../node.js';
import type { Route } from '../routes.js';
import type { IntegrationRouteHandler, IntegrationRouteRequest } from '../types.js';

/** What a driver is given to start an app. */
export interface StartContext {
  /** The adapter package's exports. */
  adapter: Record<string, unknown>;
  /** Loads a framework module, from the adapter's directory first; throws a coded error naming the package when missing. */
  load(name: string): Record<string, unknown>;
  /** The adapter's options (callbacks already take the framework's objects). */
  options: Record<string, unknown>;
  routes: readonly Route[];
  /** The route answering everything the routes do not. */
  fallback: IntegrationRouteHandler;
  bodies: Bodies;
  /** What a route handler receives. */
  routeRequest(incoming: IncomingMessage | undefined, raw: unknown, params: Record<string, string>, rateLimit: RateLimitInfo | undefined): IntegrationRouteRequest;
}

/** A started app. */
export interface Started {
  url: string;
  limiter: RateLimiter<unknown> | undefined;
  /** Stops the server, then the adapter's limiter. */
  close(): Promise<void>;
}

/** A framework and its adapter. */
export interface Driver {
  /** `@limitrate/express`... */
  adapterPackage: string;
  /** The command that installs what this driver needs. */
  install: string;
  /** The node request under a request the adapter's callbacks get. */
  incomingOf(raw: unknown): IncomingMessage | undefined;
  start(ctx: StartContext): Promise<Started>;
}

/** A function export of a module; a coded error naming the package when it has none (an outdated install). */
export function exported<T>(module: Record<string, unknown>, name: string, from: string): T {
  const value = module[name] ?? (module.default as Record<string, unknown> | undefined)?.[name];
  if (typeof value !== 'function') {
    throw new ConfigError([
      { path: 'framework', code: 'ERR_LIMITRATE_INVALID_CONFIG', message: `the installed ${from} has no export "${name}"`, hint: `Update ${from} to a version this @limitrate/testing supports` },
    ]);
  }
  return value as T;
}

/** Params as strings (frameworks give `Record<string, string>`, sometimes undefined). */
export function paramsOf(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof value !== 'object' || value === null) return out;
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}
