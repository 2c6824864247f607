// Public entry point of @limitrate/redis.
export { RedisStore, type RedisStoreOptions } from './store.js';
