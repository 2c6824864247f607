// request.rateLimit: the decision in the shape every LimitRate adapter gives its handlers
// (core's RateLimitInfo: the limit that matters most, what is left, when it resets, who and
// what was counted).
export { rateLimitInfo, type RateLimitInfo } from '@limitrate/core';
