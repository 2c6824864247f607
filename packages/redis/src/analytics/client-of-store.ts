// Finding the ioredis client of a limiter's store, so that redisAnalytics() without a client
// or url shares the RedisStore's connection: a RedisStore, a store configured as
// `{ type: 'redis' }` (core's DeferredStore, loaded in the background), or either wrapped
// in core's ResilientStore.
import type { Cluster, Redis } from 'ioredis';

type Client = Redis | Cluster;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function isClient(value: unknown): value is Client {
  return isObject(value) && typeof value.call === 'function';
}

/**
 * The client of `store`: at once for a RedisStore (or a wrapper of one), as a promise for
 * a Redis store still loading, undefined when the store is not a Redis store. The promise
 * resolves to undefined when the loaded store has no client.
 */
export function clientOfStore(store: unknown, depth = 0): Client | Promise<Client | undefined> | undefined {
  if (!isObject(store) || depth > 4) return undefined;
  // RedisStore (also from another copy of this package: checked by shape, not by class).
  if (store.name === 'redis' && isClient(store.client)) return store.client;
  // DeferredStore: `loaded` settles with the RedisStore.
  const loaded = store.loaded;
  if (store.name === 'redis' && isObject(loaded) && typeof loaded.then === 'function') {
    return (loaded as unknown as Promise<unknown>).then((inner) => clientOfStore(inner, depth + 1));
  }
  // ResilientStore: the primary store is `store`.
  if (isObject(store.store) && typeof store.store.consume === 'function') return clientOfStore(store.store, depth + 1);
  return undefined;
}
