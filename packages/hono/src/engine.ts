// What one middleware runs on: core's HttpLimiter built from the options (with an Upstash
// store from the configuration built here), and how requests are described to it.
import { CallbackError, ConfigError, HttpLimiter, systemClock, validateConfig, type LimitRateError } from '@limitrate/core';
import type { Context, Env } from 'hono';
import { env as envOf, getRuntimeKey } from 'hono/adapter';
import { addressReader } from './address.js';
import type { LimitRateOptions } from './options.js';
import type { Describer } from './request.js';
import { isUpstashConfig, storeConfigIssues, upstashStore, type ConfiguredStore, type EnvRecord } from './upstash.js';

/** A middleware's limiter and what it needs per request. */
export interface Engine<E extends Env> {
  http: HttpLimiter<Context<E>, Response>;
  describer: Describer<E>;
  /** The store built here from `store: { type: 'upstash' }` (closed with the middleware). */
  store: ConfiguredStore['store'] | undefined;
  /** Hands a request's env to a store that waits for its credentials; cleared after the first call. */
  bind: ((c: Context<E>) => void) | undefined;
}

function badConnInfo(value: unknown): ConfigError {
  return new ConfigError([
    {
      path: 'getConnInfo',
      code: 'ERR_LIMITRATE_INVALID_CONFIG',
      message: `must be a function, got ${value === null ? 'null' : typeof value}`,
      hint: "Pass the getConnInfo of your runtime's Hono adapter (on Node.js, the one of @hono/node-server/conninfo)",
    },
  ]);
}

/**
 * Builds the limiter of `options`. `c` is the request the options were built for (the
 * function form of `limitrate`), whose env supplies Upstash credentials left out.
 *
 * @example
 * ```ts
 * const engine = createEngine({ policies: { free: { rate: { maxPerMinute: 10 } } } }, undefined);
 * const decision = await engine.http.decide(describeRequest(c, engine.describer));
 * ```
 */
export function createEngine<E extends Env>(options: LimitRateOptions<E>, c: Context<E> | undefined): Engine<E> {
  // Not an object (from JavaScript): core's validation throws its ConfigError.
  if (typeof options !== 'object' || options === null) validateConfig(options);
  const { getConnInfo, ...rest } = options;
  if (getConnInfo !== undefined && typeof getConnInfo !== 'function') throw badConnInfo(getConnInfo);
  let configured: ConfiguredStore | undefined;
  const store = rest.store;
  if (isUpstashConfig(store)) {
    const issues = storeConfigIssues(store);
    if (issues.length > 0) throw new ConfigError(issues);
    const incomplete = store.client === undefined && (store.url === undefined || store.token === undefined);
    const env = c === undefined ? undefined : (envOf(c) as EnvRecord | undefined);
    configured = upstashStore(store, rest.clock, env, c === undefined && incomplete && getRuntimeKey() === 'workerd');
  }
  let http: HttpLimiter<Context<E>, Response>;
  try {
    http = new HttpLimiter<Context<E>, Response>(configured === undefined ? rest : { ...rest, store: configured.store });
  } catch (error) {
    void configured?.store.close();
    throw error;
  }
  let bind: Engine<E>['bind'];
  const waiting = configured?.bind;
  if (waiting !== undefined) {
    bind = (ctx) => {
      bind = undefined;
      waiting(envOf(ctx) as EnvRecord | undefined);
    };
  }
  const engine: Engine<E> = {
    ...engineOf(http, options),
    store: configured?.store,
    get bind() {
      return bind;
    },
  };
  return engine;
}

function engineOf<E extends Env>(http: HttpLimiter<Context<E>, Response>, options: LimitRateOptions<E>): Pick<Engine<E>, 'http' | 'describer'> {
  const clock = options.clock ?? systemClock;
  return {
    http,
    describer: {
      addressOf: addressReader(options),
      forwarded: http.readsForwardedFor,
      signals: http.hasInFlightLimits,
      onAddressError(error) {
        const e: LimitRateError = new CallbackError('getConnInfo', `threw: ${error instanceof Error ? error.message : String(error)}`, { cause: error, hint: "Pass the getConnInfo of the runtime the app runs on (e.g. '@hono/node-server/conninfo' on Node.js)" });
        http.events.emit({ type: 'callback_error', timestamp: clock.now(), user: '', plan: '', endpoint: '', callback: 'getConnInfo', error: e, fallback: 'used no client address' });
      },
    },
  };
}
