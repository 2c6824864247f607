// Public entry point of @limitrate/redis.
export { RedisStore, type RedisStoreOptions } from './store.js';
export { CONSUME_SCRIPT, CONSUME_SHA } from './script.js';
