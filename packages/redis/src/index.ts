// Public entry point of @limitrate/redis.
export { RedisStore, type RedisClientLike, type RedisStoreOptions } from './store.js';
