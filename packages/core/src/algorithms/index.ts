// The six algorithms: pure step functions, their kernels (for stores) and shared types.
export * from './types.js';
export { fixedWindow, fixedWindowKernel, type FixedWindowState } from './fixed-window.js';
export { slidingWindow, slidingWindowKernel, type SlidingWindowState } from './sliding-window.js';
export { slidingLog, slidingLogDecide, slidingLogCommit, slidingLogInspect, type SlidingLogState } from './sliding-log.js';
export { tokenBucket, tokenBucketKernel, type TokenBucketState } from './token-bucket.js';
export { leakyBucket, leakyBucketKernel, type LeakyBucketState } from './leaky-bucket.js';
export { gcra, gcraKernel, type GcraState } from './gcra.js';
