// Test helper: a Redis (private or LIMITRATE_REDIS_URL) with the local Upstash REST server in
// front of it, and @upstash/redis clients pointed at that server.
import { Redis as UpstashRedis, type RedisConfigNodejs } from '@upstash/redis';
import { startRestServer, type RestServer } from './rest-server.mjs';
import { startRedis, type TestRedis } from '../../redis/test/redis-server.js';

export { uniquePrefix } from '../../redis/test/redis-server.js';

export interface Harness {
  redis: TestRedis;
  rest: RestServer;
  /** An @upstash/redis client for the REST server, with the library's defaults unless overridden. */
  upstash(config?: Partial<RedisConfigNodejs>): UpstashRedis;
  /** Requests the REST server received while `fn` ran, and its result. */
  countRequests<T>(fn: () => Promise<T>): Promise<{ count: number; result: T; commands: string[][] }>;
  stop(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const redis = await startRedis();
  const rest = await startRestServer(redis.url);
  return {
    redis,
    rest,
    upstash: (config = {}) => new UpstashRedis({ url: rest.url, token: rest.token, enableTelemetry: false, ...config }),
    async countRequests(fn) {
      const before = rest.requests.length;
      const result = await fn();
      const log = rest.requests.slice(before);
      return { count: log.length, result, commands: log.map((r) => r.commands) };
    },
    async stop() {
      await rest.close();
      await redis.stop();
    },
  };
}
