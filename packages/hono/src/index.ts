// Public entry point of @limitrate/hono.
export { limitrate, type LimitRateMiddleware, type LazyLimitRateMiddleware, type LimitRateHandles } from './middleware.js';
export type { LimitRateOptions, LimitRateInput } from './options.js';
export type { RateLimitInfo } from './info.js';
export { routeTemplate } from './route.js';
export { createStatusEndpoint, getRateLimitStatus } from './status.js';
export type { InspectorOptions, AnalyticsReport } from '@limitrate/core';
export type { RateLimitStatus, RateLimitResult, LimitStatus, Policies, PlanPolicy, EndpointPolicy, RateRule, CostRule, UserOverride, LimitRateEvent } from '@limitrate/core';
