// Public entry point of @limitrate/express.
export { limitrate, requestInfo, type LimitRateMiddleware, type LimitRateOptions } from './middleware.js';
export type { RateLimitInfo, InspectorOptions, AnalyticsReport } from '@limitrate/core';
export { createStatusEndpoint, getRateLimitStatus, type V3StatusOptions, type V3StatusQuery } from './status.js';
export { routeTemplate } from './route.js';
export type { RateLimitStatus, RateLimitResult, LimitStatus, Policies, PlanPolicy, EndpointPolicy, RateRule, CostRule, UserOverride, LimitRateEvent } from '@limitrate/core';
