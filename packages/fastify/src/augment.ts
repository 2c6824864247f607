// What @limitrate/fastify adds to Fastify's types: request.rateLimit, a route's
// config.limitrate, and app.limitrate.
import type { RateLimitInfo } from './info.js';
import type { RouteLimitOptions } from './options.js';
import type { LimitRateHandle } from './plugin.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The decision of @limitrate/fastify (undefined on routes it does not limit). */
    rateLimit?: RateLimitInfo | undefined;
  }
  interface FastifyContextConfig {
    /** `false`: not limited; an object: this route's own settings (see RouteLimitOptions). */
    limitrate?: RouteLimitOptions | boolean | undefined;
  }
  interface FastifyInstance {
    /** The limiter registered with @limitrate/fastify in this context or a parent. */
    limitrate: LimitRateHandle;
  }
}
