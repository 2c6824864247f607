// Stores named in the configuration (`store: { type: 'redis', url }`) live in their own
// packages, which core cannot depend on (it has no dependencies). The limiter gets a
// DeferredStore at once, which loads the package in the background (a dynamic import
// that starts at construction) and hands every call to the real store once it is there.
// A missing package or bad options are configuration errors: the limiter throws them
// rather than applying its failure policy, so a typo never runs as "allow everything".
import type { Clock } from '../clock.js';
import { ConfigError, LimitRateError } from '../errors/index.js';
import type { EventBus } from '../events/bus.js';
import type { Disposable } from '../events/types.js';
import type { ConsumeOptions, ConsumeResult, LimitSpec, MaybePromise, ResetSelector, Store } from './types.js';

/** The store packages a configuration can name, and the class each exports. */
export const CONFIG_STORES = {
  redis: { module: '@limitrate/redis', className: 'RedisStore', install: 'npm install @limitrate/redis ioredis' },
  upstash: { module: '@limitrate/upstash', className: 'UpstashStore', install: 'npm install @limitrate/upstash @upstash/redis' },
} as const;

export type ConfigStoreType = keyof typeof CONFIG_STORES;

/** Loads a module by name; replaced in tests. Kept opaque to bundlers, which must not try to bundle optional packages. */
export type ModuleLoader = (specifier: string) => Promise<Record<string, unknown>>;

/**
 * require in core's CommonJS build (so the store's package loads its CommonJS build, on this
 * very copy of core: one set of error classes), import() in the ESM build.
 */
const importModule: ModuleLoader = (specifier) => {
  const cjs = typeof module === 'object' && module !== null && typeof module.require === 'function' ? module : undefined;
  if (cjs !== undefined) return Promise.resolve().then(() => cjs.require(specifier) as Record<string, unknown>);
  return import(/* webpackIgnore: true */ /* @vite-ignore */ specifier) as Promise<Record<string, unknown>>;
};

type StoreClass = new (options: Record<string, unknown>) => Store;

function configError(message: string, hint: string, cause?: unknown): ConfigError {
  const error = new ConfigError([{ path: 'store', code: 'ERR_LIMITRATE_INVALID_CONFIG', message, hint }]);
  if (cause !== undefined) Object.defineProperty(error, 'cause', { value: cause, enumerable: false, configurable: true });
  return error;
}

/**
 * A store from the configuration, loaded in the background. Calls made before it is loaded
 * wait for it; after that they go straight to the store.
 *
 * @example
 * ```ts
 * const limiter = new RateLimiter({ store: { type: 'redis', url: process.env.REDIS_URL }, policies });
 * await limiter.ready(); // optional: fail at startup if @limitrate/redis is missing
 * ```
 */
export class DeferredStore implements Store {
  readonly name: string;
  private store: Store | undefined;
  private failure: ConfigError | undefined;
  private closed = false;
  private readonly buses: { bus: EventBus; sub: Disposable | undefined; disposed: boolean }[] = [];
  /** Settles when the store is loaded (resolves) or cannot be (rejects with a ConfigError). */
  readonly loaded: Promise<Store>;

  constructor(type: ConfigStoreType, options: Record<string, unknown>, clock: Clock | undefined, load: ModuleLoader = importModule) {
    this.name = type;
    const { module, className, install } = CONFIG_STORES[type];
    const args: Record<string, unknown> = { ...options };
    delete args.type;
    if (clock !== undefined && args.clock === undefined) args.clock = clock;
    this.loaded = Promise.resolve()
      .then(() => load(module))
      .then(
        (mod) => {
          const Class = mod[className] as StoreClass | undefined;
          if (typeof Class !== 'function') throw configError(`${module} has no ${className} export`, `Install a version of ${module} that matches @limitrate/core`);
          try {
            return new Class(args);
          } catch (error) {
            const detail = error instanceof Error ? error.message : String(error);
            throw configError(`the ${type} store refused its options: ${detail}`, 'Fix the store options (see the store package README)', error);
          }
        },
        (error: unknown) => {
          throw configError(`store type '${type}' needs ${module}, which could not be loaded (${error instanceof Error ? error.message : String(error)})`, `Install it (${install}), or pass a store instance (store: new ${className}(...))`, error);
        },
      )
      .then(
        (store) => {
          if (this.closed) {
            void Promise.resolve(store.close?.()).catch(() => undefined);
          } else {
            this.store = store;
            for (const b of this.buses) if (!b.disposed) b.sub = store.attach?.(b.bus);
          }
          return store;
        },
        (error: unknown) => {
          this.failure = error as ConfigError;
          throw error;
        },
      );
    // Callers see the failure through consume, reset and ready(); never as an unhandled rejection.
    this.loaded.catch(() => undefined);
  }

  consume(limits: readonly LimitSpec[], options?: ConsumeOptions): MaybePromise<ConsumeResult> {
    if (this.closed) return Promise.reject(closedError());
    const store = this.store;
    if (store !== undefined) return store.consume(limits, options);
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return this.loaded.then((s) => s.consume(limits, options));
  }

  reset(selector: ResetSelector): MaybePromise<number> {
    if (this.closed) return Promise.reject(closedError());
    const store = this.store;
    if (store !== undefined) return store.reset(selector);
    return this.loaded.then((s) => s.reset(selector));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const store = this.store;
    this.store = undefined;
    if (store !== undefined) await store.close?.();
  }

  attach(bus: EventBus): Disposable {
    const entry: { bus: EventBus; sub: Disposable | undefined; disposed: boolean } = { bus, sub: this.store?.attach?.(bus), disposed: false };
    this.buses.push(entry);
    return {
      dispose: () => {
        entry.disposed = true;
        entry.sub?.dispose();
      },
    };
  }
}

function closedError(): LimitRateError {
  return new LimitRateError('ERR_LIMITRATE_CLOSED', 'This store has been closed', { hint: 'Create a new limiter, or stop using it after close()' });
}
