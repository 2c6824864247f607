// Fleet-wide analytics on Redis: the sink every instance writes to, and the reader.
export { redisAnalytics, type RedisAnalyticsOptions } from './sink.js';
export { readRedisAnalytics, type ReadRedisAnalyticsOptions } from './reader.js';
export { DEFAULT_ANALYTICS_PREFIX } from './keys.js';
