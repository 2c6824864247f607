// `c.get('rateLimit')`: what the middleware tells the handlers about a request's limits,
// typed for every app through Hono's ContextVariableMap.
import type { RateLimitInfo } from '@limitrate/core';

export { rateLimitInfo, type RateLimitInfo } from '@limitrate/core';

declare module 'hono' {
  interface ContextVariableMap {
    /** Set by @limitrate/hono on every request it sees. */
    rateLimit: RateLimitInfo;
  }
}
