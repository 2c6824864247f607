// `store: { type: 'upstash', ... }` in a Hono app. Core loads a store named in the
// configuration by a name bundlers cannot see, which works in Node but not in a bundled
// Worker. Here @limitrate/upstash is imported by its literal name, so wrangler (esbuild)
// bundles it when it is installed; and on Workers, where secrets live in each request's
// `env`, a URL or token missing from the configuration is taken from the first request's
// env (UPSTASH_REDIS_REST_URL / _TOKEN, or KV_REST_API_URL / _TOKEN).
import { ConfigError, DeferredStore, validateConfig, type Clock, type ConfigIssue, type Store, type StoreOption, type UpstashStoreConfig } from '@limitrate/core';

/** Environment variables or Worker bindings, by name. */
export type EnvRecord = Readonly<Record<string, unknown>>;

const URL_NAMES = ['UPSTASH_REDIS_REST_URL', 'KV_REST_API_URL'] as const;
const TOKEN_NAMES = ['UPSTASH_REDIS_REST_TOKEN', 'KV_REST_API_TOKEN'] as const;
/** A valid policy set, so that validating a store configuration reports the store's issues alone. */
const PROBE = { free: { rate: { maxPerMinute: 1 } } };

type StoreClass = new (options: Record<string, unknown>) => Store;

/** An Upstash store built from the configuration, and how to hand it a request's env. */
export interface ConfiguredStore {
  store: DeferredStore;
  /** Set when the store waits for the first request's env to learn its URL or token. */
  bind: ((env: EnvRecord | undefined) => void) | undefined;
}

/**
 * Whether `store` names the Upstash store by configuration (not an instance).
 *
 * @example
 * ```ts
 * isUpstashConfig({ type: 'upstash', url }); // true
 * isUpstashConfig(new UpstashStore({ url, token })); // false
 * ```
 */
export function isUpstashConfig(store: StoreOption | undefined): store is UpstashStoreConfig {
  if (typeof store !== 'object' || store === null) return false;
  return typeof (store as { consume?: unknown }).consume !== 'function' && (store as { type?: unknown }).type === 'upstash';
}

/**
 * The problems core finds with a store configuration, alone (`[]` when it is valid).
 *
 * @example
 * ```ts
 * storeConfigIssues({ type: 'upstash', token: 42 }); // [{ path: 'store.token', ... }]
 * ```
 */
export function storeConfigIssues(store: unknown): readonly ConfigIssue[] {
  try {
    validateConfig({ policies: PROBE, store });
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
}

/** Replaced by the build (tsup.config.ts) and the tests: true in the CommonJS build only. */
declare const __LIMITRATE_CJS__: boolean;
/** CommonJS's require, used only in the CommonJS build. */
declare const require: (id: string) => Record<string, unknown>;

/**
 * Loads @limitrate/upstash: by require in the CommonJS build (so that it runs on this very
 * copy of core, with one set of error classes), by import() in the ESM build. The `.catch`
 * (which only passes the error on) lets esbuild build a bundle without the package.
 */
function importUpstash(): Promise<Record<string, unknown>> {
  if (__LIMITRATE_CJS__) return Promise.resolve().then(() => require('@limitrate/upstash'));
  return import('@limitrate/upstash').catch((error: unknown) => {
    throw error;
  }) as Promise<Record<string, unknown>>;
}

function pick(env: EnvRecord, names: readonly string[]): string | undefined {
  for (const name of names) {
    const v = env[name];
    if (typeof v === 'string' && v !== '') return v;
  }
  return undefined;
}

/** The store's options with the URL and token the configuration leaves out taken from `env`. */
function withCredentials(options: Record<string, unknown>, env: EnvRecord | undefined): Record<string, unknown> {
  if (env === undefined || options.client !== undefined) return options;
  const url = options.url ?? pick(env, URL_NAMES);
  const token = options.token ?? pick(env, TOKEN_NAMES);
  return { ...options, ...(url === undefined ? {} : { url }), ...(token === undefined ? {} : { token }) };
}

/**
 * The Upstash store of a configuration, loaded in the background as core would, but by a
 * name bundlers follow. Its URL and token come from the configuration, else from `env`,
 * else (with `waitForEnv`) from the env handed to `bind` by the first request, else from
 * `process.env` where there is one. A missing package or bad options surface as a
 * ConfigError from the limiter, as in core.
 *
 * @example
 * ```ts
 * const { store, bind } = upstashStore({ type: 'upstash' }, undefined, undefined, true);
 * bind?.(c.env); // on the first request
 * ```
 */
export function upstashStore(config: UpstashStoreConfig, clock: Clock | undefined, env: EnvRecord | undefined, waitForEnv: boolean): ConfiguredStore {
  let bind: ConfiguredStore['bind'];
  const envReady = waitForEnv
    ? new Promise<EnvRecord | undefined>((resolve) => {
        bind = resolve;
      })
    : Promise.resolve(env);
  const load = (): Promise<Record<string, unknown>> =>
    Promise.all([importUpstash(), envReady]).then(([mod, e]) => {
      const Base = mod.UpstashStore as StoreClass | undefined;
      if (typeof Base !== 'function') return mod;
      return {
        UpstashStore: class UpstashStoreWithEnv extends Base {
          constructor(options: Record<string, unknown>) {
            super(withCredentials(options, e));
          }
        },
      };
    });
  return { store: new DeferredStore('upstash', config as unknown as Record<string, unknown>, clock, load), bind };
}
