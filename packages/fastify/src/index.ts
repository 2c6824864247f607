// Public entry point of @limitrate/fastify.
import './augment.js';

export { limitrate, type LimitRateHandle } from './plugin.js';
export { createStatusEndpoint, getRateLimitStatus } from './status.js';
export type { RateLimitInfo } from './info.js';
export type { LimitRateOptions, LimitRateHook, RouteLimitOptions } from './options.js';
export type { InspectorOptions, AnalyticsReport } from '@limitrate/core';
export type { RateLimitStatus, RateLimitResult, LimitStatus, Policies, PlanPolicy, EndpointPolicy, RateRule, CostRule, UserOverride, LimitRateEvent } from '@limitrate/core';
