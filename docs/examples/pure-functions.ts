// The algorithms are pure functions: (state | undefined, now, params, cost) -> result.
// Keep the returned state wherever you like and pass it back on the next call.
import { gcra, slidingLog, tokenBucket, type GcraState, type SlidingLogState, type TokenBucketState } from '@limitrate/core';

// A token bucket of 3 tokens refilled at 1 token per second.
let bucket: TokenBucketState | undefined;
for (const now of [0, 0, 0, 0, 1000]) {
  const r = tokenBucket(bucket, now, { capacity: 3, refillRate: 1 });
  bucket = r.state;
  console.log(`token-bucket t=${now}: allowed=${r.allowed} remaining=${r.remaining} retryAfterMs=${r.retryAfterMs}`);
}

// GCRA with burst 1: one request per second, evenly spaced; its whole state is one number.
let tat: GcraState | undefined;
for (const now of [0, 400, 1000]) {
  const r = gcra(tat, now, { limit: 60, windowMs: 60_000, burst: 1 });
  tat = r.state;
  console.log(`gcra t=${now}: allowed=${r.allowed} retryAfterMs=${r.retryAfterMs} state=${JSON.stringify(r.state)}`);
}

// The sliding log keeps [time, units] pairs; a cost above the limit answers retryAfterMs -1.
let log: SlidingLogState | undefined;
for (const [now, cost] of [[0, 2], [500, 1], [700, 5]] as const) {
  const r = slidingLog(log, now, { limit: 4, windowMs: 1000 }, cost);
  log = r.state;
  console.log(`sliding-log t=${now} cost=${cost}: allowed=${r.allowed} retryAfterMs=${r.retryAfterMs} state=${JSON.stringify(r.state)}`);
}
