// Public entry point of @limitrate/nextjs.
export { withRateLimit, type WithRateLimitOptions, type RateLimitWrapper, type RouteHandler, type RateLimitedHandler } from './app-router.js';
export { rateLimitProxy, type RateLimitProxyOptions, type RateLimitProxy, type ProxyFunction } from './proxy.js';
export { withRateLimitApi, type WithRateLimitApiOptions, type ApiRateLimitWrapper, type ApiHandler } from './pages.js';
export { createStatusEndpoint, getRateLimitStatus, type StatusSource } from './status.js';
export { rateLimitInfo, type RateLimitInfo } from './info.js';
export type { RouteOptions } from './limiter.js';
export type { InspectorOptions, AnalyticsReport } from '@limitrate/core';
export type { RateLimitStatus, RateLimitResult, LimitStatus, Policies, PlanPolicy, EndpointPolicy, RateRule, CostRule, UserOverride, LimitRateEvent } from '@limitrate/core';
