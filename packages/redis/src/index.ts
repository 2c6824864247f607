// Public entry point of @limitrate/redis.
export { RedisStore, type RedisClientLike, type RedisStoreOptions } from './store.js';
export { redisAnalytics, readRedisAnalytics, DEFAULT_ANALYTICS_PREFIX, type RedisAnalyticsOptions, type ReadRedisAnalyticsOptions } from './analytics/index.js';
