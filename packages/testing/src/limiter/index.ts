// The test limiter, test clock, request helpers, assertions and state helpers of
// @limitrate/testing (re-exported by the package entry point).
export { createTestLimiter, TestLimiter } from './test-limiter.js';
export { advanceTime, setTime, resetTime, currentTime, createTestClock, testClock, TEST_EPOCH, type TestClock } from './clock.js';
export { parseDuration, type Duration } from './duration.js';
export { makeRequests, toRequest, DEFAULT_TEST_USER, type RequestOpts, type RequestSummary } from './requests.js';
export { simulateTraffic, type TrafficReport, type TrafficCounts } from './traffic.js';
export { MAX_SIMULATED_REQUESTS, type TrafficPattern, type TrafficRequests, type SteadyTraffic, type BurstTraffic, type RampTraffic, type CustomTraffic, type ScheduledRequests } from './schedule.js';
export { expectAllowed, expectBlocked, expectSlowedDown, expectCostExceeded, expectTokenLimitExceeded, type ExpectOpts } from './assertions.js';
export { RateLimitAssertionError } from './assertion-error.js';
export { getCurrentUsage, getRemainingRequests, getRemainingTokens, snapshotLimits, type StateOpts, type LimitsSnapshot, type LimitSnapshotEntry } from './state.js';
export { resetLimits, resetUser, resetEndpoint } from './reset.js';
