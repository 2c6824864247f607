// Looks up an algorithm's kernel and its numeric tag (stores keep the tag with the state so
// a key reused with another algorithm starts fresh instead of misreading the state).
import { fixedWindowKernel } from './fixed-window.js';
import { gcraKernel } from './gcra.js';
import { leakyBucketKernel } from './leaky-bucket.js';
import { slidingWindowKernel } from './sliding-window.js';
import { tokenBucketKernel } from './token-bucket.js';
import type { AlgorithmName, Kernel } from './types.js';

/** Store tag of each algorithm (never 0, which means "no state"). */
export const ALGORITHM_TAG: Readonly<Record<AlgorithmName, number>> = {
  'fixed-window': 1,
  'sliding-window': 2,
  'sliding-log': 3,
  'token-bucket': 4,
  'leaky-bucket': 5,
  gcra: 6,
};

/** Kernels of the fixed-width algorithms, by tag (sliding-log, tag 3, has its own functions). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each kernel is paired with its own spec type at the call site
export const KERNEL_BY_TAG: readonly (Kernel<any> | undefined)[] = [
  undefined,
  fixedWindowKernel,
  slidingWindowKernel,
  undefined,
  tokenBucketKernel,
  leakyBucketKernel,
  gcraKernel,
];
